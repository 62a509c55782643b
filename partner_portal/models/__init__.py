"""All models, imported here so metadata is complete for Alembic and the app."""

from .accounts import LoginAttempt, PasswordResetToken, User
from .api import ApiKey
from .audit import AuditEntry
from .commissions import Commission
from .offers import Offer
from .partners import Partner, PartnerGroup, TermsAcceptance
from .payouts import Payout, PayoutBatch, PayoutItem
from .program import Program, TermsVersion
from .reporting import DailyStat
from .tracking import Click, Conversion, TrackingLink

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Click",
    "Commission",
    "Conversion",
    "DailyStat",
    "LoginAttempt",
    "Offer",
    "Partner",
    "PartnerGroup",
    "PasswordResetToken",
    "Payout",
    "PayoutBatch",
    "PayoutItem",
    "Program",
    "TermsAcceptance",
    "TermsVersion",
    "TrackingLink",
    "User",
]
