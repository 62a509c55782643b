"""All models, imported here so metadata is complete for Alembic and the app."""

from .accounts import LoginAttempt, PasswordResetToken, User
from .audit import AuditEntry
from .commissions import Commission
from .offers import Offer
from .partners import Partner, PartnerGroup, TermsAcceptance
from .program import Program, TermsVersion
from .tracking import Click, Conversion, TrackingLink
from .vetting import AutoDecisionRule, PartnerNote, PartnerRisk

__all__ = [
    "AuditEntry",
    "AutoDecisionRule",
    "Click",
    "Commission",
    "Conversion",
    "LoginAttempt",
    "Offer",
    "Partner",
    "PartnerGroup",
    "PartnerNote",
    "PartnerRisk",
    "PasswordResetToken",
    "Program",
    "TermsAcceptance",
    "TermsVersion",
    "TrackingLink",
    "User",
]
