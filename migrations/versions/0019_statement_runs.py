"""Statement runs asked for from the admin Statements page, with their progress.

At most one open (queued or running) run per month: a partial unique index, on SQLite
and PostgreSQL.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 20:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN_RUN = "status IN ('queued', 'running')"


def upgrade():
    op.create_table(
        'statement_runs',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
                  nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('rendered', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('already', sa.Integer(), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_label', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')",
                           name=op.f('ck_statement_runs_status_valid')),
        sa.CheckConstraint("month LIKE '____-__'", name=op.f('ck_statement_runs_month_format')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_statement_runs_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_runs')),
    )
    with op.batch_alter_table('statement_runs', schema=None) as batch_op:
        batch_op.create_index('ix_statement_runs_month_created', ['month', 'created_at'],
                              unique=False)
        batch_op.create_index('uq_statement_runs_open_month', ['month'], unique=True,
                              sqlite_where=sa.text(OPEN_RUN), postgresql_where=sa.text(OPEN_RUN))


def downgrade():
    with op.batch_alter_table('statement_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_statement_runs_open_month', sqlite_where=sa.text(OPEN_RUN),
                            postgresql_where=sa.text(OPEN_RUN))
        batch_op.drop_index('ix_statement_runs_month_created')
    op.drop_table('statement_runs')
