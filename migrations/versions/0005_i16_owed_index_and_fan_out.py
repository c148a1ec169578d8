"""participants.certified and a partial index of the participants still owed a certificate; fan-out on checker runs

Revision ID: 0005_i16
Revises: 0005_i13
Create Date: 2026-12-01

The checker's claim query used to read every attended participant of every
ended event to find the few without a certificate; with this column and the
partial index it reads only those still owed one. Checker runs record the
invocations of the cron route they started (fan-out).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_i16'
down_revision = '0005_i13'
branch_labels = None
depends_on = None

OWED_SQLITE = 'attended IS 1 AND certified IS 0'
OWED_POSTGRESQL = 'attended IS true AND certified IS false'


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certified', sa.Boolean(), server_default=sa.false(), nullable=False))
    # What the certificates say today: a current one that nobody asked to replace.
    op.execute(
        'UPDATE participants SET certified = true WHERE EXISTS ('
        'SELECT 1 FROM certificates WHERE certificates.participant_id = participants.id '
        'AND certificates.replaced_by_code IS NULL AND certificates.reissue_requested_at IS NULL)'
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index('ix_participants_owed', ['event_id', 'id'], unique=False, sqlite_where=sa.text(OWED_SQLITE), postgresql_where=sa.text(OWED_POSTGRESQL))

    with op.batch_alter_table('checker_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fanned_out', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fan_out_error', sa.Text(), nullable=True))


def downgrade():
    # Reserved invocations that never started mean nothing to the older code.
    op.execute("DELETE FROM checker_runs WHERE outcome = 'pending'")
    with op.batch_alter_table('checker_runs', schema=None) as batch_op:
        batch_op.drop_column('fan_out_error')
        batch_op.drop_column('fanned_out')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_owed', sqlite_where=sa.text(OWED_SQLITE), postgresql_where=sa.text(OWED_POSTGRESQL))
        batch_op.drop_column('certified')
