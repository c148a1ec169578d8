"""session versions and throttle windows

Revision ID: 0004_i11
Revises: 0003
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_i11'
down_revision = '0004_i17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))

    op.create_table('throttle_windows',
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('rule', 'key', 'window_start', name=op.f('pk_throttle_windows'))
    )
    with op.batch_alter_table('throttle_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_windows_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('throttle_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_windows_expires_at'))

    op.drop_table('throttle_windows')
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.drop_column('session_version')
