"""Request and response models of /api/v1. They validate what comes in and goes out and
are the source of /api/v1/openapi.json. Money travels as strings (exact decimals)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from ...models.caps import CAP_METRICS, CAP_PERIODS, CAP_SCOPES
from ...models.commissions import COMMISSION_STATUSES
from ...models.offers import ATTRIBUTION_MODELS, OFFER_STATUSES
from ...models.partners import PARTNER_STATUSES
from ...models.payouts import PAYOUT_STATUSES
from ...models.tracking import CONVERSION_EVENTS

Money = Field(description="An exact amount as a decimal string, e.g. \"12.50\".",
              pattern=r"^-?\d+(\.\d+)?$")


def _iso(value: datetime) -> str:
    return value.isoformat()


# A moment in a response: ISO 8601 as Python writes it (UTC as +00:00).
Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time"})]

# Ids are database integers: anything outside 1 … 2³¹−1 can name nothing.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _literal(values: tuple[str, ...]):
    return Literal[values]  # type: ignore[valid-type]


PartnerStatus = _literal(PARTNER_STATUSES)
OfferStatus = _literal(OFFER_STATUSES)
CommissionStatus = _literal(COMMISSION_STATUSES)
PayoutStatus = _literal(PAYOUT_STATUSES)


class Strict(BaseModel):
    """Request models refuse fields they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class Query(Strict):
    """Query parameters: an empty one (``?partner_id=``) means not given."""

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, values):
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if v != ""}
        return values


# -- problems -----------------------------------------------------------------------

class Problem(BaseModel):
    """An RFC 9457 problem document; ``field`` names the input at fault."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None


class FieldProblem(BaseModel):
    field: str
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldProblem] = []


# -- paging -------------------------------------------------------------------------

class PageQuery(Query):
    limit: int = Field(50, ge=1, le=200, description="Items per page (1–200).")
    cursor: str | None = Field(None, max_length=200,
                               description="The `next_cursor` of the previous page.")


class Page(BaseModel):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null "
                                                "on the last page.")


# -- partners -----------------------------------------------------------------------

class PartnerOut(BaseModel):
    id: int
    ref: str = Field(description="The partner's public reference (`partner_ref`).")
    name: str
    email: str
    status: PartnerStatus
    group_id: int | None
    country: str | None
    website: str | None
    created_at: Timestamp
    approved_at: Timestamp | None


class PartnerPage(Page):
    data: list[PartnerOut]


class PartnerQuery(PageQuery):
    status: PartnerStatus | None = None
    email: str | None = Field(None, max_length=254)


class PartnerCreate(Strict):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=120)
    status: Literal["applied", "approved"] = Field(
        "applied", description="`approved` approves the partner at once (and emails them).")
    country: str | None = Field(None, min_length=2, max_length=2,
                                description="ISO 3166 alpha-2 code.")
    website: str | None = Field(None, max_length=500)
    group_id: Id | None = None


class PartnerApprove(Strict):
    group_id: Id | None = None
    message: str | None = Field(None, max_length=2000,
                                description="Added to the approval email.")


class BalanceOut(BaseModel):
    partner_id: int
    currency: str
    balance: str = Money
    as_of: Timestamp


class BalanceQuery(Query):
    currency: str | None = Field(None, min_length=3, max_length=3,
                                 description="Defaults to the program's currency.")


# -- offers and caps ----------------------------------------------------------------

class CommissionTerms(Strict):
    kind: Literal["percent", "flat"]
    value: Decimal | str = Field(description="Percent of the sale, or a flat amount.")


class CommissionTermsOut(BaseModel):
    kind: Literal["percent", "flat"]
    value: str = Money


class OfferOut(BaseModel):
    id: int
    name: str
    description: str
    status: OfferStatus
    destination_url: str
    allowed_domains: list[str]
    currency: str
    cookie_window_days: int
    hold_days: int
    attribution_model: _literal(ATTRIBUTION_MODELS)  # type: ignore[valid-type]
    fallback_url: str | None
    commission: CommissionTermsOut
    created_at: Timestamp


class OfferPage(Page):
    data: list[OfferOut]


class OfferQuery(PageQuery):
    status: OfferStatus | None = None


class OfferCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    destination_url: str = Field(max_length=2000)
    currency: str = Field("USD", min_length=3, max_length=3)
    cookie_window_days: int = Field(30, ge=1, le=3650)
    commission: CommissionTerms = CommissionTerms(kind="percent", value="10")
    description: str = Field("", max_length=5000)
    allowed_domains: list[str] = Field([], max_length=50)
    hold_days: int = Field(30, ge=0, le=3650)
    fallback_url: str | None = Field(None, max_length=2000)
    attribution_model: _literal(ATTRIBUTION_MODELS) = "last_click"  # type: ignore[valid-type]
    status: OfferStatus = "active"


class CapOut(BaseModel):
    id: int
    offer_id: int
    metric: _literal(CAP_METRICS)  # type: ignore[valid-type]
    period: _literal(CAP_PERIODS)  # type: ignore[valid-type]
    scope: _literal(CAP_SCOPES)  # type: ignore[valid-type]
    partner_id: int | None
    group_id: int | None
    limit: str = Money
    caps_conversions: bool
    redirects_clicks: bool
    is_active: bool


class CapList(BaseModel):
    data: list[CapOut]


class CapCreate(Strict):
    metric: _literal(CAP_METRICS)  # type: ignore[valid-type]
    period: _literal(CAP_PERIODS)  # type: ignore[valid-type]
    limit: Decimal | str = Field(description="Conversions or clicks (whole), or a commission "
                                             "amount in the offer's currency.")
    scope: _literal(CAP_SCOPES) = "offer"  # type: ignore[valid-type]
    partner_id: Id | None = Field(None, description="With scope `offer_partner`: only this "
                                                     "partner; omit to cap each partner.")
    group_id: Id | None = Field(None, description="With scope `group`.")
    caps_conversions: bool = True
    redirects_clicks: bool = False


# -- links --------------------------------------------------------------------------

class LinkOut(BaseModel):
    id: int
    code: str
    url: str = Field(description="The full tracking URL to share.")
    partner_id: int
    offer_id: int
    deep_link_url: str | None
    sub1: str | None
    sub2: str | None
    sub3: str | None
    sub4: str | None
    sub5: str | None
    is_active: bool
    created_at: Timestamp


class LinkPage(Page):
    data: list[LinkOut]


class LinkQuery(PageQuery):
    partner_id: Id | None = None
    offer_id: Id | None = None


class LinkCreate(Strict):
    partner_id: Id
    offer_id: Id
    url: str | None = Field(None, max_length=2000,
                            description="A deep link on one of the offer's allowed domains.")
    sub1: str | None = Field(None, max_length=100)
    sub2: str | None = Field(None, max_length=100)
    sub3: str | None = Field(None, max_length=100)
    sub4: str | None = Field(None, max_length=100)
    sub5: str | None = Field(None, max_length=100)


# -- conversions --------------------------------------------------------------------

def _text(value):
    """Report fields are trimmed strings (a whole number is read as its digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) else value


