"""A new partner's first steps: get a link, grab a banner, set payout details. Each step is
ticked from what the partner has really done, and the list goes once every step is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update

from ..extensions import db
from ..models import Commission, DailyStat, Partner, TrackingLink
from . import payout_details


@dataclass(frozen=True)
class Step:
    key: str  # link | creative | payout (the page links each to where it is done)
    title: str
    hint: str
    done: bool


@dataclass(frozen=True)
class GettingStarted:
    steps: list[Step]
    # Nothing has happened yet: no click and no commission. The dashboard greets them as new.
    is_new: bool

    @property
    def done(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)


def _any(*where) -> bool:
    return bool(db.session.scalar(select(exists().where(*where))))


def for_partner(partner: Partner) -> GettingStarted:
    has_clicks = _any(DailyStat.partner_id == partner.id, DailyStat.clicks > 0)
    has_commissions = _any(Commission.partner_id == partner.id)
    steps = [
        Step("link", "Get your tracking link",
             "Create a link to an offer; every visit through it is credited to you.",
             _any(TrackingLink.partner_id == partner.id)),
        # A partner whose link already brings visitors has found how to promote it.
        Step("creative", "Grab a banner",
             "Open a banner or text link to copy its code with your link inside, or download it.",
             partner.first_creative_at is not None or has_clicks),
        Step("payout", "Set your payout details",
             "Tell us where to send your money: a PayPal address or a bank account.",
             payout_details.problem(partner) is None),
    ]
    return GettingStarted(steps, is_new=not has_clicks and not has_commissions)


def creative_taken(partner_id: int, *, now: datetime) -> bool:
    """Note that the partner took a creative (opened one to copy its code, or downloaded a
    banner); only the first time counts. True when this was the first time."""
    result = db.session.execute(
        update(Partner).where(Partner.id == partner_id, Partner.first_creative_at.is_(None))
        .values(first_creative_at=now).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount == 1
