"""custom participant fields, organizer branding, saved designs

Revision ID: 0005_i15
Revises: 0004_i11
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_i15'
down_revision = '0004_i11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('custom_fields', sa.JSON(), nullable=True))
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fields', sa.JSON(), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_values', sa.Text(), nullable=True))
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_key', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('signature_key', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('signer_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signer_title', sa.String(length=200), nullable=True))

    op.create_table('designs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('layout', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['organizers.id'], name=op.f('fk_designs_owner_id_organizers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designs')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_designs_owner_name')
    )
    with op.batch_alter_table('designs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_designs_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('designs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_designs_owner_id'))
    op.drop_table('designs')
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.drop_column('signer_title')
        batch_op.drop_column('signer_name')
        batch_op.drop_column('signature_key')
        batch_op.drop_column('logo_key')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('field_values')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('fields')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('custom_fields')
