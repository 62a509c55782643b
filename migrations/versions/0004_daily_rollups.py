"""daily rollups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:15:02.933826

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('daily_stats',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('sub1', sa.String(length=100), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('unique_clicks', sa.Integer(), nullable=False),
    sa.Column('bot_clicks', sa.Integer(), nullable=False),
    sa.Column('conversions', sa.Integer(), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('commission', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.CheckConstraint('clicks >= 0 AND unique_clicks >= 0 AND bot_clicks >= 0', name=op.f('ck_daily_stats_click_counts_non_negative')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_daily_stats_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_daily_stats_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_stats')),
    sa.UniqueConstraint('day', 'offer_id', 'partner_id', 'sub1', name=op.f('uq_daily_stats_day_offer_id_partner_id_sub1'))
    )
    with op.batch_alter_table('daily_stats', schema=None) as batch_op:
        batch_op.create_index('ix_daily_stats_offer_day', ['offer_id', 'day'], unique=False)
        batch_op.create_index('ix_daily_stats_partner_day', ['partner_id', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('daily_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_stats_partner_day')
        batch_op.drop_index('ix_daily_stats_offer_day')

    op.drop_table('daily_stats')
