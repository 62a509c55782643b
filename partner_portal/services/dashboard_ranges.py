"""Date ranges for reports, in the program's time zone, and the period before each."""

from __future__ import annotations

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
MAX_DAYS = 731  # a custom range of up to two years


@dataclass(frozen=True)
class DateRange:
    """Whole days ``start``..``end`` (both included) in the program's zone."""

    key: str
    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.key != "custom":
            return PRESETS[self.key]
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def previous(self) -> DateRange:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return DateRange("custom", end - timedelta(days=self.days - 1), end, self.zone)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as aware UTC."""
        first = datetime.combine(self.start, time.min, tzinfo=self.zone)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)
        return first.astimezone(timezone.utc), after.astimezone(timezone.utc)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def as_args(self) -> dict[str, str]:
        """Query-string arguments that select this range again."""
        if self.key == "custom":
            return {"range": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"range": self.key}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _parse_day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError("Enter a date as YYYY-MM-DD.", field=field) from None


def resolve(key: str | None, now: datetime, zone: ZoneInfo, *, start: str | None = None,
            end: str | None = None) -> DateRange:
    """The range a picker value stands for, seen from ``now`` in ``zone``.

    Unknown keys fall back to the default; a custom range needs both dates, in order, at
    most ``MAX_DAYS`` long (``ValidationError`` naming ``from`` or ``to`` otherwise).
    """
    key = key if key in PRESETS else DEFAULT
    today = now.astimezone(zone).date()
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
    first, last = _parse_day(start, "from"), _parse_day(end, "to")
    if last < first:
        raise ValidationError("The end date is before the start date.", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(f"Choose at most {MAX_DAYS} days.", field="to")
    return DateRange(key, first, last, zone)


def month_of(day: date) -> tuple[date, date]:
    """First and last day of ``day``'s month."""
    first = _month_start(day)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)
