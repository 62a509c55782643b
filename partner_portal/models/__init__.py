"""All models, imported here so metadata is complete for Alembic and the app."""

from .accounts import EmailChangeToken, LoginAttempt, PasswordResetToken, User
from .announcements import Announcement
from .api import ApiKey
from .audit import AuditEntry
from .caps import Cap, CapUsage
from .commission_rules import CommissionRule, PartnerVolume
from .commissions import Commission
from .coupons import CouponCode
from .creatives import Creative
from .fraud import FraudCase, FraudRuleSetting
from .jobs import JobRun
from .offers import Offer, OfferWindow
from .partners import Partner, PartnerEmailPreference, PartnerGroup, TermsAcceptance
from .payouts import Payout, PayoutBatch, PayoutItem
from .program import Program, TermsVersion
from .reporting import DailyStat, LinkStat, MonthlyStanding
from .statements import Statement, StatementEmail, StatementRun
from .tracking import Click, Conversion, TrackingLink
from .vetting import AutoDecisionRule, PartnerNote, PartnerRisk
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Announcement",
    "ApiKey",
    "AuditEntry",
    "AutoDecisionRule",
    "Cap",
    "CapUsage",
    "Click",
    "Commission",
    "CommissionRule",
    "Conversion",
    "Creative",
    "DailyStat",
    "EmailChangeToken",
    "FraudCase",
    "FraudRuleSetting",
    "JobRun",
    "CouponCode",
    "LinkStat",
    "LoginAttempt",
    "MonthlyStanding",
    "Offer",
    "OfferWindow",
    "Partner",
    "PartnerEmailPreference",
    "PartnerGroup",
    "PartnerNote",
    "PartnerRisk",
    "PartnerVolume",
    "PasswordResetToken",
    "Payout",
    "PayoutBatch",
    "PayoutItem",
    "Program",
    "Statement",
    "StatementEmail",
    "StatementRun",
    "TermsAcceptance",
    "TermsVersion",
    "TrackingLink",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
