"""several signatures per organizer: the single signature moves into a table

Revision ID: 0006_i15
Revises: 0005_i18
Create Date: 2026-12-01

An organizer's signature, signer's name and title (three columns of organizers) become
their signature 1 in `signatures`; layouts need no change, as a `signature` field with
no `signer` shows signature 1. Downgrading moves signature 1 back and drops the others.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_i15"
down_revision = "0005_i18"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("image_key", sa.String(length=500), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.CheckConstraint("number BETWEEN 1 AND 4", name=op.f("ck_signatures_number_in_range")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["organizers.id"],
            name=op.f("fk_signatures_owner_id_organizers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
        sa.UniqueConstraint("owner_id", "number", name="uq_signatures_owner_number"),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatures_owner_id"), ["owner_id"], unique=False)
    op.execute(
        "INSERT INTO signatures (owner_id, number, image_key, name, title) "
        "SELECT id, 1, signature_key, signer_name, signer_title FROM organizers "
        "WHERE signature_key IS NOT NULL OR signer_name IS NOT NULL "
        "OR signer_title IS NOT NULL"
    )
    with op.batch_alter_table("organizers", schema=None) as batch_op:
        batch_op.drop_column("signer_title")
        batch_op.drop_column("signer_name")
        batch_op.drop_column("signature_key")


def downgrade():
    with op.batch_alter_table("organizers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_key", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("signer_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("signer_title", sa.String(length=200), nullable=True))
    # Signatures 2 and up have no place to go back to; their images stay in storage.
    op.execute(
        "UPDATE organizers SET "
        "signature_key = (SELECT image_key FROM signatures s "
        "WHERE s.owner_id = organizers.id AND s.number = 1), "
        "signer_name = (SELECT name FROM signatures s "
        "WHERE s.owner_id = organizers.id AND s.number = 1), "
        "signer_title = (SELECT title FROM signatures s "
        "WHERE s.owner_id = organizers.id AND s.number = 1)"
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signatures_owner_id"))
    op.drop_table("signatures")
