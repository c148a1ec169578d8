"""certificate Open Badges credential and status list slots

Revision ID: 0005_i18
Revises: 0005_i16
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_i18"
down_revision = "0005_i16"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_jws", sa.Text(), nullable=True))
    op.create_table(
        "credential_status_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_slots")),
        sa.UniqueConstraint("code", name=op.f("uq_credential_status_slots_code")),
    )


def downgrade():
    op.drop_table("credential_status_slots")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("credential_jws")
