"""Statement months (``YYYY-MM``) in the program's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ..errors import ValidationError

_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """Local midnight on the 1st, as an aware datetime."""
        return datetime.combine(self.first_day, time(0), tzinfo=zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """Local midnight on the 1st of the next month (the period is half-open)."""
        return self.next().start(zone)

    @property
    def label(self) -> str:
        return self.first_day.strftime("%B %Y")

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Month:
        local = moment.astimezone(zone)
        return cls(local.year, local.month)


def parse_month(value: str | None, *, now: datetime, zone: ZoneInfo,
                field: str = "month") -> Month:
    """A month up to the current one (program zone), or a ``ValidationError``."""
    match = _PATTERN.match((value or "").strip())
    if not match:
        raise ValidationError("Enter a month as YYYY-MM, for example 2026-10.", field=field)
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12 or year < 2000:
        raise ValidationError("Enter a month as YYYY-MM, for example 2026-10.", field=field)
    month = Month(year, number)
    if month > Month.of(now, zone):
        raise ValidationError("That month has not started yet.", field=field)
    return month


def period(month: Month, *, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime, bool]:
    """The UTC half-open interval a statement for ``month`` covers, and whether it is
    month-to-date (the current month ends at ``now``)."""
    start, end = month.start(zone), month.end(zone)
    if now < end:
        return start, now, True
    return start, end, False
