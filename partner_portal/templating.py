"""Jinja filters and globals: money, local time, labels."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask
from markupsafe import Markup

from .services import money


def register(app: Flask) -> None:
    from .services.program import get_program, to_local

    app.jinja_env.add_extension("jinja2.ext.do")

    @app.template_filter("money")
    def money_filter(amount, currency: str | None = None) -> str:
        return money.format_money(amount, currency)

    @app.template_filter("localtime")
    def localtime_filter(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if value is None:
            return "—"
        return to_local(value).strftime(fmt)

    @app.template_filter("number")
    def number_filter(value) -> str:
        if value is None:
            return "0"
        if isinstance(value, Decimal):
            return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
        return f"{value:,}"

    @app.template_filter("percent")
    def percent_filter(value, places: int = 1) -> str:
        if value is None:
            return "—"
        return f"{Decimal(value) * 100:.{places}f}%"

    @app.template_filter("label")
    def label_filter(value: str | None) -> str:
        return (value or "").replace("_", " ").capitalize()

    @app.template_filter("nl2br")
    def nl2br(value: str | None) -> Markup:
        from markupsafe import escape

        return Markup("<br>").join(escape(value or "").splitlines())

    @app.context_processor
    def inject_program():
        return {"program": get_program()}
