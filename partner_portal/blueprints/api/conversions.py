"""Conversions and refunds reported by the program's own systems."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy import select

from ...extensions import db
from ...models import Commission, Conversion, Partner
from ...models.base import utcnow
from ...services import api_keys, conversion_requests, conversions
from ...services.audit import Actor
from ...services.errors import NotFound, ValidationError
from ...services.locking import begin_write_after_reads
from ...services.money import round_money
from ..units import reads_first
from . import bp
from .cursor_paging import listing, where_given
from .schemas import (
    ConversionCommission,
    ConversionCreate,
    ConversionOut,
    ConversionPage,
    ConversionQuery,
    RefundCreate,
    RefundOut,
    RefundQuery,
    RefundSummary,
    ValidationProblem,
)
from .spec import current_json, current_query, operation


def api_actor() -> Actor:
    return Actor(None, f"api key #{g.api_key.id} {g.api_key.name}", request.remote_addr)


def money_str(value, currency: str) -> str:
    """Amounts travel as strings with the currency's decimals: exact, never floats."""
    return str(round_money(value, currency))


def conversion_out(conversion: Conversion,
                   commissions: list[Commission] | None = None) -> ConversionOut:
    """``commissions``: all of the conversion's commissions when the caller has just
    recorded them (else they are read)."""
    partner = db.session.get(Partner, conversion.partner_id) if conversion.partner_id else None
    if commissions is None:
        commissions = db.session.scalars(select(Commission).where(
            Commission.conversion_id == conversion.id).order_by(Commission.id)).all()
    return ConversionOut(
        id=conversion.id, offer_id=conversion.offer_id, order_id=conversion.order_id,
        event=conversion.event, amount=money_str(conversion.amount, conversion.currency),
        refunded_amount=money_str(conversion.refunded_amount, conversion.currency),
        currency=conversion.currency, status=conversion.status,
        status_reason=conversion.status_reason, partner_id=conversion.partner_id,
        partner_ref=partner.ref if partner else None, customer_id=conversion.customer_id,
        occurred_at=conversion.occurred_at, created_at=conversion.created_at,
        commissions=[ConversionCommission(
            id=c.id, partner_id=c.partner_id, kind=c.kind,
            amount=money_str(c.amount, c.currency), currency=c.currency, status=c.status,
            explanation=c.explanation) for c in commissions])


def record(report: ConversionCreate):
    """Shared by the JSON API and the postback: resolve the validated report, record it
    once (the use case screens it), commit.
    Resolving only reads; the write transaction begins after it (SQLite: the write lock is
    taken then, unless the caller has begun the write transaction already)."""
    codec = current_app.extensions["pp_click_codec"]
    inp = conversion_requests.resolve(report, codec)
    actor = api_actor()
    begin_write_after_reads()
    now = utcnow()
    if api_keys.needs_touch(g.api_key, now):
        g.api_key = api_keys.record_use(g.api_key, now=now)
    result = conversions.record_conversion(inp, actor=actor, now=now, codec=codec)
    if result.created:
        out = conversion_out(result.conversion, result.commissions)
    else:
        out = conversion_out(result.conversion)
    db.session.commit()
    return out, (201 if result.created else 200)


@bp.post("/conversions")
@reads_first
@operation("conversions:write", tags=("conversions",), json=ConversionCreate,
           ok={"HTTP_201": ConversionOut, "HTTP_200": ConversionOut, "HTTP_422": ValidationProblem},
           not_found=True, conflict=True, ingest=True, body_required=True)
def create_conversion():
    """Report a conversion. Attribution comes from `click_id`, `coupon_code` or
    `partner_ref`; commissions are computed at once. 201 when created; 200 with the same
    body when this `order_id` was already reported for the offer."""
    return record(current_json())


@bp.post("/conversions/<path:order_id>/refund")
@operation("conversions:write", tags=("conversions",), query=RefundQuery, json=RefundCreate,
           ok={"HTTP_200": RefundOut, "HTTP_422": ValidationProblem}, not_found=True,
           conflict=True, ingest=True)
def refund(order_id: str):
    """Refund a conversion in full, or partly with `amount`: its commissions are reversed
    in proportion (an adjustment when already paid)."""
    data = current_json() or RefundCreate()
    offer_id = data.offer_id if data.offer_id is not None else current_query().offer_id
    matches = db.session.scalars(select(Conversion).where(Conversion.order_id == order_id)).all()
    if offer_id is not None:
        matches = [c for c in matches if c.offer_id == offer_id]
    if not matches:
        raise NotFound("No conversion with this order_id.", field="order_id")
    if len(matches) > 1:
        raise ValidationError("Several offers have this order_id; say which (offer_id).",
                              field="offer_id")
    result = conversions.refund_conversion(matches[0].offer_id, order_id, data.amount,
                                           actor=api_actor(), now=utcnow())
    out = RefundOut(**dict(conversion_out(result.conversion)), refund=RefundSummary(
        amount=money_str(result.refunded, result.conversion.currency),
        adjustments=[a.id for a in result.adjustments],
        rejected_commissions=[c.id for c in result.rejected]))
    db.session.commit()
    return out, 200


@bp.get("/conversions")
@operation("conversions:read", tags=("conversions",), query=ConversionQuery,
           ok={"HTTP_200": ConversionPage})
def list_conversions():
    """Conversions, oldest first; filter by `partner_id`, `offer_id` or `order_id`."""
    q = current_query()
    query = where_given(select(Conversion), (Conversion.partner_id, q.partner_id),
                        (Conversion.offer_id, q.offer_id), (Conversion.order_id, q.order_id))
    return listing(query, Conversion.id, q, conversion_out)
