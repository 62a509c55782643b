"""Every CSV export goes through the one CSV response: one charset in its Content-Type, a
byte order mark for spreadsheets, and a stream fetched from the database in bounded
batches, so a long export never holds a worker until its whole file is built."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from partner_portal.blueprints import csvutil
from partner_portal.models import Commission
from partner_portal.models.base import utcnow

from ..factories import PartnerFactory, StaffFactory
from ..support import DEFAULT_PASSWORD
from .test_security_checklist import staff_and_partner_pages, world  # noqa: F401 (a fixture)


def is_csv_download(response) -> bool:
    disposition = response.headers.get("Content-Disposition", "")
    return response.mimetype == "text/csv" or '.csv"' in disposition


def test_every_csv_export_names_utf_8_once(app, client, world):
    exports = set()
    for url, response in staff_and_partner_pages(app, world):
        if response.status_code != 200 or not is_csv_download(response):
            continue
        exports.add(url.split("?")[0])
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
        body = response.get_data()
        if "/export/" not in url:  # payment files keep the format their bank or PayPal reads
            assert body.startswith("\ufeff".encode()), url
        body.decode("utf-8")
    assert len(exports) >= 12, sorted(exports)


ROWS = 2_500
BATCH = 100


def test_a_long_export_streams_in_bounded_batches(app, db, live_server, monkeypatch):
    monkeypatch.setattr(csvutil, "CSV_BATCH", BATCH)
    partner = PartnerFactory(name="Zoë Ünal")
    owner = StaffFactory(role="owner")
    db.session.commit()
    start = utcnow() - timedelta(days=3)
    db.session.execute(insert(Commission), [
        {"partner_id": partner.id, "kind": "bonus", "amount": Decimal(i) / 100, "currency": "USD",
         "status": "approved", "explanation": f"=line {i}", "created_at": start + timedelta(seconds=i),
         "approved_at": start} for i in range(ROWS)])
    db.session.commit()

    batches = []

    def watch(state):
        if state.is_select and "commissions" in str(state.statement):
            batches.append(state.execution_options.get("yield_per"))

    event.listen(Session, "do_orm_execute", watch)
    try:
        browser = requests.Session()
        signed_in = browser.post(live_server.url + "/login",
                                 data={"email": owner.email, "password": DEFAULT_PASSWORD},
                                 allow_redirects=False, timeout=30)
        assert signed_in.status_code == 302
        response = browser.get(live_server.url + "/admin/commissions?format=csv", stream=True,
                               timeout=60)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        # a stream: no length known up front, sent in pieces as the rows are read
        assert "Content-Length" not in response.headers
        assert response.headers.get("Transfer-Encoding") == "chunked"
        chunks = list(response.iter_content(chunk_size=None))
    finally:
        event.remove(Session, "do_orm_execute", watch)

    assert len(chunks) >= ROWS // BATCH
    assert BATCH in batches  # the rows were fetched BATCH at a time, never all at once
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeffid,created,partner_email")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == ROWS + 1
    # newest first, every row whole and spreadsheet-safe
    assert [r[13] for r in rows[1:4]] == [f"'=line {i}" for i in (ROWS - 1, ROWS - 2, ROWS - 3)]
    assert sum(Decimal(r[8]) for r in rows[1:]) == sum(Decimal(i) / 100 for i in range(ROWS))


@pytest.mark.parametrize("rows", [[], [["a", "=b", Decimal("-1.50"), None, 3]]])
def test_the_csv_helper_writes_what_it_is_given(app, rows):
    with app.test_request_context():
        response = csvutil.csv_response("x.csv", ["h1", "h2", "h3", "h4", "h5"], iter(rows))
        assert response.is_streamed
        body = response.get_data(as_text=True)
    expected = "\ufeffh1,h2,h3,h4,h5\r\n" + "".join("a,'=b,-1.50,,3\r\n" for _ in rows)
    assert body == expected
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
