"""Trend charts drawn on the server: a period's daily figures as bars and the previous
period's, day by day, as a line over them, with a labelled value axis and dates.

Only the geometry is worked out here; ``templates/_macros.html`` (``trend_chart``) draws
it as SVG whose horizontal positions are percentages and whose text is sized in CSS pixels,
so labels stay readable at any width, phone included. The comparison with the previous
period is ``partner_stats.Change``, as on the partner dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from .money import format_money
from .partner_stats import Change

PLOT_TOP = 24      # px above the highest grid line, for its label
PLOT_HEIGHT = 170  # px from the highest grid line to the zero line
AXIS = 28          # px below the zero line, for the dates
HEIGHT = PLOT_TOP + PLOT_HEIGHT + AXIS
MAX_DATE_LABELS = 4


@dataclass(frozen=True)
class Bar:
    day: date
    value: Decimal | int
    previous_day: date | None
    previous: Decimal | int
    x: float          # left edge, percent of the width
    width: float      # percent of the width
    y: float          # px from the top
    height: float     # px
    previous_y: float


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DateLabel:
    x: float
    anchor: str
    text: str


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Trend:
    name: str                  # "Clicks", "Revenue", …
    currency: str | None       # money charts: the currency; counts: None
    bars: list[Bar]
    ticks: list[Tick]
    dates: list[DateLabel]
    previous_line: list[Segment]
    change: Change             # the period's total against the previous period's
    height: int = HEIGHT
    zero_y: float = PLOT_TOP + PLOT_HEIGHT

    def show(self, value) -> str:
        return format_money(value, self.currency) if self.currency else f"{value:,}"


def _step(value) -> Decimal:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value``."""
    value = Decimal(value)
    scale = Decimal(1)
    while scale < value:
        scale *= 10
    while scale / 10 >= value:
        scale /= 10
    for step in (Decimal("0.1"), Decimal("0.2"), Decimal("0.5"), Decimal(1)):
        if scale * step >= value:
            return scale * step
    return scale


def _axis(highest, whole: bool) -> tuple[Decimal, Decimal]:
    """(top, step): grid lines every ``step`` up to ``top`` >= ``highest``, at most five."""
    highest = Decimal(highest)
    if highest <= 0:
        return Decimal(1), Decimal(1)
    step = _step(highest / 4)
    if whole:
        step = max(step, Decimal(1))
    lines = (highest / step).to_integral_value(rounding=ROUND_CEILING)
    return step * lines, step


def _tick_label(value: Decimal, currency: str | None) -> str:
    if currency:
        text = format_money(value, currency)
        return text[:-3] if text.endswith((".00", ",00")) else text
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def trend(name: str, days: list[date], values: list, previous_days: list[date],
          previous_values: list, currency: str | None = None) -> Trend:
    """``values`` per day of ``days``; ``previous_values`` per day of the period before,
    matched day by day (first with first)."""
    n = len(days)
    previous_values = list(previous_values) + [0] * (n - len(previous_values))
    top, step = _axis(max([*values, *previous_values, 0]), whole=currency is None)
    slot = 100 / n if n else 100
    gap = min(slot * 0.2, 1.0)

    def y(v) -> float:
        return round(PLOT_TOP + PLOT_HEIGHT - float(Decimal(v) / top) * PLOT_HEIGHT, 1)

    bars = []
    for i, (day, value) in enumerate(zip(days, values)):
        prev_day = previous_days[i] if i < len(previous_days) else None
        bars.append(Bar(day, value, prev_day, previous_values[i], round(i * slot + gap / 2, 3),
                        round(slot - gap, 3), y(value), round(PLOT_TOP + PLOT_HEIGHT - y(value), 1),
                        y(previous_values[i])))
    ticks = [Tick(y(step * k), _tick_label(step * k, currency)) for k in range(int(top / step) + 1)]
    # The previous period as a step line: a level across each day, joined at day edges.
    line = []
    for i, bar in enumerate(bars):
        left, right = round(i * slot, 3), round((i + 1) * slot, 3)
        line.append(Segment(left, bar.previous_y, right, bar.previous_y))
        if i + 1 < n:
            line.append(Segment(right, bar.previous_y, right, bars[i + 1].previous_y))
    dates = []
    if n:
        every = max(1, -(-n // MAX_DATE_LABELS))
        picks = list(range(0, n, every))
        if picks[-1] != n - 1:  # the last day always; it replaces a pick too close to it
            if n - 1 - picks[-1] < every * 0.8 and len(picks) > 1:
                picks.pop()
            picks.append(n - 1)
        for i in picks:
            text = days[i].strftime("%b %-d")
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            x = 0 if i == 0 else 100 if i == n - 1 else (i + 0.5) * slot
            dates.append(DateLabel(round(x, 3), anchor, text))
    kind = "money" if currency else "count"
    change = Change(sum(values, Decimal(0) if currency else 0),
                    sum(previous_values[:n], Decimal(0) if currency else 0), kind)
    return Trend(name, currency, bars, ticks, dates, line, change)
