"""offers, commission rules, caps and their counters, coupon codes, two-tier settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:17:12.622813

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offer_groups',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['partner_groups.id'], name=op.f('fk_offer_groups_group_id_partner_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_groups_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'group_id', name=op.f('pk_offer_groups'))
    )
    op.create_table('offer_windows',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('cookie_window_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('cookie_window_days > 0', name=op.f('ck_offer_windows_days_positive')),
    sa.ForeignKeyConstraint(['group_id'], ['partner_groups.id'], name=op.f('fk_offer_windows_group_id_partner_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_windows_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'group_id', name=op.f('pk_offer_windows'))
    )
    op.create_table('caps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('limit_value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('caps_conversions', sa.Boolean(), nullable=False),
    sa.Column('redirects_clicks', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(scope = 'offer' AND partner_id IS NULL AND group_id IS NULL) OR (scope = 'offer_partner' AND group_id IS NULL) OR (scope = 'group' AND group_id IS NOT NULL AND partner_id IS NULL)", name=op.f('ck_caps_scope_target')),
    sa.CheckConstraint("metric <> 'clicks' OR NOT caps_conversions", name=op.f('ck_caps_clicks_redirect_only')),
    sa.CheckConstraint("metric IN ('conversions', 'commission', 'clicks')", name=op.f('ck_caps_metric_valid')),
    sa.CheckConstraint("period IN ('day', 'week', 'month', 'lifetime')", name=op.f('ck_caps_period_valid')),
    sa.CheckConstraint("scope IN ('offer', 'offer_partner', 'group')", name=op.f('ck_caps_scope_valid')),
    sa.CheckConstraint('caps_conversions OR redirects_clicks', name=op.f('ck_caps_has_action')),
    sa.CheckConstraint('limit_value > 0', name=op.f('ck_caps_limit_positive')),
    sa.ForeignKeyConstraint(['group_id'], ['partner_groups.id'], name=op.f('fk_caps_group_id_partner_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_caps_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_caps_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caps'))
    )
    with op.batch_alter_table('caps', schema=None) as batch_op:
        batch_op.create_index('ix_caps_offer_active', ['offer_id', 'is_active'], unique=False)

    op.create_table('commission_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(scope = 'offer' AND group_id IS NULL AND partner_id IS NULL) OR (scope = 'group' AND group_id IS NOT NULL AND partner_id IS NULL) OR (scope = 'partner' AND partner_id IS NOT NULL AND group_id IS NULL)", name=op.f('ck_commission_rules_scope_target')),
    sa.CheckConstraint("event IN ('sale', 'lead', 'signup', 'renewal')", name=op.f('ck_commission_rules_event_valid')),
    sa.CheckConstraint("kind IN ('flat', 'percent', 'tiered', 'recurring', 'time_decay', 'milestone')", name=op.f('ck_commission_rules_kind_valid')),
    sa.CheckConstraint("scope IN ('offer', 'group', 'partner')", name=op.f('ck_commission_rules_scope_valid')),
    sa.ForeignKeyConstraint(['group_id'], ['partner_groups.id'], name=op.f('fk_commission_rules_group_id_partner_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_commission_rules_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_commission_rules_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_rules'))
    )
    with op.batch_alter_table('commission_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_rules_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_commission_rules_offer_position', ['offer_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_commission_rules_partner_id'), ['partner_id'], unique=False)

    op.create_table('coupon_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('code_key', sa.String(length=64), nullable=False),
    sa.Column('discount', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_coupon_codes_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_coupon_codes_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_codes')),
    sa.UniqueConstraint('code_key', name=op.f('uq_coupon_codes_code_key'))
    )
    with op.batch_alter_table('coupon_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coupon_codes_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_volumes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('conversions', sa.Integer(), nullable=False),
    sa.Column('amount_units', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('conversions >= 0', name=op.f('ck_partner_volumes_conversions_non_negative')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_partner_volumes_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_volumes_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_volumes')),
    sa.UniqueConstraint('partner_id', 'offer_id', 'event', 'period_key', name=op.f('uq_partner_volumes_partner_id_offer_id_event_period_key'))
    )
    with op.batch_alter_table('partner_volumes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_volumes_offer_id'), ['offer_id'], unique=False)

    op.create_table('cap_usages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cap_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('partner_key', sa.Integer(), nullable=False),
    sa.Column('used', sa.BigInteger(), nullable=False),
    sa.Column('alert_level', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('alert_level IN (0, 80, 100)', name=op.f('ck_cap_usages_alert_level_valid')),
    sa.CheckConstraint('used >= 0', name=op.f('ck_cap_usages_used_non_negative')),
    sa.ForeignKeyConstraint(['cap_id'], ['caps.id'], name=op.f('fk_cap_usages_cap_id_caps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cap_usages')),
    sa.UniqueConstraint('cap_id', 'period_key', 'partner_key', name=op.f('uq_cap_usages_cap_id_period_key_partner_key'))
    )
    with op.batch_alter_table('commissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_commissions_conversion_id_partner_id_kind'), type_='unique')
        batch_op.create_index('ux_commissions_conversion_partner_kind', ['conversion_id', 'partner_id', 'kind'], unique=True, sqlite_where=sa.text("kind IN ('conversion', 'tier2')"), postgresql_where=sa.text("kind IN ('conversion', 'tier2')"))

    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributed_via', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subaffiliate_share', sa.Numeric(precision=18, scale=4), nullable=False, server_default='10'))
        batch_op.add_column(sa.Column('subaffiliate_levels', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('referral_discount', sa.String(length=200), nullable=False, server_default=''))
        batch_op.create_check_constraint(op.f('ck_program_subaffiliate_share_range'), 'subaffiliate_share >= 0 AND subaffiliate_share <= 100')
        batch_op.create_check_constraint(op.f('ck_program_subaffiliate_levels_range'), 'subaffiliate_levels >= 1 AND subaffiliate_levels <= 5')



def downgrade():
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_program_subaffiliate_levels_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_program_subaffiliate_share_range'), type_='check')
        batch_op.drop_column('referral_discount')
        batch_op.drop_column('subaffiliate_levels')
        batch_op.drop_column('subaffiliate_share')

    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.drop_column('refunded_at')
        batch_op.drop_column('attributed_via')

    with op.batch_alter_table('commissions', schema=None) as batch_op:
        batch_op.drop_index('ux_commissions_conversion_partner_kind', sqlite_where=sa.text("kind IN ('conversion', 'tier2')"), postgresql_where=sa.text("kind IN ('conversion', 'tier2')"))
        batch_op.create_unique_constraint(batch_op.f('uq_commissions_conversion_id_partner_id_kind'), ['conversion_id', 'partner_id', 'kind'])

    op.drop_table('cap_usages')
    with op.batch_alter_table('partner_volumes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_volumes_offer_id'))

    op.drop_table('partner_volumes')
    with op.batch_alter_table('coupon_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupon_codes_partner_id'))

    op.drop_table('coupon_codes')
    with op.batch_alter_table('commission_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_rules_partner_id'))
        batch_op.drop_index('ix_commission_rules_offer_position')
        batch_op.drop_index(batch_op.f('ix_commission_rules_group_id'))

    op.drop_table('commission_rules')
    with op.batch_alter_table('caps', schema=None) as batch_op:
        batch_op.drop_index('ix_caps_offer_active')

    op.drop_table('caps')
    op.drop_table('offer_windows')
    op.drop_table('offer_groups')
