"""certificate Open Badges credential

Revision ID: 0005_i18
Revises: 0004_i11
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_i18"
down_revision = "0004_i11"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_jws", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("credential_jws")
