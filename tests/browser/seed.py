"""Data the browser flows start from, written straight into the site's database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from tests.browser.support import PASSWORD, Site


@dataclass(frozen=True)
class Seeded:
    email: str
    event_id: int
    codes: dict[str, str]  # holder name -> certificate code


def organizer(site: Site, display_name: str | None = None) -> str:
    from app.auth.accounts import create_organizer
    from app.extensions import db

    email = f"org-{uuid.uuid4().hex[:10]}@example.org"
    app = site.app()
    with app.app_context():
        account = create_organizer(email, PASSWORD)
        if display_name is not None:
            account.display_name = display_name
            db.session.commit()
        db.engine.dispose()
    return email


def ended_event(site: Site, email: str, names: list[str], *, issue: bool) -> Seeded:
    """An event that ended yesterday, everyone attended; issued if asked."""
    from app.auth.accounts import find_organizer
    from app.certificates.models import Certificate
    from app.checker.run import check_events
    from app.database import utcnow
    from app.extensions import db
    from app.models import Event, Participant

    app = site.app()
    with app.app_context():
        now = utcnow().replace(microsecond=0)
        event = Event(
            owner_id=find_organizer(email).id,
            title="Data Night 2026",
            description="",
            timezone="Europe/Athens",
            starts_at=now - timedelta(days=1, hours=3),
            ends_at=now - timedelta(days=1),
            status="ended",
        )
        db.session.add(event)
        db.session.flush()
        for number, name in enumerate(names):
            address = f"p{number}@example.org"
            db.session.add(Participant(event_id=event.id, name=name, email=address, attended=True))
        db.session.commit()
        codes: dict[str, str] = {}
        if issue:
            result = check_events(event_id=event.id)
            assert result.remaining == 0, result
            for certificate in db.session.scalars(
                db.select(Certificate).where(Certificate.event_id == event.id)
            ):
                codes[certificate.holder_name] = certificate.code
        event_id = event.id
        db.engine.dispose()
    return Seeded(email, event_id, codes)


def revoke(site: Site, code: str, reason: str) -> None:
    from app.certificates.models import Certificate
    from app.database import utcnow
    from app.extensions import db

    app = site.app()
    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate).where(Certificate.code == code))
        certificate.revoked_at = utcnow()
        certificate.revoked_reason = reason
        db.session.commit()
        db.engine.dispose()
