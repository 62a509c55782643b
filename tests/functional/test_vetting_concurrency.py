"""Two managers deciding on the same application at the same moment: exactly one wins,
on SQLite and on PostgreSQL (real threads, real database)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db as _db
from partner_portal.models import AuditEntry, Partner
from partner_portal.models.base import utcnow
from partner_portal.services import audit, vetting
from partner_portal.services.errors import InvalidTransition
from partner_portal.services.locking import begin_write

from ..factories import GroupFactory, PartnerFactory

pytestmark = pytest.mark.slow


def test_concurrent_decisions_on_one_application(app, db, outbox):
    GroupFactory(name="Standard", is_default=True)
    partner_id = PartnerFactory(status="applied").id
    db.session.commit()  # and hold no read snapshot while the threads write
    start = threading.Barrier(8)
    outcomes, errors = [], []

    def decide(i):
        try:
            with app.app_context():
                start.wait()
                begin_write()
                target = vetting.get_partner(partner_id, for_update=True)
                action = "approve" if i % 2 else "reject"
                try:
                    vetting.decide(target, action, audit.Actor.system(f"manager {i}"), now=utcnow(),
                                   reason="racing")
                except InvalidTransition:
                    _db.session.rollback()
                    outcomes.append("refused")
                else:
                    _db.session.commit()
                    outcomes.append(action)
                _db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1 and outcomes.count("refused") == 7
    db.session.rollback()
    final = db.session.get(Partner, partner_id)
    assert final.status == {"approve": "approved", "reject": "rejected"}[winners[0]]
    decisions = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.in_(["partner.approve", "partner.reject"])))
    assert decisions == 1
    assert len(outbox.messages()) == 1
