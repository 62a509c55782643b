"""CSV downloads that are safe to open in a spreadsheet (cells from services/spreadsheet)."""

from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response

from ..services.spreadsheet import safe_cell


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """``rows`` as a CSV attachment (UTF-8 with a BOM so spreadsheets read accents)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
