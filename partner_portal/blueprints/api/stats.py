"""Statistics over the API: clicks, conversions, revenue and commission by day, offer or
partner, from the same daily rollups as the reports pages."""

from __future__ import annotations

from ...models.base import utcnow
from ...services import reporting
from ...services.program import get_program, program_zone
from . import bp
from .conversions import money_str
from .schemas import StatsOut, StatsQuery, StatsRow
from .spec import current_query, operation


@bp.get("/stats")
@operation("stats:read", tags=("stats",), query=StatsQuery, ok={"HTTP_200": StatsOut})
def stats():
    """Figures for a range of days in the program's time zone (default: the last 30), in
    one currency (default: the program's), grouped by `day`, `offer` or `partner`.
    Clicks exclude bots; money is what was earned on those days."""
    q = current_query()
    zone = program_zone()
    period = reporting.api_range(q.start, q.end, today=utcnow().astimezone(zone).date(),
                                 zone=zone)
    currency = (q.currency or get_program().currency).upper()
    rows = reporting.grouped(period, currency, q.group_by, partner_id=q.partner_id,
                             offer_id=q.offer_id)
    return StatsOut(
        group_by=q.group_by, currency=currency, start=period.start, end=period.end,
        data=[StatsRow(key=None if r.key is None else str(r.key), label=r.label,
                       clicks=r.clicks, conversions=r.conversions,
                       revenue=money_str(r.revenue, currency),
                       commission=money_str(r.commission, currency)) for r in rows])
