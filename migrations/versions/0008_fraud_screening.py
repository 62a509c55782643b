"""fraud screening

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 03:28:58.261162

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fraud_rule_settings',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('threshold', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('flag', 'hold', 'reject')", name=op.f('ck_fraud_rule_settings_action_valid')),
    sa.CheckConstraint('threshold IS NULL OR threshold >= 0', name=op.f('ck_fraud_rule_settings_threshold_non_negative')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_fraud_rule_settings'))
    )
    op.create_table('fraud_cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversion_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('flag', 'hold', 'reject')", name=op.f('ck_fraud_cases_action_valid')),
    sa.CheckConstraint("status IN ('open', 'released', 'rejected')", name=op.f('ck_fraud_cases_status_valid')),
    sa.ForeignKeyConstraint(['conversion_id'], ['conversions.id'], name=op.f('fk_fraud_cases_conversion_id_conversions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_fraud_cases_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_fraud_cases_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_cases'))
    )
    with op.batch_alter_table('fraud_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_cases_conversion_id'), ['conversion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fraud_cases_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_fraud_cases_status_created', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_click_param', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_clicks_ip_created', ['ip', 'created_at'], unique=False)

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_search_allowed', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))



def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('paid_search_allowed')

    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.drop_index('ix_clicks_ip_created')
        batch_op.drop_column('paid_click_param')

    with op.batch_alter_table('fraud_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_fraud_cases_status_created')
        batch_op.drop_index(batch_op.f('ix_fraud_cases_partner_id'))
        batch_op.drop_index(batch_op.f('ix_fraud_cases_conversion_id'))

    op.drop_table('fraud_cases')
    op.drop_table('fraud_rule_settings')
