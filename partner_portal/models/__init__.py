"""All models, imported here so metadata is complete for Alembic and the app."""

from .accounts import LoginAttempt, PasswordResetToken, User
from .audit import AuditEntry
from .caps import Cap, CapUsage
from .commission_rules import CommissionRule, PartnerVolume
from .commissions import Commission
from .coupons import CouponCode
from .offers import Offer, OfferWindow
from .partners import Partner, PartnerGroup, TermsAcceptance
from .program import Program, TermsVersion
from .tracking import Click, Conversion, TrackingLink

__all__ = [
    "AuditEntry",
    "Cap",
    "CapUsage",
    "Click",
    "Commission",
    "CommissionRule",
    "Conversion",
    "CouponCode",
    "LoginAttempt",
    "Offer",
    "OfferWindow",
    "Partner",
    "PartnerGroup",
    "PartnerVolume",
    "PasswordResetToken",
    "Program",
    "TermsAcceptance",
    "TermsVersion",
    "TrackingLink",
    "User",
]
