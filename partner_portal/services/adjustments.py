"""Manual ledger adjustments: a bonus (positive) or a clawback (negative), with a reason.

An adjustment is a commission row of kind *bonus* (positive) or *adjustment* (negative),
approved at once, so it enters the ledger and the next payout like any other commission.
"""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import Commission, Partner
from . import audit
from .errors import NotFound, ValidationError
from .locking import begin_write
from .money import parse_amount
from .program import get_program

MAX_REASON = 500


def adjust(partner_id: int, amount, reason: str, *, actor: audit.Actor, now: datetime,
           currency: str | None = None) -> Commission:
    begin_write()
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    currency = (currency or get_program().currency).upper()
    value = parse_amount(amount, currency, field="amount", allow_negative=True)
    if value == 0:
        raise ValidationError("Enter a non-zero amount: positive for a bonus, negative for a "
                              "clawback.", field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason: the partner sees it on their statement.",
                              field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"Use at most {MAX_REASON} characters.", field="reason")
    kind = "bonus" if value > 0 else "adjustment"
    label = "Bonus" if value > 0 else "Clawback"
    commission = Commission(partner_id=partner.id, kind=kind, amount=value, currency=currency,
                            status="approved", explanation=f"{label}: {reason}",
                            created_at=now, payable_at=now, approved_at=now)
    db.session.add(commission)
    db.session.flush()
    audit.record(actor, f"ledger.{'bonus' if value > 0 else 'clawback'}", "partner", partner.id,
                 after={"commission_id": commission.id, "amount": value, "currency": currency},
                 note=reason, now=now)
    return commission
