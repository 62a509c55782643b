"""Monthly statements: stored PDF versions, the statement email outbox, and the partner's
statement email preference (on for everyone who exists already).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 04:07:19.462077

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('month_to_date', sa.Boolean(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opening_balance', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('closing_balance', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('credits', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('debits', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('pending_amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_by', sa.String(length=255), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("month LIKE '____-__'", name=op.f('ck_statements_month_format')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_statements_sha256_length')),
    sa.CheckConstraint('version > 0', name=op.f('ck_statements_version_positive')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_statements_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('partner_id', 'month', 'version', name=op.f('uq_statements_partner_id_month_version'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index('ix_statements_month', ['month', 'id'], unique=False)
        batch_op.create_index('uq_statements_current', ['partner_id', 'month'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('statement_emails',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('statement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sending_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name=op.f('ck_statement_emails_status_valid')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_statement_emails_attempts_non_negative')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_statement_emails_partner_id_partners'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_emails_statement_id_statements'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_emails')),
    sa.UniqueConstraint('partner_id', 'month', 'kind', name=op.f('uq_statement_emails_partner_id_month_kind'))
    )
    with op.batch_alter_table('statement_emails', schema=None) as batch_op:
        batch_op.create_index('ix_statement_emails_month_status', ['month', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_emails_statement_id'), ['statement_id'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_emails', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))



def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('statement_emails')

    with op.batch_alter_table('statement_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_emails_statement_id'))
        batch_op.drop_index('ix_statement_emails_month_status')

    op.drop_table('statement_emails')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index('uq_statements_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_statements_month')

    op.drop_table('statements')
