"""The per-link daily rollup: kept by the same increments as the daily stats, and rebuilt
from the raw tables with them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from partner_portal.models import Click, DailyStat, LinkStat
from partner_portal.models.base import utcnow
from partner_portal.services import rollups

from ..factories import ConversionFactory, EarnedCommissionFactory, LinkFactory, PartnerFactory


def test_rebuild_gives_each_link_its_clicks_conversions_and_own_commissions(db):
    recruiter = PartnerFactory()
    partner = PartnerFactory(parent=recruiter)
    link = LinkFactory(partner=partner, sub1="blog")
    other_link = LinkFactory(partner=partner, offer=link.offer, sub1="blog")
    now = utcnow() - timedelta(hours=1)
    clicks = []
    for i, (lk, bot) in enumerate([(link, False), (link, False), (link, True), (other_link, False)]):
        click = Click(token=f"t{i}", link_id=lk.id, partner_id=partner.id, offer_id=lk.offer_id,
                      created_at=now, sub1="blog", is_bot=bot)
        db.session.add(click)
        clicks.append(click)
    db.session.flush()
    conversion = ConversionFactory(partner=partner, offer=link.offer, click_row_id=clicks[0].id,
                                   occurred_at=now, amount=Decimal("100"))
    EarnedCommissionFactory(partner=partner, conversion=conversion, amount=Decimal("10.00"))
    # The recruiter's tier-2 share is theirs, not earned on this link.
    EarnedCommissionFactory(partner=recruiter, conversion=conversion, kind="tier2",
                      amount=Decimal("1.00"))
    db.session.flush()

    rollups.rebuild()
    stats = {s.link_id: s for s in db.session.scalars(select(LinkStat))}
    assert set(stats) == {link.id, other_link.id}
    mine = stats[link.id]
    assert (mine.clicks, mine.unique_clicks, mine.conversions, mine.commission) == \
        (2, 2, 1, Decimal("10.0000"))
    assert (stats[other_link.id].clicks, stats[other_link.id].conversions) == (1, 0)
    assert mine.partner_id == partner.id
    # The daily stats still add up across both links (and carry the tier-2 share).
    totals = db.session.execute(select(func.sum(DailyStat.clicks), func.sum(DailyStat.commission))
                                .where(DailyStat.partner_id == partner.id)).one()
    assert totals == (3, Decimal("10.0000"))
    assert db.session.scalar(select(DailyStat.commission).where(
        DailyStat.partner_id == recruiter.id)) == Decimal("1.0000")


def test_a_batch_adds_to_existing_link_rows(db):
    link = LinkFactory()
    db.session.flush()
    at = utcnow()
    for _ in range(2):
        batch = rollups.RollupBatch()
        batch.add(at=at, offer_id=link.offer_id, partner_id=link.partner_id, link_id=link.id,
                  clicks=1, unique_clicks=1, bot_clicks=0)
        batch.add(at=at, offer_id=link.offer_id, partner_id=link.partner_id, clicks=5)  # no link
        batch.flush()
    row = db.session.scalar(select(LinkStat))
    assert (row.clicks, row.unique_clicks) == (2, 2)
    assert db.session.scalar(select(func.sum(DailyStat.clicks))) == 12
