"""partner side

Creatives, announcements, per-link daily rollups, monthly standings, email preferences
and email-change links, the leaderboard switch and the partners' opt-out.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 03:44:56.452448

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_standings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('conversions', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('ranked', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rank > 0 AND ranked >= rank', name=op.f('ck_monthly_standings_rank_valid')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_monthly_standings_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_standings')),
    sa.UniqueConstraint('month', 'partner_id', name=op.f('uq_monthly_standings_month_partner_id'))
    )
    with op.batch_alter_table('monthly_standings', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_standings_month_rank', ['month', 'rank'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_standings_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_email_preferences',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_email_preferences_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'kind', name=op.f('pk_partner_email_preferences'))
    )
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('published', 'archived')", name=op.f('ck_announcements_status_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_announcements_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_status_published', ['status', 'published_at'], unique=False)

    op.create_table('creatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('alt_text', sa.String(length=200), nullable=True),
    sa.Column('file_name', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=32), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind <> 'banner' OR (file_name IS NOT NULL AND width > 0 AND height > 0)", name=op.f('ck_creatives_banner_has_image')),
    sa.CheckConstraint("kind IN ('banner', 'text_link', 'email', 'social')", name=op.f('ck_creatives_kind_valid')),
    sa.CheckConstraint("status IN ('active', 'archived')", name=op.f('ck_creatives_status_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_creatives_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_creatives_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creatives')),
    sa.UniqueConstraint('file_name', name=op.f('uq_creatives_file_name'))
    )
    with op.batch_alter_table('creatives', schema=None) as batch_op:
        batch_op.create_index('ix_creatives_offer_status', ['offer_id', 'status'], unique=False)

    op.create_table('email_change_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_change_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_change_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_change_tokens_token_hash'))
    )
    with op.batch_alter_table('email_change_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_change_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('link_daily_stats',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('unique_clicks', sa.Integer(), nullable=False),
    sa.Column('conversions', sa.Integer(), nullable=False),
    sa.Column('commission', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.CheckConstraint('clicks >= 0 AND unique_clicks >= 0', name=op.f('ck_link_daily_stats_click_counts_non_negative')),
    sa.ForeignKeyConstraint(['link_id'], ['tracking_links.id'], name=op.f('fk_link_daily_stats_link_id_tracking_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_link_daily_stats_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_daily_stats')),
    sa.UniqueConstraint('link_id', 'day', name=op.f('uq_link_daily_stats_link_id_day'))
    )
    with op.batch_alter_table('link_daily_stats', schema=None) as batch_op:
        batch_op.create_index('ix_link_daily_stats_partner_day', ['partner_id', 'day'], unique=False)

    with op.batch_alter_table('commissions', schema=None) as batch_op:
        batch_op.create_index('ix_commissions_partner_created',
                              ['partner_id', 'created_at', 'status', 'currency', 'amount'],
                              unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaderboard_opt_out', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaderboard_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_column('leaderboard_enabled')

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('leaderboard_opt_out')

    with op.batch_alter_table('commissions', schema=None) as batch_op:
        batch_op.drop_index('ix_commissions_partner_created')

    with op.batch_alter_table('link_daily_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_link_daily_stats_partner_day')

    op.drop_table('link_daily_stats')
    with op.batch_alter_table('email_change_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_change_tokens_user_id'))

    op.drop_table('email_change_tokens')
    with op.batch_alter_table('creatives', schema=None) as batch_op:
        batch_op.drop_index('ix_creatives_offer_status')

    op.drop_table('creatives')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_status_published')

    op.drop_table('announcements')
    op.drop_table('partner_email_preferences')
    with op.batch_alter_table('monthly_standings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_standings_partner_id'))
        batch_op.drop_index('ix_monthly_standings_month_rank')

    op.drop_table('monthly_standings')
