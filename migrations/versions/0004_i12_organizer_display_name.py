"""organizer display name; the heading becomes a layout field

Revision ID: 0004_i12
Revises: 0003
Create Date: 2026-12-01

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_i12'
down_revision = '0003'
branch_labels = None
depends_on = None

HEADING_TEXT = "CERTIFICATE OF ATTENDANCE"
# The first field of the default layout from now on (app/certificates/rendering/layout.py).
HEADING = {
    "align": "center", "color": "#1f2a44", "font": "serif", "max_lines": 1, "max_width": 0.76,
    "size": 0.055, "text": HEADING_TEXT, "type": "text", "weight": "bold", "x": 0.5, "y": 0.255,
}


def _events():
    return sa.table(
        'events',
        sa.column('id', sa.Integer),
        sa.column('certificate_layout', sa.Text),
        sa.column('certificate_background_key', sa.String),
    )


def _rewrite_layouts(change):
    """Apply change(fields) -> fields to every saved layout over the built-in background."""
    events = _events()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(events.c.id, events.c.certificate_layout).where(
            events.c.certificate_layout.is_not(None),
            events.c.certificate_background_key.is_(None),
        )
    ).all()
    for event_id, text in rows:
        layout = json.loads(text)
        fields = layout.get("fields", [])
        changed = change(fields)
        if changed != fields:
            layout["fields"] = changed
            value = json.dumps(layout, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
            connection.execute(
                events.update().where(events.c.id == event_id).values(certificate_layout=value)
            )


def upgrade():
    op.add_column('organizers', sa.Column('display_name', sa.String(length=200), nullable=True))
    # The built-in background no longer draws the heading. An event that saved its
    # own layout over that background gets the heading as a field, so its
    # certificates look as they did; over an uploaded background there was none.
    _rewrite_layouts(
        lambda fields: fields
        if any(field.get("text") == HEADING_TEXT for field in fields)
        else [HEADING, *fields]
    )


def downgrade():
    # The old built-in background draws the heading itself.
    _rewrite_layouts(lambda fields: [field for field in fields if field != HEADING])
    # Not batch mode: on SQLite that copies and drops the table, and dropping it
    # deletes every event through the foreign key's ON DELETE CASCADE.
    op.drop_column('organizers', 'display_name')
