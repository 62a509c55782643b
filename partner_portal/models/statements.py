"""Monthly statements: the stored PDF per partner and month, and the email outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow
from .tracking import BigId

STATEMENT_EMAIL_STATUSES = ("pending", "sending", "sent", "failed", "skipped")
MONTH_PATTERN = "____-__"


class Statement(db.Model):
    """One rendered statement. Regenerating adds a version and marks the previous one
    superseded; exactly one current version per partner and month (a partial unique
    index). The PDF bytes live in the row (every web host can serve them, and they commit
    with the row); ``sha256`` is their hash."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("partner_id", "month", "version"),
        Index("uq_statements_current", "partner_id", "month", unique=True,
              sqlite_where=text("superseded_at IS NULL"),
              postgresql_where=text("superseded_at IS NULL")),
        Index("ix_statements_month", "month", "id"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint(f"month LIKE '{MONTH_PATTERN}'", name="month_format"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM in the program's time zone
    version: Mapped[int] = mapped_column(default=1)
    currency: Mapped[str] = mapped_column(String(3))
    # The month was still running when this was made (shown on the PDF).
    month_to_date: Mapped[bool] = mapped_column(default=False)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # end of the period covered
    opening_balance: Mapped[Decimal] = mapped_column(MONEY)
    closing_balance: Mapped[Decimal] = mapped_column(MONEY)
    credits: Mapped[Decimal] = mapped_column(MONEY)
    debits: Mapped[Decimal] = mapped_column(MONEY)
    pending_amount: Mapped[Decimal] = mapped_column(MONEY)  # not yet in the balance
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(255), default="system")
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def filename(self) -> str:
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"statement-{self.month}-{self.partner_id}{suffix}.pdf"


class StatementEmail(db.Model):
    """The email outbox: one row per partner, month and kind, whatever happens.

    ``pending → sending → sent``; ``sending → pending`` when the server provably refused
    a transient error and attempts remain; ``sending → failed`` otherwise, and for a
    ``sending`` row left behind by a crash (it may or may not have gone out, so it is
    never resent without a person deciding); ``failed → pending`` by an admin's resend.
    ``skipped``: the partner does not want statement emails.
    """

    __tablename__ = "statement_emails"
    __table_args__ = (
        UniqueConstraint("partner_id", "month", "kind"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name="status_valid"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        Index("ix_statement_emails_month_status", "month", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16), default="statement")
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="RESTRICT"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")
    statement = relationship("Statement")


STATEMENT_RUN_STATUSES = ("queued", "running", "succeeded", "failed")
OPEN_RUN = "status IN ('queued', 'running')"


class StatementRun(db.Model):
    """A month's statements asked for from the admin Statements page: queued by the page,
    made by the scheduler's ``statement-runs`` job, which writes its progress here.

    ``queued → running → succeeded | failed`` (``services/lifecycle.py: STATEMENT_RUN``);
    a run found ``running`` with nobody holding the statements lock was interrupted and is
    queued again (the generation carries on where it stopped). At most one open (queued
    or running) run per month: a partial unique index, so a double click makes one run.
    """

    __tablename__ = "statement_runs"
    __table_args__ = (
        Index("uq_statement_runs_open_month", "month", unique=True,
              sqlite_where=text(OPEN_RUN), postgresql_where=text(OPEN_RUN)),
        Index("ix_statement_runs_month_created", "month", "created_at"),
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')",
                        name="status_valid"),
        CheckConstraint(f"month LIKE '{MONTH_PATTERN}'", name="month_format"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    email: Mapped[bool] = mapped_column(default=False)  # email each statement once when made
    total: Mapped[int | None] = mapped_column()  # statements to render, known once it starts
    rendered: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    already: Mapped[int] = mapped_column(default=0)  # partners who had a current statement
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)  # what went wrong, for the page
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by_label: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status in ("queued", "running")
