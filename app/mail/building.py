"""Turning an outbox row into an email: templates, sender, Reply-To, the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import render_template

from app.mail.settings import MailSettings


@dataclass(frozen=True)
class Letter:
    """A message ready for any transport: plain data, no database rows."""

    to: str
    subject: str
    text: str
    html: str | None
    sender_name: str
    reply_to: str | None
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)

    def as_email(self, settings: MailSettings, message_id: str | None = None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((self.sender_name, settings.sender))
        message["To"] = self.to
        message["Subject"] = self.subject
        # RFC 5322 requires it; receiving servers that add a missing one score it as spam.
        message["Date"] = formatdate(usegmt=True)
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Message-ID"] = message_id or make_msgid(domain=settings.sender.split("@")[-1])
        message.set_content(self.text)
        if self.html:
            message.add_alternative(self.html, subtype="html")
        for name, data, mime in self.attachments:
            maintype, _, subtype = mime.partition("/")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return message


def certificate_letter(certificate, event, organizer, pdf: bytes | None, limit: int) -> Letter:
    """The attendee's message; the PDF is attached up to `limit` bytes, else linked."""
    from app.certificates.queries import download_name

    attach = pdf is not None and len(pdf) <= limit
    context = {
        "certificate": certificate,
        "event": event,
        "issuer": organizer.issuer_name,
        "attached": attach,
    }
    return Letter(
        to=certificate.participant.email,
        subject=f"Your certificate for {certificate.event_title}",
        text=render_template("mail/message/certificate.txt", **context),
        html=render_template("mail/message/certificate.html", **context),
        sender_name=organizer.issuer_name,
        reply_to=organizer.email,
        attachments=[(download_name(certificate, "pdf"), pdf, "application/pdf")] if attach else [],
    )
