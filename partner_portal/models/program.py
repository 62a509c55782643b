"""The program: one row of settings, and versioned terms and guidelines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow

PROGRAM_ID = 1


class Program(db.Model):
    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("min_payout >= 0", name="min_payout_non_negative"),
        CheckConstraint("subaffiliate_share >= 0 AND subaffiliate_share <= 100",
                        name="subaffiliate_share_range"),
        CheckConstraint("subaffiliate_levels >= 1 AND subaffiliate_levels <= 5",
                        name="subaffiliate_levels_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=PROGRAM_ID)
    name: Mapped[str] = mapped_column(String(120), default="Partner Program")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    min_payout: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("50"))
    support_email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    brand_color: Mapped[str] = mapped_column(String(7), default="#1f5eff")
    staff_2fa_required: Mapped[bool] = mapped_column(default=False)
    # ISO 3166 alpha-2 codes, space-separated, whose applicants are flagged (and may be
    # rejected by an automatic rule).
    denied_countries: Mapped[str] = mapped_column(Text, default="")
    # Payouts: a batch must be approved by someone other than its creator; the account
    # SEPA credit transfers are paid from.
    payout_second_approver: Mapped[bool] = mapped_column(default=False)
    sepa_debtor_name: Mapped[str | None] = mapped_column(String(70))
    sepa_debtor_iban: Mapped[str | None] = mapped_column(String(34))
    sepa_debtor_bic: Mapped[str | None] = mapped_column(String(11))
    # Two-tier: a recruiting partner earns this percentage of each recruit's commission,
    # down this many levels of recruitment (1: only the direct recruiter).
    subaffiliate_share: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("10"))
    subaffiliate_levels: Mapped[int] = mapped_column(default=1)
    # The referred customer's discount on codes partners take themselves (empty: partners
    # ask the program team for a code).
    referral_discount: Mapped[str] = mapped_column(String(200), default="")
    # Partners see a monthly leaderboard (by display name; each may opt out).
    leaderboard_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def denied_country_list(self) -> list[str]:
        return sorted({c for c in (self.denied_countries or "").upper().split() if c})


class TermsVersion(db.Model):
    """A published version of the program terms or the partner guidelines."""

    __tablename__ = "terms_versions"
    __table_args__ = (
        UniqueConstraint("kind", "version"),
        CheckConstraint("kind IN ('terms', 'guidelines')", name="kind_valid"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
