"""Conversions waiting for their click row, and when a partner first took a creative.

A conversion can be reported before its click is loaded from the spool. The click loader
finds such conversions through a small partial index, links them to their click when it
arrives and runs the fraud rules that look at the click. ``partners.first_creative_at``
ticks "grab a banner" on the partner's getting-started checklist.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None

AWAITING_CLICK = "click_row_id IS NULL AND attributed_via = 'click'"


def upgrade():
    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.create_index('ix_conversions_awaiting_click', ['created_at'], unique=False,
                              sqlite_where=sa.text(AWAITING_CLICK),
                              postgresql_where=sa.text(AWAITING_CLICK))
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_creative_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('first_creative_at')
    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.drop_index('ix_conversions_awaiting_click', sqlite_where=sa.text(AWAITING_CLICK),
                            postgresql_where=sa.text(AWAITING_CLICK))
