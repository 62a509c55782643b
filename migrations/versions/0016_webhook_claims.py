"""Webhook deliveries are claimed before they are sent

An attempt is now recorded (attempt number, who claimed it, when it may be retried) in a
transaction committed before the request goes out, and its outcome in another one after.
``last_outcome`` / ``last_outcome_at`` tell an attempt whose outcome was recorded from one
still in flight or cut short; ``retry_from`` restarts the retry schedule on a redelivery
without reusing attempt numbers.

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-24 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_from', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('last_outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('last_outcome_at', sa.DateTime(timezone=True), nullable=True))
    # Attempts made before this revision recorded their outcome with the attempt itself.
    op.execute("""
        UPDATE webhook_deliveries SET last_outcome_at = last_attempt_at,
          last_outcome = CASE
            WHEN status = 'delivered' THEN 'delivered'
            WHEN last_status_code BETWEEN 300 AND 399 THEN 'redirect'
            WHEN last_status_code IS NOT NULL THEN 'http_error'
            ELSE 'network_error' END
        WHERE attempts > 0
    """)


def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('last_outcome_at')
        batch_op.drop_column('last_outcome')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('retry_from')
