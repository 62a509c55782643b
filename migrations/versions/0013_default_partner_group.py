"""A new program starts with a default partner group.

Approving a partner puts them into a group: the one chosen, else the program's default.
With no group at all, a fresh install could not approve anyone without choosing one
(`POST /api/v1/partners` with `status: approved` answered 422 "Choose a group for the
partner."). A database without any group gets "Standard", the default; one that has
groups keeps them exactly as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 04:20:00.000000

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

partner_groups = sa.table(
    'partner_groups',
    sa.column('id', sa.Integer), sa.column('name', sa.String),
    sa.column('description', sa.Text), sa.column('is_default', sa.Boolean),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def upgrade():
    connection = op.get_bind()
    if connection.execute(sa.select(partner_groups.c.id).limit(1)).first() is not None:
        return
    now = datetime.now(timezone.utc)
    if connection.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as UTC without a zone, as the models do
    connection.execute(partner_groups.insert().values(
        name='Standard', description='Every approved partner starts here.', is_default=True,
        created_at=now))


def downgrade():
    # Partners may be in the group by now: leaving it loses nothing.
    pass
