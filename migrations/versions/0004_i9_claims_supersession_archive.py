"""issue claims, superseded certificates, archived events, run leases

Revision ID: 0004_i9
Revises: 0004_i12
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_i9'
down_revision = '0004_i12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issue_claims',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('stale_codes', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_issue_claims_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', name=op.f('pk_issue_claims')),
    sa.UniqueConstraint('code', name=op.f('uq_issue_claims_code'))
    )
    with op.batch_alter_table('issue_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_claims_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reissue_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_certificates_participant_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_certificates_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('uq_certificates_current_participant', ['participant_id'], unique=True, sqlite_where=sa.text('replaced_by_code IS NULL'), postgresql_where=sa.text('replaced_by_code IS NULL'))

    with op.batch_alter_table('checker_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('checker_runs', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('held')

    # Superseded certificates cannot live under the old one-per-participant rule.
    op.execute('DELETE FROM certificates WHERE replaced_by_code IS NOT NULL')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_certificates_current_participant', sqlite_where=sa.text('replaced_by_code IS NULL'), postgresql_where=sa.text('replaced_by_code IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificates_participant_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_participant_id'), ['participant_id'])
        batch_op.drop_column('reissue_requested_at')
        batch_op.drop_column('replaced_by_code')

    with op.batch_alter_table('issue_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_claims_expires_at'))

    op.drop_table('issue_claims')
