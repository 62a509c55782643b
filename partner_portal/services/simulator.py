"""The commission simulator: "what would partner X earn for a sale of Y, Z days after the
click?" — answered by the same engine ``record_conversion`` uses, with the partner's
current month and lifetime counts, and nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..models import Offer, Partner
from ..models.tracking import CONVERSION_EVENTS
from . import commission_engine, volume
from .commission_rules import Context
from .commission_rules.base import ordinal, parse_int
from .errors import ValidationError
from .money import parse_amount
from .offers import cookie_window, group_allowed
from .program import get_program, program_zone


@dataclass
class Simulation:
    offer: Offer
    partner: Partner
    context: Context
    plan: commission_engine.Plan
    position: volume.Position
    warnings: list[str]

    @property
    def position_text(self) -> str:
        ctx = self.context
        return (f"their {ordinal(ctx.month_position)} {ctx.event} of {ctx.month_label} on this "
                f"offer ({ordinal(ctx.lifetime_position)} ever)")


def simulate(offer: Offer, partner: Partner, *, event: str, amount: str | Decimal,
             days_after_click: str | int | None, months_since_first: str | int | None,
             now: datetime) -> Simulation:
    if event not in CONVERSION_EVENTS:
        raise ValidationError("Choose an event.", field="event")
    amount = parse_amount(amount, offer.currency, field="amount")
    days = None if days_after_click in (None, "") else parse_int(
        days_after_click, "days", minimum=0, maximum=3650, what="a number of days")
    months = None if months_since_first in (None, "") else parse_int(
        months_since_first, "months", minimum=0, maximum=600, what="a number of months")
    zone, program = program_zone(), get_program()
    position = volume.peek(partner.id, offer.id, event, now, zone)
    ctx = Context(event=event, amount=amount, currency=offer.currency, days_after_click=days,
                  month_position=position.month_position,
                  month_amount_before=position.month_amount_before,
                  lifetime_position=position.lifetime_position, month_label=position.month_label,
                  months_since_first=months if event == "renewal" else None)
    note = None
    if days is not None:
        note = ("less than a day after the click" if days == 0
                else f"{days} day{'s' if days != 1 else ''} after the click")
    plan = commission_engine.plan(offer, partner, ctx, note=note,
                                  share_percent=program.subaffiliate_share,
                                  levels=program.subaffiliate_levels)
    warnings = []
    if partner.status != "approved":
        warnings.append(f"{partner.public_name} is {partner.status}: a real conversion would "
                        "be recorded as unattributed and earn nothing.")
    elif not group_allowed(offer, partner.group_id):
        warnings.append(f"{partner.public_name}'s group may not promote this offer: a real "
                        "conversion would be unattributed.")
    window = cookie_window(offer, partner.group_id)
    if days is not None and days >= window:
        warnings.append(f"{days} days is outside the {window}-day cookie window: a real "
                        "conversion would be unattributed and earn nothing.")
    if offer.status != "active":
        warnings.append("The offer is paused: its links send no traffic.")
    return Simulation(offer, partner, ctx, plan, position, warnings)
