"""Recording conversions and refunds: the interface the API, the postback and the CLI use.

The caller owns the unit of work: it calls ``locking.begin_write()`` first (SQLite takes
its write lock up front), calls ``record_conversion`` or ``refund_conversion``, and
commits. Under concurrency the results are exact:

- the same (offer, order_id) reported any number of times at once is recorded once: the
  insert skips a clash on the unique key (INSERT … ON CONFLICT DO NOTHING) and the
  winner's row is returned;
- caps, volume tiers and milestones count through atomic counter updates (``counters``),
  taken in one fixed order (the conversion row, the partner's month and lifetime counters,
  then caps by id), so concurrent writers never deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Commission, Conversion
from ..models.tracking import CONVERSION_EVENTS
from . import audit, cap_alerts, caps, commission_engine, rollups, volume, webhooks
from .attribution import attribute
from .clickids import codec_for
from .commission_rules import Context
from .commissions import apply_action, open_adjustments
from .errors import NotFound, ValidationError
from .fraud import screening
from .inserts import insert_loaded
from .locking import begin_write, for_update
from .money import format_money, parse_amount, round_money
from .offer_terms import OfferTerms, offer_terms
from .periods import whole_months_between
from .program import program_settings

FUTURE_SKEW = timedelta(minutes=15)


@dataclass(frozen=True)
class ConversionInput:
    offer_id: int
    order_id: str
    amount: Decimal | str | int
    currency: str
    event: str = "sale"
    partner_id: int | None = None
    clicked_at: datetime | None = None
    click_token: str | None = None
    coupon_code: str | None = None
    customer_id: str | None = None
    occurred_at: datetime | None = None


@dataclass
class RecordResult:
    conversion: Conversion
    created: bool
    commissions: list[Commission] = field(default_factory=list)


def _text(value, field_name: str, limit: int, *, required: bool = False) -> str | None:
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise ValidationError(f"{field_name} is required.", field=field_name)
        return None
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise ValidationError(f"{field_name} must be at most {limit} printable characters.",
                              field=field_name)
    return value


def _aware(value: datetime | None, field_name: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise ValidationError(f"{field_name} must be a date and time with a time zone.",
                              field=field_name)
    return value


# Built once: this sits on the conversion path.
_FIND = select(Conversion.__table__.c.id).where(Conversion.__table__.c.offer_id == bindparam("o"),
                                                Conversion.__table__.c.order_id == bindparam("r"))


def find(offer_id: int, order_id: str) -> Conversion | None:
    conversion_id = db.session.execute(_FIND, {"o": offer_id, "r": order_id}).scalar()
    return None if conversion_id is None else db.session.get(Conversion, conversion_id)


def record_conversion(inp: ConversionInput, *, actor: audit.Actor, now: datetime,
                      codec=None, alert: bool = True) -> RecordResult:
    """Record a conversion once, attribute it, apply caps, compute its commissions and
    screen it for fraud. Every caller (API, postback, integrations, CLI, demo) goes through
    here, so every new conversion is screened, once: a replay returns the first report's
    conversion as it is. ``alert=False`` (an import of past conversions) sends no cap
    alerts."""
    begin_write()
    offer = offer_terms(inp.offer_id)
    if offer is None:
        raise NotFound("No such offer.", field="offer_id")
    order_id = _text(inp.order_id, "order_id", 128, required=True)
    currency = (inp.currency or "").strip().upper()
    if currency != offer.currency:
        raise ValidationError(f"This offer is paid in {offer.currency}; report the amount in "
                              f"{offer.currency}.", field="currency")
    amount = parse_amount(inp.amount, currency, field="amount")
    if inp.event not in CONVERSION_EVENTS:
        raise ValidationError(f"event must be one of {', '.join(CONVERSION_EVENTS)}.", field="event")
    occurred_at = _aware(inp.occurred_at, "occurred_at") or now
    if occurred_at > now + FUTURE_SKEW:
        raise ValidationError("occurred_at is in the future.", field="occurred_at")
    clicked_at = _aware(inp.clicked_at, "clicked_at")
    customer_id = _text(inp.customer_id, "customer_id", 128)
    coupon_code = _text(inp.coupon_code, "coupon_code", 64)
    click_token = _text(inp.click_token, "click_id", 96)

    att = attribute(offer, click_token=click_token, partner_id=inp.partner_id,
                    clicked_at=clicked_at, coupon_code=coupon_code, event=inp.event,
                    customer_id=customer_id, occurred_at=occurred_at,
                    codec=codec or codec_for(current_app.config))
    conversion = Conversion(
        offer_id=offer.id, order_id=order_id, partner_id=att.partner.id if att.partner else None,
        click_row_id=att.click_row_id, click_token=click_token,
        clicked_at=att.clicked_at or clicked_at, coupon_code=coupon_code, event=inp.event,
        amount=amount, refunded_amount=Decimal(0), currency=currency, customer_id=customer_id,
        status="attributed" if att.partner else "unattributed", status_reason=att.reason,
        attributed_via=att.via, occurred_at=occurred_at, created_at=now)
    # A report of an order already recorded (a retry, or the same order sent at once by
    # another request) clashes on the unique key: the insert skips it and the first report's
    # row is returned. Attribution only reads, so running it for a retry changes nothing.
    if not insert_loaded(conversion, skip_duplicate=True):
        existing = find(offer.id, order_id)
        if existing is None:
            raise RuntimeError(f"conversion {offer.id}/{order_id} clashed but is not there")
        return RecordResult(existing, False)
    commissions = [] if att.partner is None else _pay(conversion, offer, att, actor=actor,
                                                      now=now, alert=alert)
    rollups.conversion_recorded(conversion, commissions)
    # After the rollups: a commission the screening rejects is taken out of them again.
    screening.screen(conversion, now=now, commissions=commissions)
    webhooks.emit("conversion.created", webhooks.conversion_data(conversion), now=now)
    return RecordResult(conversion, True, commissions)


def _months_since_first(conversion: Conversion, zone) -> int | None:
    if conversion.event != "renewal" or not conversion.customer_id:
        return None
    first = db.session.scalar(
        select(Conversion.occurred_at).where(
            Conversion.offer_id == conversion.offer_id,
            Conversion.customer_id == conversion.customer_id,
            Conversion.partner_id == conversion.partner_id,
            Conversion.status == "attributed", Conversion.id != conversion.id)
        .order_by(Conversion.occurred_at).limit(1))
    return None if first is None else whole_months_between(first, conversion.occurred_at, zone)


def _pay(conversion: Conversion, offer: OfferTerms, att, *, actor: audit.Actor, now: datetime,
         alert: bool) -> list[Commission]:
    partner, program = att.partner, program_settings()
    zone = program.zone
    position = volume.take(partner.id, offer.id, conversion.event, conversion.amount,
                           conversion.occurred_at, zone)
    ctx = Context(event=conversion.event, amount=conversion.amount, currency=conversion.currency,
                  days_after_click=att.days_after_click, month_position=position.month_position,
                  month_amount_before=position.month_amount_before,
                  lifetime_position=position.lifetime_position, month_label=position.month_label,
                  months_since_first=_months_since_first(conversion, zone))
    plan = commission_engine.plan(offer, partner, ctx, note=att.note,
                                  share_percent=program.subaffiliate_share,
                                  levels=program.subaffiliate_levels,
                                  rules=offer.rules_for(partner))
    taken = caps.take_for_conversion(offer.id, partner.id, partner.group_id, plan.total,
                                     conversion.occurred_at, zone)
    if taken.blocked:
        volume.give_back(partner.id, offer.id, conversion.event, conversion.amount, position)
        conversion.status = "capped"
        conversion.status_reason = caps.blocked_reason(taken.blocked_by, offer.currency)
        db.session.flush()
        audit.record(actor, "conversion.capped", "conversion", conversion.id,
                     after={"status": "capped", "cap_id": taken.blocked_by.id,
                            "order_id": conversion.order_id},
                     note=conversion.status_reason, now=now)
        return []
    rows = _commissions(conversion, offer, plan, now)
    if alert:
        cap_alerts.alert_if_crossed(taken, now)
    return rows


def _commissions(conversion: Conversion, offer: OfferTerms, plan, now: datetime) -> list[Commission]:
    pay_at = commission_engine.payable_at(offer, now)
    common = dict(offer_id=offer.id, conversion_id=conversion.id, currency=conversion.currency,
                  status="pending", created_at=now, payable_at=pay_at)
    quote = plan.quote
    rows = [Commission(partner_id=conversion.partner_id, kind="conversion", amount=quote.amount,
                       explanation=quote.explanation, **common)]
    for line in quote.bonuses:
        rows.append(Commission(partner_id=conversion.partner_id, kind="bonus", amount=line.amount,
                               explanation=quote.bonus_explanation(line), **common))
    for share in plan.shares:
        rows.append(Commission(partner_id=share.partner_id, kind="tier2", amount=share.amount,
                               explanation=f"{share.explanation}, order {conversion.order_id}",
                               **common))
    for row in rows:
        insert_loaded(row)
    return rows


# --- refunds --------------------------------------------------------------------------

@dataclass
class RefundResult:
    conversion: Conversion
    refunded: Decimal
    adjustments: list[Commission] = field(default_factory=list)
    rejected: list[Commission] = field(default_factory=list)


def _net_target(original: Commission, conversion: Conversion) -> Decimal:
    """What ``original`` should come to after the conversion's refunds: its amount in
    proportion to what is left of the sale, rounded once."""
    if conversion.fully_refunded or conversion.amount == 0:
        return Decimal(0)
    remaining = conversion.amount - conversion.refunded_amount
    return round_money(original.amount * remaining / conversion.amount, original.currency)


def refund_conversion(offer_id: int, order_id: str, amount: Decimal | str | None = None, *,
                      actor: audit.Actor, now: datetime) -> RefundResult:
    """Refund all (``amount`` None) or part of a conversion. History is never edited:
    pending commissions that come to nothing are rejected; otherwise a negative adjustment
    brings each commission to its share of what is left of the sale — approved at once
    for approved or paid commissions, otherwise in the commission's own status (pending or
    on hold), moving with it. Bonuses are kept."""
    begin_write()
    conversion = db.session.scalar(for_update(
        select(Conversion).where(Conversion.offer_id == offer_id, Conversion.order_id == order_id)))
    if conversion is None:
        raise NotFound("No conversion with this order_id on this offer.", field="order_id")
    remaining = conversion.amount - conversion.refunded_amount
    if amount is None:
        if conversion.fully_refunded:
            return RefundResult(conversion, Decimal(0))
        refund = remaining
    else:
        refund = parse_amount(amount, conversion.currency, field="amount")
        if refund <= 0:
            raise ValidationError("The refund amount must be more than zero.", field="amount")
        if refund > remaining:
            raise ValidationError(f"Only {format_money(remaining, conversion.currency)} of this "
                                  "order is left to refund.", field="amount")
    before = {"refunded_amount": round_money(conversion.refunded_amount, conversion.currency)}
    conversion.refunded_amount = round_money(conversion.refunded_amount + refund, conversion.currency)
    conversion.refunded_at = conversion.refunded_at or now
    result = RefundResult(conversion, refund)
    originals = db.session.scalars(for_update(
        select(Commission).where(Commission.conversion_id == conversion.id,
                                 Commission.kind.in_(("conversion", "tier2")))
        .order_by(Commission.id)))
    note = (f"refund of {format_money(refund, conversion.currency)} on order "
            f"{conversion.order_id}")
    taken_out: list[Commission] = []  # rejected by this refund, adjustments included
    for original in originals:
        if original.status == "rejected":
            continue
        target = _net_target(original, conversion)
        if original.status in ("pending", "hold") and target == 0:
            # Its open adjustments (earlier partial refunds) are rejected with it: the rollup
            # takes out the commission net of them, as the ledger does.
            following = open_adjustments(original, original.status)
            apply_action(original, "reject", reason="Order refunded.", actor=actor, now=now,
                         note=note, adjustments=following,
                         refund_rejection=True)  # the rollup moves with the refund
            result.rejected.append(original)
            taken_out.extend((original, *following))
            continue
        adjustments = db.session.scalars(select(Commission.amount).where(
            Commission.reverses_id == original.id, Commission.status != "rejected"))
        delta = target - original.amount - sum(adjustments, Decimal(0))
        if delta == 0:
            continue
        settled = original.status in ("approved", "paid")
        adjustment = Commission(
            partner_id=original.partner_id, offer_id=original.offer_id,
            conversion_id=conversion.id, reverses_id=original.id, kind="adjustment",
            amount=delta, currency=original.currency,
            status="approved" if settled else original.status, created_at=now,
            payable_at=now if settled else original.payable_at,
            approved_at=now if settled else None,
            explanation=(f"{note}: {format_money(delta, original.currency)} to bring commission "
                         f"{original.id} to {format_money(target, original.currency)}"))
        db.session.add(adjustment)
        result.adjustments.append(adjustment)
    db.session.flush()
    rollups.refund_recorded(conversion, refund, result.adjustments, taken_out)
    for reversed_commission in (*result.adjustments, *result.rejected):
        webhooks.emit("commission.reversed", webhooks.commission_data(reversed_commission), now=now)
    audit.record(actor, "conversion.refund", "conversion", conversion.id, before=before,
                 after={"refunded_amount": conversion.refunded_amount,
                        "adjustments": [a.id for a in result.adjustments],
                        "rejected": [c.id for c in result.rejected]},
                 note=note, now=now)
    return result
