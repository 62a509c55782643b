"""Milestones, the monthly standings behind "top 10%", and the optional leaderboard."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from partner_portal.models import MonthlyStanding
from partner_portal.models.base import utcnow
from partner_portal.services import milestones
from partner_portal.services.program import get_program, program_zone

from ..factories import DailyStatFactory, OfferFactory, PartnerFactory


def today() -> date:
    return utcnow().astimezone(program_zone()).date()


@pytest.fixture()
def field_of_partners(db, login_as):
    """The signed-in partner (12 conversions this month) among 11 others."""
    me = login_as("partner", display_name="Trail Runner").partner
    offer = OfferFactory()
    day = today().replace(day=1)
    counts = [30, 20, 12, 12, 8, 5, 4, 3, 2, 1, 1]
    others = []
    for i, n in enumerate(counts):
        other = PartnerFactory(name=f"Other Person{i}", display_name=None if i else "Top Dog")
        others.append(other)
        DailyStatFactory(partner_id=other.id, offer_id=offer.id, day=day, conversions=n)
    DailyStatFactory(partner_id=me.id, offer_id=offer.id, day=day, conversions=12,
                     commission=Decimal("120"))
    # Last month, the partner was first.
    previous = day - timedelta(days=1)
    DailyStatFactory(partner_id=me.id, offer_id=offer.id, day=previous, conversions=1)
    # Suspended partners and partners with no conversion are not ranked.
    suspended = PartnerFactory(status="suspended")
    DailyStatFactory(partner_id=suspended.id, offer_id=offer.id, day=day, conversions=99)
    PartnerFactory()
    db.session.commit()
    return me, others


def test_standings_rank_approved_partners_by_conversions_with_ties(db, field_of_partners):
    me, others = field_of_partners
    assert milestones.compute_standings(today(), now=utcnow()) == 12
    rows = {s.partner_id: (s.rank, s.conversions, s.ranked) for s in
            db.session.scalars(select(MonthlyStanding).where(
                MonthlyStanding.month == today().replace(day=1)))}
    assert rows[others[0].id] == (1, 30, 12)
    assert rows[me.id] == rows[others[2].id] == (3, 12, 12)  # tied third
    assert rows[others[3].id][0] == 3 and rows[others[4].id][0] == 6  # three shared third
    # Running it again gives the same rows (the month is replaced, not added to).
    milestones.compute_standings(today(), now=utcnow())
    assert db.session.query(MonthlyStanding).count() == 12


def test_badges_on_the_milestones_page(client, db, field_of_partners):
    milestones.compute_standings(today(), now=utcnow())
    milestones.compute_standings(today().replace(day=1) - timedelta(days=1), now=utcnow())
    db.session.commit()
    page = client.get("/partner/milestones").get_data(as_text=True)
    assert "13 conversions so far." in page
    assert "This month you rank 3 of 12 partners." in page
    # 12 ranked: only first place is top 10% this month; last month the partner was alone.
    last_month = (today().replace(day=1) - timedelta(days=1)).strftime("%B %Y")
    assert f"Earned</span> {last_month}" in page
    assert page.count("Earned</span>") == 3  # first sale, 10 sales, top 10% (last month)
    assert "13 of 100" in page  # progress to 100 sales
    assert "Leaderboard" not in page  # off unless the program switches it on


def test_the_leaderboard_by_display_name_with_opt_out(client, db, field_of_partners):
    me, others = field_of_partners
    get_program().leaderboard_enabled = True
    others[0].leaderboard_opt_out = True  # "Top Dog" opts out
    milestones.compute_standings(today(), now=utcnow())
    db.session.commit()
    page = client.get("/partner/milestones").get_data(as_text=True)
    board = page[page.index("Leaderboard"):]
    assert "Top Dog" not in board and "Other Person0" not in board
    assert "Other P." in board  # first name and initial for partners with no display name
    assert "Person1" not in board  # never the full name
    # Positions are counted among the partners shown: the opted-out leader leaves no gap.
    assert '<td class="num">1</td><th scope="row">Other P.</th><td class="num">20</td>' in board
    assert 'Trail Runner <span class="badge active">You</span>' in board


def test_the_partner_can_leave_the_leaderboard_from_their_account(client, db, field_of_partners):
    me, _ = field_of_partners
    get_program().leaderboard_enabled = True
    db.session.commit()
    response = client.post("/partner/account/profile", data={"profile-display_name": "Quiet One",
                                                               "profile-leaderboard_opt_out": "y"})
    assert response.status_code == 302
    db.session.refresh(me)
    assert (me.display_name, me.leaderboard_opt_out) == ("Quiet One", True)
    milestones.compute_standings(today(), now=utcnow())
    db.session.commit()
    board = client.get("/partner/milestones").get_data(as_text=True)
    assert "Quiet One" not in board[board.index("Leaderboard"):]
    assert "You chose not to appear." in board


def test_the_program_switches_the_leaderboard_on(client, db, login_as):
    login_as("manager")
    response = client.post("/admin/settings/portal", data={"leaderboard_enabled": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert get_program().leaderboard_enabled is True


def test_the_standings_job_ranks_this_month(app, db, field_of_partners):
    from partner_portal.jobs import tasks

    summary = tasks.standings(utcnow())
    assert summary.startswith(f"12 partners ranked for {today():%Y-%m}")


def test_the_first_run_ranks_every_earlier_month_and_badges_count_them(client, db,
                                                                      field_of_partners):
    from partner_portal.jobs import tasks

    me, _ = field_of_partners
    offer = OfferFactory()
    long_ago = today().replace(day=1) - timedelta(days=80)
    DailyStatFactory(partner_id=me.id, offer_id=offer.id, day=long_ago, conversions=90)
    db.session.commit()
    summary = tasks.standings(utcnow())
    assert "earlier months ranked" in summary
    months = set(db.session.scalars(select(MonthlyStanding.month).where(
        MonthlyStanding.partner_id == me.id)))
    assert long_ago.replace(day=1) in months and len(months) == 3
    # 90 then 1 in past months, 12 this month: 100 sales reached this month.
    page = client.get("/partner/milestones").get_data(as_text=True)
    assert "103 conversions so far." in page
    assert "First sale" in page and long_ago.strftime("%B %Y") in page
    # Later runs leave past months alone.
    assert "earlier months" not in tasks.standings(utcnow())
