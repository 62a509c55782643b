"""factory_boy factories bound to the app's session."""

from __future__ import annotations

from decimal import Decimal

import factory
import sqlalchemy
from factory.alchemy import SQLAlchemyModelFactory

from partner_portal.extensions import db
from partner_portal.models import (
    Announcement,
    Cap,
    Commission,
    CommissionRule,
    Conversion,
    CouponCode,
    Creative,
    DailyStat,
    Offer,
    Partner,
    PartnerGroup,
    TrackingLink,
    User,
)
from partner_portal.models.base import utcnow

# Hashing once keeps factories quick; the value is an ordinary Argon2id hash.
_PASSWORD_HASH = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        from partner_portal.services.passwords import hash_password

        from .support import DEFAULT_PASSWORD

        _PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)
    return _PASSWORD_HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class StaffFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    name = factory.Faker("name")
    role = "owner"
    password_hash = factory.LazyFunction(_password_hash)


class GroupFactory(Base):
    """A partner group. Every test database has the default group "Standard" (as a migrated
    one does): asking for it by name gives that group. A new group made the default takes
    over from the old one, as in the admin pages (one default at a time)."""

    class Meta:
        model = PartnerGroup
        sqlalchemy_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")
    description = "A group of partners"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("is_default"):
            db.session.execute(sqlalchemy.update(PartnerGroup)
                               .where(PartnerGroup.name != kwargs.get("name"))
                               .values(is_default=False))
        return super()._create(model_class, *args, **kwargs)


class PartnerFactory(Base):
    class Meta:
        model = Partner

    ref = factory.Sequence(lambda n: f"ref{n:05d}")
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"partner{n}@example.test")
    website = factory.Sequence(lambda n: f"https://site{n}.example.com")
    promotion_methods = "content"
    country = "US"
    payout_method = "paypal"
    payout_email = factory.LazyAttribute(lambda o: o.email)
    status = "approved"

    @factory.post_generation
    def account(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        user = User(email=obj.email, name=obj.name, role="partner", partner=obj,
                    password_hash=_password_hash())
        db.session.add(user)
        db.session.flush()


class OfferFactory(Base):
    class Meta:
        model = Offer

    name = factory.Sequence(lambda n: f"Offer {n}")
    destination_url = "https://shop.example.com/landing"
    allowed_domains = "shop.example.com"
    currency = "USD"
    cookie_window_days = 30
    hold_days = 30
    default_commission_kind = "percent"
    default_commission_value = Decimal("10")


class LinkFactory(Base):
    class Meta:
        model = TrackingLink

    code = factory.Sequence(lambda n: f"lnk{n:04d}")
    partner = factory.SubFactory(PartnerFactory)
    offer = factory.SubFactory(OfferFactory)


class RuleFactory(Base):
    """A commission rule; pass ``params`` already in stored form (see commission_rules)."""

    class Meta:
        model = CommissionRule

    offer = factory.SubFactory(OfferFactory)
    name = factory.Sequence(lambda n: f"rule-{n}")
    scope = "offer"
    event = "sale"
    kind = "percent"
    params = factory.LazyFunction(lambda: {"value": "10"})
    position = factory.Sequence(lambda n: n)


class CapFactory(Base):
    class Meta:
        model = Cap

    offer = factory.SubFactory(OfferFactory)
    metric = "conversions"
    period = "day"
    scope = "offer"
    limit_value = Decimal("10")
    caps_conversions = True
    redirects_clicks = False


class CouponFactory(Base):
    class Meta:
        model = CouponCode

    partner = factory.SubFactory(PartnerFactory)
    code = factory.Sequence(lambda n: f"Save{n:03d}")
    code_key = factory.LazyAttribute(lambda o: o.code.upper())
    discount = "10% off the first order"


class ConversionFactory(Base):
    class Meta:
        model = Conversion

    offer = factory.SubFactory(OfferFactory)
    order_id = factory.Sequence(lambda n: f"order-{n:05d}")
    partner = factory.SubFactory(PartnerFactory)
    amount = Decimal("100.00")
    currency = "USD"
    status = "attributed"


class CommissionFactory(Base):
    """An approved commission (status and amount are the usual overrides)."""

    class Meta:
        model = Commission

    partner = factory.SubFactory(PartnerFactory)
    kind = "conversion"
    amount = Decimal("10.00")
    currency = "USD"
    status = "approved"
    explanation = "test commission"
    approved_at = factory.LazyAttribute(lambda o: o.created_at if o.status in ("approved", "paid") else None)
    created_at = factory.LazyFunction(utcnow)


class EarnedCommissionFactory(Base):
    """A pending commission for a conversion (as a partner earns it from a sale)."""

    class Meta:
        model = Commission

    partner = factory.SubFactory(PartnerFactory)
    offer = factory.LazyAttribute(lambda o: o.conversion.offer if o.conversion else None)
    conversion = factory.SubFactory(ConversionFactory, partner=factory.SelfAttribute("..partner"))
    kind = "conversion"
    amount = Decimal("10.00")
    currency = "USD"
    status = "pending"
    explanation = "10% of $100.00 (offer default)"


class DailyStatFactory(Base):
    class Meta:
        model = DailyStat

    sub1 = ""
    clicks = 0
    unique_clicks = 0
    bot_clicks = 0
    conversions = 0
    revenue = Decimal("0")
    commission = Decimal("0")


class CreativeFactory(Base):
    class Meta:
        model = Creative

    offer = factory.SubFactory(OfferFactory)
    kind = "text_link"
    name = factory.Sequence(lambda n: f"Creative {n}")
    body = "Shop now"
    status = "active"


class AnnouncementFactory(Base):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"Announcement {n}")
    body = "Something partners should know."
    status = "published"
