"""Partners, their groups (tiers) and their acceptance of the program terms."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .accounts import User

PARTNER_STATUSES = ("applied", "approved", "rejected", "suspended", "banned")
PAYOUT_METHODS = ("paypal", "bank_transfer", "other")


class PartnerGroup(db.Model):
    __tablename__ = "partner_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partners: Mapped[list[Partner]] = relationship(back_populates="group")


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint(
            "status IN ('applied', 'approved', 'rejected', 'suspended', 'banned')",
            name="status_valid",
        ),
        CheckConstraint(
            "payout_method IS NULL OR payout_method IN ('paypal', 'bank_transfer', 'other')",
            name="payout_method_valid",
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_partners_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public, stable reference used as `partner_ref` in the conversion API.
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    company: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(500))
    social_profile: Mapped[str | None] = mapped_column(String(500))
    promotion_methods: Mapped[str] = mapped_column(String(500), default="")
    country: Mapped[str | None] = mapped_column(String(2))
    payout_method: Mapped[str | None] = mapped_column(String(16))
    payout_email: Mapped[str | None] = mapped_column(String(254), index=True)
    # Bank transfer details (validated with schwifty) and free-form details for "other".
    payout_account_holder: Mapped[str | None] = mapped_column(String(70))
    payout_iban: Mapped[str | None] = mapped_column(String(34))
    payout_bic: Mapped[str | None] = mapped_column(String(11))
    payout_other_details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="applied")
    # Why staff decided (internal); the message the partner was sent with the decision.
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_message: Mapped[str | None] = mapped_column(Text)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_groups.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )
    signup_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether the monthly statement is emailed (it is always on the statements page).
    statement_emails: Mapped[bool] = mapped_column(default=True)
    # Alias-folded keys (services/identity.py) kept in step with the values they come from,
    # so partners sharing a mailbox, payout account or website are found with an index.
    email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    payout_email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    website_key: Mapped[str | None] = mapped_column(String(253), index=True)
    # The partner asked not to appear on the program's leaderboard.
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False)
    # When the partner first took a creative (opened one to copy its code, or downloaded a
    # banner): the getting-started checklist ticks "grab a banner" from it.
    first_creative_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[PartnerGroup | None] = relationship(back_populates="partners")
    parent: Mapped[Partner | None] = relationship(remote_side="Partner.id")
    user: Mapped[User | None] = relationship(back_populates="partner")

    @validates("email", "payout_email", "website")
    def _keep_keys(self, key: str, value: str | None) -> str | None:
        from ..services import identity

        if key == "website":
            self.website_key = identity.site_key(value)
        else:
            setattr(self, f"{key}_key", identity.email_key(value))
        return value

    @property
    def promotion_method_list(self) -> list[str]:
        return [m for m in self.promotion_methods.split(",") if m]

    @property
    def public_name(self) -> str:
        return self.display_name or self.name

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.email} {self.status}>"


class TermsAcceptance(db.Model):
    """A partner accepting a version of the terms or guidelines (kept forever)."""

    __tablename__ = "terms_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    terms_version_id: Mapped[int] = mapped_column(ForeignKey("terms_versions.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))

    terms_version = relationship("TermsVersion")


class PartnerEmailPreference(db.Model):
    """A partner's choice about one kind of email (``services/preferences.py`` lists the
    kinds). No row means the kind's default."""

    __tablename__ = "partner_email_preferences"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
