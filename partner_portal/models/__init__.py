"""All models, imported here so metadata is complete for Alembic and the app."""

from .accounts import EmailChangeToken, LoginAttempt, PasswordResetToken, User
from .announcements import Announcement
from .api import ApiKey
from .audit import AuditEntry
from .commissions import Commission
from .creatives import Creative
from .fraud import FraudCase, FraudRuleSetting
from .jobs import JobRun
from .offers import Offer
from .partners import Partner, PartnerEmailPreference, PartnerGroup, TermsAcceptance
from .program import Program, TermsVersion
from .reporting import DailyStat, LinkStat, MonthlyStanding
from .tracking import Click, Conversion, TrackingLink
from .vetting import AutoDecisionRule, PartnerNote, PartnerRisk

__all__ = [
    "Announcement",
    "ApiKey",
    "AuditEntry",
    "AutoDecisionRule",
    "Click",
    "Commission",
    "Conversion",
    "Creative",
    "DailyStat",
    "EmailChangeToken",
    "FraudCase",
    "FraudRuleSetting",
    "JobRun",
    "LinkStat",
    "LoginAttempt",
    "MonthlyStanding",
    "Offer",
    "Partner",
    "PartnerEmailPreference",
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
