"""What a partner sees about getting paid: balance against the minimum, history, what next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Payout, PayoutBatch
from . import ledger, payout_details
from .program import get_program


@dataclass
class PayoutOverview:
    currency: str
    balance: Decimal
    minimum: Decimal
    progress_step: int  # 0–100 in steps of 5, for the bar
    details_problem: str | None
    history: list[Payout]
    last_cutoff: date | None
    next_note: str


def overview(partner) -> PayoutOverview:
    program = get_program()
    currency = program.currency
    balance = ledger.balance(partner.id, currency=currency)
    minimum = Decimal(program.min_payout)
    share = Decimal(1) if minimum <= 0 else max(Decimal(0), min(balance / minimum, Decimal(1)))
    step = int(share * 20) * 5
    problem = payout_details.problem(partner)
    history = list(db.session.scalars(
        select(Payout).where(Payout.partner_id == partner.id, Payout.excluded.is_(False))
        .order_by(Payout.created_at.desc(), Payout.id.desc()).limit(50)))
    last_cutoff = db.session.scalar(
        select(PayoutBatch.cutoff).where(PayoutBatch.canceled_at.is_(None))
        .order_by(PayoutBatch.cutoff.desc()).limit(1))
    if problem:
        note = f"Add valid payout details to be paid: {problem}"
    elif balance < minimum:
        note = "You will be included in the first payout batch after your approved balance reaches the minimum."
    else:
        note = "You are in line for the next payout batch the finance team drafts."
    return PayoutOverview(currency, balance, minimum, step, problem, history, last_cutoff, note)
