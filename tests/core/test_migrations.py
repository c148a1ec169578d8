"""Tables come from migrations only, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_create_app_creates_no_table(tmp_path):
    from app import create_app

    path = tmp_path / "fresh.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
    app.test_client().get("/")
    assert not path.exists()


def test_downgrade_and_upgrade_round_trip(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="base")
        upgrade()
        assert app.test_client().get("/readyz").status_code == 200


def test_saved_layouts_over_the_built_in_background_keep_their_heading(app):
    """0004_i12 moves the heading from the built-in image into the layout."""
    import json

    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from app.certificates.rendering import DEFAULT_LAYOUT, layout_to_dict, parse_layout

    old_fields = layout_to_dict(DEFAULT_LAYOUT)["fields"][1:]  # what 0003 saved: no heading
    saved = json.dumps({"version": 1, "fields": old_fields})
    with app.app_context():
        downgrade(revision="0003")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO organizers (id, email, password_hash, created_at) "
                    "VALUES (1, 'o@example.org', 'x', CURRENT_TIMESTAMP)"
                )
            )
            for event_id, background in ((1, None), (2, "templates/event-2/x.png")):
                connection.execute(
                    sa.text(
                        "INSERT INTO events (id, owner_id, title, description, starts_at, "
                        "ends_at, timezone, status, certificate_layout, "
                        "certificate_background_key, created_at, updated_at) VALUES (:id, 1, "
                        "'E', '', '2026-01-01 10:00:00+00', '2026-01-01 12:00:00+00', 'UTC', "
                        "'ended', :layout, :background, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": event_id, "layout": saved, "background": background},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, certificate_layout FROM events"))
            layouts = {row.id: row.certificate_layout for row in rows}
        assert parse_layout(layouts[1]) == DEFAULT_LAYOUT  # as it looked: heading included
        assert json.loads(layouts[2])["fields"] == old_fields  # an upload never had one
        downgrade(revision="0003")
        with db.engine.connect() as connection:
            back = connection.execute(sa.text("SELECT certificate_layout FROM events WHERE id = 1"))
            assert json.loads(back.scalar())["fields"] == old_fields
        upgrade()


def test_participants_with_a_current_certificate_come_out_of_0005_certified(app):
    """0005_i16 fills `participants.certified` from the certificates as they are."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="0004_i11")
        with db.engine.begin() as connection:
            run = connection.execute
            run(
                sa.text(
                    "INSERT INTO organizers (id, email, password_hash, created_at) "
                    "VALUES (1, 'o@example.org', 'x', CURRENT_TIMESTAMP)"
                )
            )
            run(
                sa.text(
                    "INSERT INTO events (id, owner_id, title, description, starts_at, ends_at, "
                    "timezone, status, created_at, updated_at) VALUES (1, 1, 'E', '', "
                    "'2026-01-01 10:00:00+00', '2026-01-01 12:00:00+00', 'UTC', 'ended', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for pid in (1, 2, 3):  # 1: current certificate; 2: re-issue asked; 3: none
                run(
                    sa.text(
                        "INSERT INTO participants (id, event_id, name, email, attended, "
                        "created_at) VALUES (:id, 1, 'P', :email, true, CURRENT_TIMESTAMP)"
                    ),
                    {"id": pid, "email": f"p{pid}@example.org"},
                )
            for pid, reissue in ((1, None), (2, "2026-01-02 00:00:00+00")):
                run(
                    sa.text(
                        "INSERT INTO certificates (participant_id, event_id, code, holder_name, "
                        "event_title, event_date, language, issuer, verify_url, png_key, "
                        "pdf_key, png_sha256, pdf_sha256, issued_at, reissue_requested_at) "
                        "VALUES (:id, 1, :code, 'P', 'E', 'd', 'en', 'i', 'u', 'k', 'k', '', '', "
                        "CURRENT_TIMESTAMP, :reissue)"
                    ),
                    {"id": pid, "code": f"LAU-{pid}", "reissue": reissue},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, certified FROM participants"))
            certified = {row.id: bool(row.certified) for row in rows}
        assert certified == {1: True, 2: False, 3: False}


def test_the_single_signature_becomes_signature_1_and_comes_back(app):
    """0006_i15 moves each organizer's signature, signer's name and title into
    `signatures` as signature 1 (an organizer with none gets no row); its downgrade
    moves signature 1 back."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="0005_i18")
        with db.engine.begin() as connection:
            for oid, key, name, title in (
                (1, "brand/organizer-1/a.png", "Grace Hopper", "Chair"),
                (2, None, "Ada", None),
                (3, None, None, None),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO organizers (id, email, password_hash, created_at, "
                        "signature_key, signer_name, signer_title) VALUES (:id, :email, 'x', "
                        "CURRENT_TIMESTAMP, :key, :name, :title)"
                    ),
                    {"id": oid, "email": f"o{oid}@example.org", "key": key, "name": name,
                     "title": title},
                )  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT owner_id, number, image_key, name, title FROM signatures")
            )
            moved = sorted(tuple(row) for row in rows)
        assert moved == [
            (1, 1, "brand/organizer-1/a.png", "Grace Hopper", "Chair"),
            (2, 1, None, "Ada", None),
        ]
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO signatures (owner_id, number, name) VALUES (1, 2, 'Babbage')")
            )
        downgrade(revision="0005_i18")
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, signature_key, signer_name, signer_title FROM organizers")
            )
            back = sorted(tuple(row) for row in rows)
        assert back == [
            (1, "brand/organizer-1/a.png", "Grace Hopper", "Chair"),
            (2, None, "Ada", None),
            (3, None, None, None),
        ]
        upgrade()
