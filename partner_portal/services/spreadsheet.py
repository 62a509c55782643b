"""CSV that is safe to open in a spreadsheet: cells that a spreadsheet would read as a
formula (starting with = + - @, a tab or a carriage return) get a leading apostrophe."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # numbers stay numbers, even negative ones
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: list[str] | None, rows: Iterable[Iterable], *, safe: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) if safe else ("" if v is None else v) for v in row])
    return buffer.getvalue().encode("utf-8")
