"""A partner's own conversions and commissions: what they earned, for what, and how it was
computed. Always scoped to one partner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Commission, Offer
from ..models.commissions import COMMISSION_KINDS, COMMISSION_STATUSES
from .errors import ValidationError
from .fraud.screening import decided_by_screening
from .money import round_money

# What partners see of a commission on hold: it is being reviewed. Never the rule that held
# it, its threshold or its evidence (staff see those in the review queue).
UNDER_REVIEW = "Under review"
UNDER_REVIEW_NOTE = ("The program team is checking this conversion before it counts; nothing "
                     "is needed from you. It moves on once the review is done.")
NOT_APPROVED_NOTE = ("This conversion did not pass the program's review of traffic quality. "
                     "Ask the program team if you have questions.")


def status_label(status: str) -> str:
    """A commission's status as partners read it."""
    return UNDER_REVIEW if status == "hold" else status.replace("_", " ").capitalize()


def status_note(status: str, status_reason: str | None) -> str | None:
    """The note partners see beside a commission's status: a held one is under review, one
    the fraud screening (or its review) rejected says so plainly, and any other note is
    shown as the program team wrote it."""
    if status == "hold":
        return UNDER_REVIEW_NOTE
    if decided_by_screening(status_reason):
        return NOT_APPROVED_NOTE
    return status_reason


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    offer_id: int | None = None
    kind: str | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        """Filters from a query string. Unknown values are dropped; badly written dates are
        a ``ValidationError`` naming ``from`` or ``to``."""
        status = args.get("status") if args.get("status") in COMMISSION_STATUSES else None
        kind = args.get("kind") if args.get("kind") in COMMISSION_KINDS else None
        try:
            offer_id = int(args.get("offer") or 0) or None
        except ValueError:
            offer_id = None
        start = _day(args.get("from"), "from")
        end = _day(args.get("to"), "to")
        if start and end and end < start:
            raise ValidationError("The end date is before the start date.", field="to")
        return cls(status, offer_id, kind, start, end)

    def as_args(self) -> dict:
        args = {"status": self.status, "offer": self.offer_id, "kind": self.kind,
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}
        return {k: v for k, v in args.items() if v}


def _day(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("Enter a date as YYYY-MM-DD.", field=field) from None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def statement(partner_id: int, filters: Filters, zone: ZoneInfo):
    """The partner's commissions matching ``filters``, newest first, with their
    conversion and offer loaded. Dates are whole days in the program's zone."""
    stmt = (select(Commission)
            .options(joinedload(Commission.offer), joinedload(Commission.conversion))
            .where(Commission.partner_id == partner_id))
    if filters.status:
        stmt = stmt.where(Commission.status == filters.status)
    if filters.offer_id:
        stmt = stmt.where(Commission.offer_id == filters.offer_id)
    if filters.kind:
        stmt = stmt.where(Commission.kind == filters.kind)
    if filters.start:
        stmt = stmt.where(Commission.created_at >= _midnight(filters.start, zone))
    if filters.end:
        stmt = stmt.where(Commission.created_at < _midnight(filters.end + timedelta(days=1), zone))
    return stmt.order_by(Commission.created_at.desc(), Commission.id.desc())


def offers_for(partner_id: int) -> list[Offer]:
    """The offers the partner has earned on (for the list's filter)."""
    ids = select(Commission.offer_id).where(Commission.partner_id == partner_id).distinct()
    return list(db.session.scalars(select(Offer).where(Offer.id.in_(ids)).order_by(Offer.name)))


CSV_HEADER = ["Date", "Offer", "Kind", "Event", "Order", "Sale amount", "Status", "Commission",
              "Currency", "How it was computed", "Status note", "Payable from"]


def csv_row(c: Commission, zone: ZoneInfo) -> list:
    conversion = c.conversion

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    return [local(c.created_at), c.offer.name if c.offer else "", c.kind,
            conversion.event if conversion else "", conversion.order_id if conversion else "",
            str(round_money(conversion.amount, conversion.currency)) if conversion else "",
            status_label(c.status).lower(), str(round_money(c.amount, c.currency)),
            c.currency, c.explanation, status_note(c.status, c.status_reason) or "",
            local(c.payable_at)]
