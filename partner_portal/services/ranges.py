"""Date ranges for reports, dashboards and ledgers, in the program's time zone.

One range type serves every page that picks a period (admin reports and ledgers, the
partner dashboard and its CSV exports) and the API's ``/stats``. A range is a set of whole
local days, ``start`` to ``end`` inclusive, at most ``MAX_DAYS`` long.

In a query string a range is ``range`` (a key of ``PRESETS``) and, for ``custom``, ``start``
and ``end`` (``YYYY-MM-DD``): the names the API documents. ``from`` and ``to`` are accepted
as aliases, so the partner dashboard's links and forms keep working; an error names the
field the caller actually sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .errors import ValidationError

PRESETS = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom",
}
DEFAULT = "30d"
MAX_DAYS = 366 * 3  # a custom range of up to three years, as docs/reporting.md and the API say
# Query-string names: the documented one first, then the alias still accepted.
START_NAMES = ("start", "from")
END_NAMES = ("end", "to")


class DayCount(int):
    """How many days a range has; ``len()`` reads it too, as it did the list of days some
    callers were first given."""

    def __len__(self) -> int:
        return int(self)


@dataclass(frozen=True)
class DateRange:
    """Whole days ``start``..``end`` (both included) in the program's zone."""

    key: str
    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> DayCount:
        return DayCount((self.end - self.start).days + 1)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    @property
    def label(self) -> str:
        """The picker's name for the range (``Last 7 days``), or its dates when custom."""
        if self.key != "custom":
            return PRESETS[self.key]
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def dates(self) -> str:
        """The dates alone: ``2026-03-08``, or ``2026-03-01 to 2026-03-08``."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def previous(self) -> DateRange:
        """The period of equal length that ends the day before this one starts: the one
        every report and dashboard compares with."""
        end = self.start - timedelta(days=1)
        return DateRange("custom", end - timedelta(days=self.days - 1), end, self.zone)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as aware UTC."""
        first = datetime.combine(self.start, time.min, tzinfo=self.zone)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)
        return first.astimezone(timezone.utc), after.astimezone(timezone.utc)

    def as_args(self) -> dict[str, str]:
        """Query-string arguments that select this range again (the partner pages' names,
        which their links have always carried)."""
        if self.key == "custom":
            return {"range": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"range": self.key}


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The program's calendar day at the instant ``now``."""
    return now.astimezone(zone).date()


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _parse_day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError("Enter a date as YYYY-MM-DD.", field=field) from None


def resolve(key: str | None, start: str | None, end: str | None, *, today: date,
            zone: ZoneInfo, default: str = DEFAULT,
            fields: tuple[str, str] = ("start", "end")) -> DateRange:
    """The range a picker asked for, seen from ``today``. Unknown keys fall back to
    ``default``; a custom range needs both dates, in order, at most ``MAX_DAYS`` long
    (``ValidationError`` naming the start or end field, as ``fields`` calls them)."""
    key = key if key in PRESETS else default
    if key == "today":
        return DateRange(key, today, today, zone)
    if key == "7d":
        return DateRange(key, today - timedelta(days=6), today, zone)
    if key == "30d":
        return DateRange(key, today - timedelta(days=29), today, zone)
    if key == "this_month":
        return DateRange(key, _month_start(today), today, zone)
    if key == "last_month":
        last = _month_start(today) - timedelta(days=1)
        return DateRange(key, _month_start(last), last, zone)
    start_field, end_field = fields
    first, last = _parse_day(start, start_field), _parse_day(end, end_field)
    if last < first:
        raise ValidationError("The end date is before the start date.", field=end_field)
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError("Choose at most three years.", field=end_field)
    return DateRange(key, first, last, zone)


def _arg(args: Mapping[str, str], names: tuple[str, ...]) -> tuple[str | None, str]:
    """The first of ``names`` present in ``args``: its value and the name it came under."""
    for name in names:
        if args.get(name) is not None:
            return args.get(name), name
    return None, names[0]


def from_args(args: Mapping[str, str], *, today: date, zone: ZoneInfo,
              default: str = DEFAULT) -> DateRange:
    """The range a query string selects (``range``, ``start``/``from``, ``end``/``to``)."""
    start, start_field = _arg(args, START_NAMES)
    end, end_field = _arg(args, END_NAMES)
    return resolve(args.get("range"), start, end, today=today, zone=zone, default=default,
                   fields=(start_field, end_field))


def picked(args: Mapping[str, str], *, today: date, zone: ZoneInfo,
           default: str = DEFAULT) -> tuple[DateRange, str | None]:
    """The range a query string selects and no error, or, when its custom dates are not
    usable, the ``default`` preset and the message saying why."""
    try:
        return from_args(args, today=today, zone=zone, default=default), None
    except ValidationError as exc:
        return resolve(default, None, None, today=today, zone=zone), exc.message


def month_of(day: date) -> tuple[date, date]:
    """First and last day of ``day``'s month."""
    first = _month_start(day)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)
