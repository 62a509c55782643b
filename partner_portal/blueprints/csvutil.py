"""The one CSV download: safe to open in a spreadsheet, streamed in bounded batches.

Cells are made safe by ``services/spreadsheet.safe_cell``. The file is UTF-8 with a byte
order mark, so spreadsheets (Excel) read accented names right. The response is a stream:
rows are written as they are read, and a query given through ``batched`` is fetched
``CSV_BATCH`` rows at a time, so a long export neither holds the whole file in memory nor
keeps a worker busy building it before the first byte goes out.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from flask import Response, stream_with_context

from ..extensions import db
from ..services.spreadsheet import safe_cell

CSV_BATCH = 1000  # rows fetched per round trip, and written per chunk
CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


def batched(query, *, scalars: bool = True) -> Iterator:
    """The rows of ``query``, fetched ``CSV_BATCH`` at a time (a server-side cursor on
    PostgreSQL), read when the stream reaches them."""
    stmt = query.execution_options(yield_per=CSV_BATCH)
    result = db.session.scalars(stmt) if scalars else db.session.execute(stmt)
    yield from result


def csv_response(filename: str, header: list[str] | None, rows: Iterable[Iterable]) -> Response:
    """``rows`` as a streamed CSV attachment (``header`` first, when given)."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write(BOM)
        if header:
            writer.writerow(header)
        pending = 0
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            pending += 1
            if pending >= CSV_BATCH:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                pending = 0
        yield buffer.getvalue().encode("utf-8")

    # content_type, not mimetype: werkzeug appends a second charset to a mimetype that has one
    return Response(stream_with_context(generate()), content_type=CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