def _text_or_none(value):
    """… and an optional one left empty is not given."""
    return _text(value) or None if value is not None else None


def _lower(value):
    value = _text_or_none(value)
    return value.lower() if isinstance(value, str) else value


def _given(value):
    return None if value == "" else value


def _moment_text(value):
    """A date-time travels as ISO 8601 text only (never a bare number)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time with a time zone, "
                         "e.g. 2026-11-23T14:05:00Z")
    return value


def _amount_or_none(value):
    """Amounts are read by the one money parser (services/money.py) in the use case: the
    schema only passes a string, a whole number or an exact JSON number through as sent,
    never a float or a boolean."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError("must be a number such as 49.90")
    return value


def _amount(value):
    if value in (None, ""):
        raise ValueError("is required")
    return _amount_or_none(value)


def _required(max_length: int):
    return Annotated[Annotated[str, Field(min_length=1, max_length=max_length)],
                     BeforeValidator(_text)]


def _optional(max_length: int):
    return Annotated[Annotated[str, Field(max_length=max_length)] | None,
                     BeforeValidator(_text_or_none)]


OrderId = _required(128)
CurrencyCode = _required(3)
ClickId = _optional(96)
CouponCode = _optional(64)
PartnerRef = _optional(24)
CustomerId = _optional(128)
GivenId = Annotated[Id | None, BeforeValidator(_given)]
Event = Annotated[_literal(CONVERSION_EVENTS), BeforeValidator(_lower)]  # type: ignore[valid-type]

AMOUNT_SCHEMA = {"anyOf": [{"type": "string", "pattern": r"^\d+(\.\d+)?$"},
                           {"type": "number"}],
                 "description": "An exact amount as a decimal string or a JSON number, "
                                "e.g. \"49.90\"; read exactly, never as a float."}
Amount = Annotated[Decimal | str | int, PlainValidator(_amount), WithJsonSchema(AMOUNT_SCHEMA)]
OptionalAmount = Annotated[Decimal | str | int | None, PlainValidator(_amount_or_none),
                           WithJsonSchema({"anyOf": [*AMOUNT_SCHEMA["anyOf"], {"type": "null"}],
                                           "description": AMOUNT_SCHEMA["description"]})]
Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text)]


