"""organizer display name

Revision ID: 0004_i12
Revises: 0003
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_i12'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.drop_column('display_name')
