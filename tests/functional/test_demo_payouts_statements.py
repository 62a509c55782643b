"""The demo program's money history is one a newcomer can read: commissions were approved
night by night as their hold periods ended, so every month's statement credits what was
approved in it; last month's batch was paid; and no empty draft batch is left lying around."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from partner_portal.models import Partner, PayoutBatch
from partner_portal.services import demo, ledger
from partner_portal.services.locking import begin_write
from partner_portal.services.statements import data as statement_data
from partner_portal.services.statements import render
from partner_portal.services.statements.months import Month

from ..support import statements as h

pytestmark = pytest.mark.slow

NOW = datetime(2026, 6, 15, 15, 0, tzinfo=timezone.utc)  # 60 days back: 16 April


def test_each_demo_statement_credits_what_was_approved_that_month(app, db):
    db.session.commit()
    begin_write()
    demo.seed(days=60, now=NOW)
    db.session.commit()
    star = db.session.scalar(select(Partner).where(Partner.email == demo.DEMO_PARTNER_EMAIL))
    zone = ZoneInfo("America/New_York")
    for month in (Month(2026, 4), Month(2026, 5)):  # the first statement, and last month's
        data = statement_data.build(star.id, month, now=NOW, zone=zone, currency="USD")
        assert data.commissions_total > 0, month
        book = ledger.statement(star.id, month.start(zone), month.end(zone), "USD")
        assert data.commissions_total == sum(e.amount for e, _ in book.entries
                                             if e.kind in ("conversion", "tier2"))
        # No line says "paid" or "approved" unless it is in this statement's balance.
        assert all(c.in_balance for c in data.commissions if c.status in ("approved", "paid"))
        assert any(c.in_balance for c in data.commissions)
    first = statement_data.build(star.id, Month(2026, 4), now=NOW, zone=zone, currency="USD")
    text = h.pdf_text(render.render(first)).replace("\n", " ")
    assert "Commissions credited $0.00" not in text
    assert f"Commissions credited ${first.commissions_total:,.2f}" in text

    batches = db.session.scalars(select(PayoutBatch).order_by(PayoutBatch.id)).all()
    assert batches[0].status == "completed" and batches[0].payouts
    assert {p.status for p in batches[0].payouts} == {"paid", "failed"}
    drafts = [b for b in batches if b.status == "draft"]
    assert all(b.payouts for b in drafts)
