"""the email outbox; per-event "send certificates by email"

Revision ID: 0005_i13
Revises: 0005_i15
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0005_i13'
down_revision = '0005_i15'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'events',
        sa.Column('email_certificates', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=True),
        sa.Column('body_text', sa.Text(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('kept', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('idempotency_key'),
    )
    op.create_index('ix_outbox_due', 'outbox_messages', ['state', 'next_attempt_at'])
    op.create_index(
        op.f('ix_outbox_messages_certificate_id'), 'outbox_messages', ['certificate_id']
    )
    op.create_index(op.f('ix_outbox_messages_event_id'), 'outbox_messages', ['event_id'])


def downgrade():
    op.drop_table('outbox_messages')
    # Not batch mode: on SQLite that would copy and drop events, cascading deletes.
    op.drop_column('events', 'email_certificates')
