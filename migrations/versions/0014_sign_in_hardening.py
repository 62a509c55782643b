"""two-factor setup keys on the server; login attempts cleared per account

The key of a two-factor setup in progress moves from the session cookie (signed, not
encrypted: readable by whoever holds the cookie) to the user's row, with an expiry. Login
attempts get ``account_cleared``: a complete sign-in clears the account's failures without
forgiving the client address's.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_setup_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_setup_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_cleared', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_column('account_cleared')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_setup_expires_at')
        batch_op.drop_column('totp_setup_secret')
