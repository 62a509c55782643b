"""Exact under real concurrency: 50 threads, each with its own database connection and
transaction, against the real database (a SQLite file or PostgreSQL)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db as _db
from partner_portal.models import AuditEntry, CapUsage, Commission, Conversion
from partner_portal.services.conversions import ConversionInput, record_conversion, refund_conversion

from ..factories import CapFactory, OfferFactory, PartnerFactory, RuleFactory
from ..support.conversions import API, NOW, commissions, conversions, no_errors, race

pytestmark = pytest.mark.slow
N = 50
D = Decimal


def _record(offer_id, partner_id, order_id, amount="100.00"):
    return record_conversion(ConversionInput(offer_id=offer_id, order_id=order_id,
                                             amount=D(amount), currency="USD",
                                             partner_id=partner_id), actor=API, now=NOW)


def test_50_conversions_at_a_cap_of_10_accept_exactly_10(app, db, make_user):
    make_user("manager")
    offer = OfferFactory()
    CapFactory(offer=offer, metric="conversions", period="day", limit_value=D("10"))
    partners = [PartnerFactory() for _ in range(5)]
    ids = (offer.id, [p.id for p in partners])
    db.session.commit()

    results = race(app, N, lambda i: _record(ids[0], ids[1][i % 5], f"CAP-{i}").conversion.status)
    no_errors(results)
    assert results.count("attributed") == 10 and results.count("capped") == 40
    assert len(conversions(status="attributed")) == 10
    assert len(conversions(status="capped")) == 40
    assert len(commissions(kind="conversion")) == 10
    assert db.session.scalar(select(CapUsage.used)) == 10
    # exactly one alert at 80 % and one at 100 %, however the race went
    alerts = db.session.scalars(select(AuditEntry.after).where(AuditEntry.action == "cap.alert")).all()
    assert sorted(a["level"] for a in alerts) == [80, 100]


@pytest.mark.parametrize("mode", ["excess", "all"])
def test_50_racing_conversions_across_a_tier_threshold_apply_the_tiers_exactly(app, db, mode):
    offer = OfferFactory()
    partner = PartnerFactory()
    RuleFactory(offer=offer, name="tiers", kind="tiered",
                params={"rate_kind": "percent", "mode": mode,
                        "tiers": [{"from": 1, "value": "10"}, {"from": 11, "value": "20"}]})
    ids = (offer.id, partner.id)
    db.session.commit()

    no_errors(race(app, N, lambda i: _record(*ids, f"TIER-{i}")))
    paid = [c.amount for c in commissions(kind="conversion")]
    assert sorted(paid) == [D("10.00")] * 10 + [D("20.00")] * 40
    # each sale got its own number in the month: 1 to 50, once each
    numbers = sorted(int(re.search(r"the (\d+)(?:st|nd|rd|th) sale", c.explanation).group(1))
                     for c in commissions(kind="conversion"))
    assert numbers == list(range(1, N + 1))
    bonuses = commissions(kind="bonus")
    if mode == "excess":
        assert bonuses == [] and sum(paid) == D("900.00")
    else:  # the 11th sale tops up the first ten: every sale ends up at 20 %
        assert [b.amount for b in bonuses] == [D("100.00")]
        assert sum(paid) + bonuses[0].amount == D("1000.00")


def test_a_milestone_is_paid_exactly_once_under_a_race(app, db):
    offer = OfferFactory()
    partner = PartnerFactory()
    RuleFactory(offer=offer, kind="milestone", params={"count": 25, "period": "month", "amount": "100"})
    ids = (offer.id, partner.id)
    db.session.commit()
    no_errors(race(app, N, lambda i: _record(*ids, f"MS-{i}")))
    assert [b.amount for b in commissions(kind="bonus")] == [D("100.00")]


def test_50_parallel_duplicates_record_one_conversion_and_one_commission(app, db):
    offer = OfferFactory()
    partner = PartnerFactory()
    ids = (offer.id, partner.id)
    db.session.commit()

    results = race(app, N, lambda i: _record(*ids, "SAME-ORDER").created)
    no_errors(results)
    assert results.count(True) == 1 and results.count(False) == N - 1
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 1
    assert db.session.scalar(select(func.count()).select_from(Commission)) == 1


def test_parallel_partial_refunds_never_refund_more_than_the_sale(app, db):
    offer = OfferFactory()
    partner = PartnerFactory()
    ids = (offer.id, partner.id)
    db.session.commit()
    race(app, 1, lambda i: _record(*ids, "R-1", "100.00"))

    results = race(app, 20, lambda i: refund_conversion(ids[0], "R-1", "10.00", actor=API, now=NOW))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 10 and all(getattr(e, "field", None) == "amount" for e in refused)
    [conv] = conversions()
    assert conv.refunded_amount == D("100.00")
    [original] = commissions(kind="conversion")
    assert original.status == "rejected"  # fully refunded while pending
    adjustments = commissions(kind="adjustment")
    assert all(a.status == "rejected" for a in adjustments)
    _db.session.remove()


def test_overlapping_caps_tiers_and_two_tier_under_a_race_stay_exact(app, db):
    """Several counters per conversion (partner month and lifetime, a per-partner cap, the
    offer's cap) taken in one fixed order: no deadlock, no leak."""
    from partner_portal.services.program import get_program

    get_program().subaffiliate_share = D("10")
    offer = OfferFactory()
    recruiter = PartnerFactory()
    partners = [PartnerFactory(parent=recruiter) for _ in range(5)]
    CapFactory(offer=offer, scope="offer_partner", period="day", limit_value=D("8"))
    CapFactory(offer=offer, scope="offer", period="day", limit_value=D("30"))
    RuleFactory(offer=offer, kind="tiered", params={
        "rate_kind": "percent", "mode": "excess",
        "tiers": [{"from": 1, "value": "10"}, {"from": 5, "value": "20"}]})
    ids = (offer.id, [p.id for p in partners])
    db.session.commit()

    results = race(app, N, lambda i: _record(ids[0], ids[1][i % 5], f"MIX-{i}").conversion.status)
    no_errors(results)
    accepted = conversions(status="attributed")
    assert len(accepted) == 30
    per_partner = {pid: sum(c.partner_id == pid for c in accepted) for pid in ids[1]}
    assert all(n <= 8 for n in per_partner.values())
    for pid, n in per_partner.items():  # tiers by each partner's own count: 4 at 10 %, the rest at 20 %
        paid = sorted(c.amount for c in commissions(kind="conversion", partner_id=pid))
        assert paid == [D("10.00")] * min(n, 4) + [D("20.00")] * max(n - 4, 0)
    shares = commissions(kind="tier2", partner_id=recruiter.id)
    assert len(shares) == 30
