"""Report trend charts: the geometry the server draws, and the report range's previous
period, which is the partner dashboard's."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from partner_portal.services import ranges
from partner_portal.services.charts import PLOT_HEIGHT, PLOT_TOP, trend

ZONE = ZoneInfo("UTC")


def days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


def test_the_report_range_compares_with_the_dashboards_previous_period():
    for key in ("today", "7d", "30d", "this_month", "last_month"):
        report = ranges.resolve(key, None, None, today=date(2026, 3, 15), zone=ZONE)
        dashboard = ranges.DateRange(key, report.start, report.end, ZONE)
        before = report.previous()
        assert (before.start, before.end) == (dashboard.previous().start, dashboard.previous().end)
        assert len(before.days) == len(report.days) and before.end == report.start - timedelta(days=1)


def test_bars_ticks_dates_and_the_previous_period_line():
    now, then = days(date(2026, 11, 5), 30), days(date(2026, 10, 6), 30)
    chart = trend("Clicks", now, [29] + [10] * 29, then, [5] * 30)
    # Grid lines at round steps up to at least the highest day, labelled in full.
    assert [t.label for t in chart.ticks] == ["0", "10", "20", "30"]
    assert chart.ticks[0].y == PLOT_TOP + PLOT_HEIGHT and chart.ticks[-1].y == PLOT_TOP
    first = chart.bars[0]
    assert first.y == round(PLOT_TOP + PLOT_HEIGHT * (1 - 29 / 30), 1)
    assert (first.day, first.previous_day, first.previous) == (now[0], then[0], 5)
    # Bars side by side across the whole width, none overlapping.
    assert all(b.x + b.width <= c.x for b, c in zip(chart.bars, chart.bars[1:]))
    assert chart.bars[-1].x + chart.bars[-1].width <= 100
    # The previous period: one level per day, joined: 30 levels and 29 joins.
    assert len(chart.previous_line) == 59
    assert {s.y1 for s in chart.previous_line} == {first.previous_y}
    # A few dates, with the month, first and last day included, never crowded.
    assert [d.text for d in chart.dates] == ["Nov 5", "Nov 13", "Nov 21", "Dec 4"]
    assert (chart.dates[0].anchor, chart.dates[-1].anchor) == ("start", "end")
    assert (chart.change.current, chart.change.previous, chart.change.style) == (319, 150, "percent")


def test_money_charts_label_in_the_currency_and_compare_totals():
    now, then = days(date(2026, 1, 1), 7), days(date(2025, 12, 25), 7)
    chart = trend("Revenue", now, [Decimal("120.50")] * 7, then, [Decimal("700.00")] + [0] * 6,
                  "EUR")
    assert [t.label for t in chart.ticks] == ["€0", "€200", "€400", "€600", "€800"]
    assert chart.show(chart.change.current) == "€843.50"
    assert chart.change.previous == Decimal("700.00") and chart.change.kind == "money"


def test_an_empty_period_and_a_single_day_still_draw():
    chart = trend("Clicks", days(date(2026, 1, 1), 1), [0], days(date(2025, 12, 31), 1), [0])
    assert [t.label for t in chart.ticks] == ["0", "1"] and chart.bars[0].height == 0
    assert [d.text for d in chart.dates] == ["Jan 1"] and chart.change.style == "none"
