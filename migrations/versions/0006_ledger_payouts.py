"""ledger and payouts: payout batches, payouts, payout items (a commission in at most one
live payout), partner payout details, program payout settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 03:27:18.591736

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payout_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    sa.Column('cutoff', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('left_out', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'approved', 'completed', 'canceled')", name=op.f('ck_payout_batches_status_valid')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_payout_batches_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payout_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_batches')),
    sa.UniqueConstraint('key', name=op.f('uq_payout_batches_key'))
    )
    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('excluded_reason', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('recipient_name', sa.String(length=120), nullable=False),
    sa.Column('paypal_email', sa.String(length=254), nullable=True),
    sa.Column('iban', sa.String(length=34), nullable=True),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('other_details', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("method IN ('paypal', 'bank_transfer', 'other')", name=op.f('ck_payouts_method_valid')),
    sa.CheckConstraint("status IN ('draft', 'approved', 'sent', 'paid', 'failed', 'canceled')", name=op.f('ck_payouts_status_valid')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payouts_amount_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['payout_batches.id'], name=op.f('fk_payouts_batch_id_payout_batches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_payouts_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('batch_id', 'partner_id', name=op.f('uq_payouts_batch_id_partner_id'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index('ix_payouts_partner_status', ['partner_id', 'status'], unique=False)

    op.create_table('payout_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payout_id', sa.Integer(), nullable=False),
    sa.Column('commission_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['commission_id'], ['commissions.id'], name=op.f('fk_payout_items_commission_id_commissions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payout_id'], ['payouts.id'], name=op.f('fk_payout_items_payout_id_payouts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_items'))
    )
    with op.batch_alter_table('payout_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_items_payout_id'), ['payout_id'], unique=False)
        batch_op.create_index('uq_payout_items_live_commission', ['commission_id'], unique=True, sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_account_holder', sa.String(length=70), nullable=True))
        batch_op.add_column(sa.Column('payout_iban', sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column('payout_bic', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('payout_other_details', sa.Text(), nullable=True))

    with op.batch_alter_table('program', schema=None) as batch_op:
        # The program row already exists: give the new flag a value for it.
        batch_op.add_column(sa.Column('payout_second_approver', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('sepa_debtor_name', sa.String(length=70), nullable=True))
        batch_op.add_column(sa.Column('sepa_debtor_iban', sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column('sepa_debtor_bic', sa.String(length=11), nullable=True))



def downgrade():
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_column('sepa_debtor_bic')
        batch_op.drop_column('sepa_debtor_iban')
        batch_op.drop_column('sepa_debtor_name')
        batch_op.drop_column('payout_second_approver')

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('payout_other_details')
        batch_op.drop_column('payout_bic')
        batch_op.drop_column('payout_iban')
        batch_op.drop_column('payout_account_holder')

    with op.batch_alter_table('payout_items', schema=None) as batch_op:
        batch_op.drop_index('uq_payout_items_live_commission', sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_payout_items_payout_id'))

    op.drop_table('payout_items')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index('ix_payouts_partner_status')

    op.drop_table('payouts')
    op.drop_table('payout_batches')
