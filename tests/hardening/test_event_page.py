"""The event page shows participants and certificates a page at a time, searchable."""

from __future__ import annotations

import re

import sqlalchemy as sa


def add_many(app, event_id: int, count: int, attended_every: int = 2) -> None:
    from app.extensions import db
    from app.models import Participant

    with app.app_context():
        db.session.execute(
            sa.insert(Participant),
            [
                {
                    "event_id": event_id,
                    "name": f"Person {n:05d}",
                    "email": f"person{n:05d}@example.org",
                    "attended": n % attended_every == 0,
                }
                for n in range(count)
            ],
        )
        db.session.commit()


def names(page: str) -> list[str]:
    return re.findall(r"<td>(Person \d{5}|Ada Lovelace|Absent)</td>", page)


def test_participants_are_paginated_with_counts_of_the_whole_event(app, client, event_id):
    add_many(app, event_id, 120)
    first = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert '<span class="count">122</span>' in first  # 120 + the fixture's two
    assert ">61</span> attended" in first
    assert "Page 1 of 3" in first and 'rel="next"' in first
    third = client.get(f"/events/{event_id}?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in third and 'rel="prev"' in third
    seen = set()
    for number in (1, 2, 3):
        page = client.get(f"/events/{event_id}?page={number}").get_data(as_text=True)
        table = page.split('id="participants"', 1)[1]
        seen.update(names(table))
    assert len(seen) == 122


def add_certificate(app, holder_name: str | None = None) -> str:
    """A certificate row (no files) for a participant, by name, or the first one."""
    from app.extensions import db
    from app.models import Certificate, Participant

    code = "LAU-TEST-C0DE-0000-0001"
    with app.app_context():
        query = sa.select(Participant).order_by(Participant.id)
        if holder_name:
            query = query.where(Participant.name == holder_name)
        holder = db.session.scalars(query).first()
        db.session.add(
            Certificate(
                participant_id=holder.id,
                event_id=holder.event_id,
                code=code,
                holder_name=holder.name,
                event_title="Workshop",
                event_date="2 May 2024",
                issuer="org@example.org",
                verify_url=f"https://laurel.example.org/verify/{code}",
                png_key="k.png",
                pdf_key="k.pdf",
                png_sha256="0" * 64,
                pdf_sha256="0" * 64,
                issued_at=db.func.now(),
            )
        )
        db.session.commit()
    return code


def test_search_by_name_email_and_certificate_code(app, client, event_id):
    add_many(app, event_id, 60)
    by_name = client.get(f"/events/{event_id}?q=person 0004").get_data(as_text=True)
    assert set(names(by_name)) == {f"Person {n:05d}" for n in range(40, 50)}
    by_email = client.get(f"/events/{event_id}?q=PERSON00017@").get_data(as_text=True)
    assert set(names(by_email)) == {"Person 00017"}
    add_certificate(app, "Person 00020")
    by_code = client.get(f"/events/{event_id}?q=c0de-0000").get_data(as_text=True)
    assert set(names(by_code)) == {"Person 00020"}
    assert "LAU-TEST-C0DE-0000-0001" in by_code
    nothing = client.get(f"/events/{event_id}?q=zzz").get_data(as_text=True)
    assert "No participant matches" in nothing


def test_page_links_keep_the_search(app, client, event_id):
    add_many(app, event_id, 130)
    page = client.get(f"/events/{event_id}?q=Person").get_data(as_text=True)
    links = re.findall(r'href="([^"]*page=2[^"]*)"', page)
    assert links and all("q=Person" in link for link in links)
