"""Referred customers' value: lifetime revenue and renewals per partner, and retention of
referred customers by month of first purchase.

Read from attributed conversions that carry a ``customer_id``, bounded to the customers
whose first purchase falls in the last ``months`` months (an indexed look-up on
``customer_id`` checks that they had no earlier purchase). A customer belongs to the
partner of their first purchase; everything they buy afterwards counts towards that
partner's referred value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Conversion, Partner
from .money import ratio
from .program import program_zone

MAX_ROWS = 200_000


@dataclass
class PartnerValue:
    partner_id: int
    name: str
    customers: int = 0
    orders: int = 0
    renewals: int = 0
    revenue: Decimal = Decimal("0")

    @property
    def revenue_per_customer(self) -> Decimal | None:
        return self.revenue / self.customers if self.customers else None


@dataclass
class Cohort:
    month: str                      # YYYY-MM of the first purchase
    customers: int
    active: list[int] = field(default_factory=list)  # customers buying in month +0, +1, …

    def retention(self, offset: int) -> Decimal | None:
        if offset >= len(self.active):
            return None
        return ratio(self.active[offset], self.customers)


@dataclass
class CustomerValue:
    since: date
    partners: list[PartnerValue]
    cohorts: list[Cohort]
    truncated: bool


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _months_back(today: date, months: int) -> date:
    index = _month_index(today) - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def referred_value(*, currency: str, now: datetime, months: int = 12,
                   partner_id: int | None = None) -> CustomerValue:
    zone = program_zone()
    today = now.astimezone(zone).date()
    since = _months_back(today, months)
    window_start = datetime.combine(since, time(0), tzinfo=zone)
    earlier = aliased(Conversion)
    had_earlier = exists().where(earlier.customer_id == Conversion.customer_id,
                                 earlier.status == "attributed",
                                 earlier.occurred_at < window_start)
    query = (select(Conversion.customer_id, Conversion.partner_id, Conversion.occurred_at,
                    Conversion.event, Conversion.amount, Conversion.refunded_amount)
             .where(Conversion.customer_id.is_not(None), Conversion.status == "attributed",
                    Conversion.currency == currency, Conversion.occurred_at >= window_start,
                    ~had_earlier)
             .order_by(Conversion.occurred_at, Conversion.id).limit(MAX_ROWS + 1))
    rows = db.session.execute(query).all()
    truncated = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]

    owner: dict[str, int] = {}
    first_month: dict[str, int] = {}
    active_months: dict[str, set[int]] = defaultdict(set)
    values: dict[int, PartnerValue] = {}
    for customer, pid, occurred, event, amount, refunded in rows:
        month = _month_index(occurred.astimezone(zone).date())
        if customer not in owner:
            if pid is None:
                continue
            owner[customer], first_month[customer] = pid, month
            values.setdefault(pid, PartnerValue(pid, "")).customers += 1
        value = values[owner[customer]]
        value.orders += 1
        value.renewals += 1 if event == "renewal" else 0
        value.revenue += Decimal(amount) - Decimal(refunded)
        active_months[customer].add(month)

    if partner_id is not None:
        keep = {c for c, p in owner.items() if p == partner_id}
        values = {k: v for k, v in values.items() if k == partner_id}
    else:
        keep = set(owner)
    names = dict(db.session.execute(select(Partner.id, Partner.name)
                                    .where(Partner.id.in_(values))).all())
    for pid, value in values.items():
        value.name = names.get(pid, f"#{pid}")

    last = _month_index(today)
    cohorts: dict[int, Cohort] = {}
    for customer in keep:
        start = first_month[customer]
        cohort = cohorts.get(start)
        if cohort is None:
            cohort = cohorts[start] = Cohort(f"{start // 12}-{start % 12 + 1:02d}", 0,
                                             [0] * (last - start + 1))
        cohort.customers += 1
        for month in active_months[customer]:
            cohort.active[month - start] += 1
    return CustomerValue(since, sorted(values.values(), key=lambda v: (-v.revenue, v.name)),
                         [cohorts[k] for k in sorted(cohorts)], truncated)
