"""The program's settings row exists from the start, with its defaults.

Before, the row was created by the first request that asked for it. Under concurrent first
conversions on PostgreSQL that insert could wait on, and be waited on by, counter rows
other transactions held: a deadlock. Creating it here means no request ever has to.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 17:50:00.000000

"""
from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

program = sa.table(
    'program',
    sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('timezone', sa.String),
    sa.column('currency', sa.String), sa.column('min_payout', sa.Numeric),
    sa.column('brand_color', sa.String), sa.column('staff_2fa_required', sa.Boolean),
    sa.column('denied_countries', sa.Text), sa.column('payout_second_approver', sa.Boolean),
    sa.column('subaffiliate_share', sa.Numeric), sa.column('subaffiliate_levels', sa.Integer),
    sa.column('referral_discount', sa.String), sa.column('leaderboard_enabled', sa.Boolean),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('updated_at', sa.DateTime(timezone=True)),
)


def upgrade():
    connection = op.get_bind()
    if connection.execute(sa.select(program.c.id).where(program.c.id == 1)).first() is None:
        now = datetime.now(timezone.utc)
        if connection.dialect.name == 'sqlite':
            now = now.replace(tzinfo=None)  # stored as UTC without a zone, as the models do
        connection.execute(program.insert().values(
            id=1, name='Partner Program', timezone='UTC', currency='USD',
            min_payout=Decimal('50'), brand_color='#1f5eff', staff_2fa_required=False,
            denied_countries='', payout_second_approver=False,
            subaffiliate_share=Decimal('10'), subaffiliate_levels=1, referral_discount='',
            leaderboard_enabled=False, created_at=now, updated_at=now))


def downgrade():
    # The row holds the program's settings: leaving it is harmless, deleting it loses them.
    pass