class ConversionCreate(BaseModel):
    """What a shop reports (the JSON body, or the postback's query). Unknown fields are
    ignored: shops send what their platform has."""

    order_id: OrderId = Field(description="Unique per offer; a replay returns the first "
                                          "result with status 200.")
    amount: Amount
    currency: CurrencyCode = Field(description="ISO 4217; must be the offer's currency.")
    click_id: ClickId = None
    coupon_code: CouponCode = None
    partner_ref: PartnerRef = None
    offer_id: GivenId = Field(
        None, description="Needed only when it cannot be inferred from the click, coupon "
                          "or a single offer.")
    event: Event = "sale"
    customer_id: CustomerId = Field(None, description="Renewals are credited to the "
                                                           "partner who referred the customer.")
    occurred_at: Moment | None = Field(None, description="Default: now.")
    clicked_at: Moment | None = Field(None, description="When the click happened, for a "
                                                         "click tracked elsewhere.")


class RefundCreate(BaseModel):
    amount: OptionalAmount = Field(None, description="Partial refund; omit for all.")
    offer_id: GivenId = Field(
        None, description="Needed when the order_id exists on several offers.")


class RefundQuery(BaseModel):
    offer_id: GivenId = Field(
        None, description="As `offer_id` in the body.")


class ConversionCommission(BaseModel):
    id: int
    partner_id: int
    kind: str
    amount: str = Money
    currency: str
    status: CommissionStatus
    explanation: str


class ConversionOut(BaseModel):
    id: int
    offer_id: int
    order_id: str
    event: str
    amount: str = Money
    refunded_amount: str = Money
    currency: str
    status: str
    status_reason: str | None
    partner_id: int | None
    partner_ref: str | None
    customer_id: str | None
    occurred_at: Timestamp
    created_at: Timestamp
    commissions: list[ConversionCommission]


class RefundSummary(BaseModel):
    amount: str = Money
    adjustments: list[int]
    rejected_commissions: list[int]


class RefundOut(ConversionOut):
    refund: RefundSummary


class ConversionPage(Page):
    data: list[ConversionOut]


class ConversionQuery(PageQuery):
    partner_id: Id | None = None
    offer_id: Id | None = None
    order_id: str | None = Field(None, max_length=128)


# -- commissions and payouts --------------------------------------------------------

class CommissionOut(BaseModel):
    id: int
    partner_id: int
    offer_id: int | None
    conversion_id: int | None
    reverses_id: int | None
    kind: str
    amount: str = Money
    currency: str
    status: CommissionStatus
    status_reason: str | None
    explanation: str
    created_at: Timestamp
    payable_at: Timestamp | None
    approved_at: Timestamp | None
    paid_at: Timestamp | None


class CommissionPage(Page):
    data: list[CommissionOut]


class CommissionQuery(PageQuery):
    partner_id: Id | None = None
    status: CommissionStatus | None = None
    offer_id: Id | None = None


class PayoutOut(BaseModel):
    id: int
    batch_id: int
    partner_id: int
    amount: str = Money
    currency: str
    status: PayoutStatus
    method: str
    reference: str | None
    created_at: Timestamp
    approved_at: Timestamp | None
    sent_at: Timestamp | None
    paid_at: Timestamp | None
    failed_at: Timestamp | None


class PayoutPage(Page):
    data: list[PayoutOut]


class PayoutQuery(PageQuery):
    partner_id: Id | None = None
    status: PayoutStatus | None = None


# -- statements ---------------------------------------------------------------------

class StatementOut(BaseModel):
    id: int
    partner_id: int
    month: str
    version: int
    month_to_date: bool
    currency: str
    opening_balance: str = Money
    closing_balance: str = Money
    credits: str = Money
    debits: str = Money
    pending: str = Money
    sha256: str
    size: int
    generated_at: Timestamp
    as_of: Timestamp
    pdf_url: str


class StatementPage(Page):
    data: list[StatementOut]


class StatementQuery(PageQuery):
    partner_id: Id | None = None
    month: str | None = Field(None, max_length=7, description="YYYY-MM")


# -- stats --------------------------------------------------------------------------

class StatsQuery(Query):
    group_by: Literal["day", "offer", "partner"] = "day"
    start: date | None = Field(None, description="First day (program time zone); default: "
                                                 "29 days before `end`.")
    end: date | None = Field(None, description="Last day, inclusive; default: today.")
    currency: str | None = Field(None, min_length=3, max_length=3)
    partner_id: Id | None = None
    offer_id: Id | None = None


class StatsRow(BaseModel):
    key: str | None = Field(description="The day (YYYY-MM-DD), offer id or partner id.")
    label: str
    clicks: int
    conversions: int
    revenue: str = Money
    commission: str = Money


class StatsOut(BaseModel):
    group_by: str
    currency: str
    start: date
    end: date
    data: list[StatsRow]
