"""Date ranges for reports and ledgers, in the program's time zone.

A range is a set of whole local days, ``start`` to ``end`` inclusive; ``bounds()`` gives
the matching half-open UTC interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import dashboard_ranges
from .errors import ValidationError

PRESETS = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom",
}
MAX_DAYS = 366 * 3


@dataclass(frozen=True)
class DateRange:
    key: str
    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes (local midnight to the midnight after ``end``)."""
        return (datetime.combine(self.start, time(0), tzinfo=self.zone),
                datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=self.zone))

    def previous(self) -> DateRange:
        """The period of equal length that ends the day before this one starts: the one
        the reports compare with, as the partner dashboard does."""
        before = dashboard_ranges.DateRange("custom", self.start, self.end, self.zone).previous()
        return DateRange("custom", before.start, before.end, self.zone)

    @property
    def label(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _parse(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError("Enter a date as YYYY-MM-DD.", field=field) from None


def resolve(key: str | None, start: str | None, end: str | None, *, today: date,
            zone: ZoneInfo, default: str = "30d") -> DateRange:
    """The range a picker asked for; ``ValidationError`` naming the field for a bad custom
    range."""
    key = key if key in PRESETS else default
    if key == "today":
        return DateRange(key, today, today, zone)
    if key == "7d":
        return DateRange(key, today - timedelta(days=6), today, zone)
    if key == "30d":
        return DateRange(key, today - timedelta(days=29), today, zone)
    if key == "this_month":
        return DateRange(key, today.replace(day=1), today, zone)
    if key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return DateRange(key, last.replace(day=1), last, zone)
    first, last = _parse(start, "start"), _parse(end, "end")
    if last < first:
        raise ValidationError("The end date is before the start date.", field="end")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError("Choose at most three years.", field="end")
    return DateRange(key, first, last, zone)
