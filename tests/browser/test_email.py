"""Email in Chromium (#13): certificates emailed on issue, and the password reset,
each message received by the site's real SMTP server."""

from __future__ import annotations

import re

from tests.browser import seed
from tests.browser.support import expect

LINK = re.compile(r"https?://\S+/auth/reset/\S+")


def test_organizer_turns_email_on_issues_and_sees_sent(browse, site):
    page = browse.page
    email = seed.organizer(site)
    event = seed.ended_event(site, email, ["Ada Lovelace", "Grace Hopper"], issue=False)
    browse.sign_in(email)
    browse.goto(f"/events/{event.event_id}")
    email_card = page.locator("#email")
    expect(email_card.locator("[data-email-state]")).to_have_attribute("data-email-state", "off")
    page.get_by_role("button", name="Send certificates by email").click()
    expect(page.get_by_text("Sending certificates by email is on")).to_be_visible()

    page.get_by_role("button", name="Issue now").click()
    # Issuing renders both certificates and sends both messages: a loaded CI machine is slow.
    expect(page.get_by_text("2 of 2 certificates issued.")).to_be_visible(timeout=30_000)
    page.reload()
    expect(email_card.locator('[data-delivery="sent"]')).to_have_count(2)
    browse.check("event-emailed")
    mails = [m for m in site.inbox.messages if m["Reply-To"] == email]
    assert sorted(m["To"] for m in mails) == ["p0@example.org", "p1@example.org"]


def test_password_reset_from_the_sign_in_page(browse, site):
    page = browse.page
    email = seed.organizer(site)
    browse.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    browse.check("reset-request")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text(f"A message is on its way to {email}")).to_be_visible()

    # Sent before the page answered: the server takes it before its 250 reply.
    (mail,) = site.mail_to(email)
    link = LINK.search(mail.get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    browse.check("reset-password")
    page.locator("input[name=password]").fill("a brand new password 9")
    page.get_by_label("Repeat the new password").fill("a brand new password 9")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Password set; sign in with it.")).to_be_visible()

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a brand new password 9")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(browse.url("/events/"))
    # The link worked once.
    browse.goto(link.removeprefix(site.base_url), status=404)
