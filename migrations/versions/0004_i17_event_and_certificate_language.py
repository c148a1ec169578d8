"""event and certificate language

Revision ID: 0004_i17
Revises: 0004_i9
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_i17'
down_revision = '0004_i9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=35), server_default='en', nullable=False))
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=35), server_default='en', nullable=False))


def downgrade():
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_column('language')
