"""Offset paging (numbered pages) for admin and partner lists; the API pages with a cursor
instead (`blueprints/api/cursor_paging.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import func, select

from ..extensions import db

PER_PAGE = 25


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.number * self.per_page)


def page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def paginate(stmt, number: int, per_page: int = PER_PAGE, *, scalars: bool = True) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    number = min(max(1, number), max(1, ceil(total / per_page)))
    query = stmt.limit(per_page).offset((number - 1) * per_page)
    items = list(db.session.scalars(query)) if scalars else list(db.session.execute(query).all())
    return Page(items, number, per_page, total)
