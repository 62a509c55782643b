"""The applications queue: filters, search, sort, paging, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from partner_portal.models import PartnerRisk
from partner_portal.models.base import utcnow

from ..factories import GroupFactory, PartnerFactory

NOW = utcnow()


def names(client, **args) -> list[str]:
    html = client.get("/admin/partners", query_string=args).get_data(as_text=True)
    import re

    return re.findall(r"<strong>(Q[^<]+)</strong></a>", html)


def seed(db):
    vip = GroupFactory(name="VIP")
    a = PartnerFactory(name="Q Anna", status="applied", country="US", created_at=NOW - timedelta(days=3),
                       website="https://anna-reviews.example")
    b = PartnerFactory(name="Q Bruno", status="applied", country="BR", created_at=NOW - timedelta(days=1))
    c = PartnerFactory(name="Q Chen", status="approved", country="US", group=vip,
                       created_at=NOW - timedelta(days=2))
    PartnerFactory(name="Q_Dora", status="applied", country="US", created_at=NOW)
    db.session.add_all([PartnerRisk(partner_id=a.id, score=60, level="high", signals=[], computed_at=NOW),
                        PartnerRisk(partner_id=b.id, score=5, level="low", signals=[], computed_at=NOW),
                        PartnerRisk(partner_id=c.id, score=25, level="medium", signals=[], computed_at=NOW)])
    db.session.commit()
    return vip


def test_default_view_is_the_applications_waiting_newest_first(client, db, login_as):
    seed(db)
    login_as("analyst")
    assert names(client) == ["Q_Dora", "Q Bruno", "Q Anna"]


def test_filters_search_and_sort(client, db, login_as):
    vip = seed(db)
    login_as("manager")
    assert names(client, status="", country="US", sort="name") == ["Q Anna", "Q Chen", "Q_Dora"]
    assert names(client, status="", group=str(vip.id)) == ["Q Chen"]
    assert names(client, status="", risk="high") == ["Q Anna"]
    assert names(client, status="", risk="unscored") == ["Q_Dora"]
    assert names(client, status="", sort="risk") == ["Q Anna", "Q Chen", "Q Bruno", "Q_Dora"]
    assert names(client, status="", q="anna-reviews") == ["Q Anna"]
    assert names(client, status="", q="q_d") == ["Q_Dora"]  # "_" is matched literally
    assert names(client, status="approved") == ["Q Chen"]


def test_paging(client, db, login_as):
    for i in range(30):
        PartnerFactory(name=f"Q P{i:02d}", status="applied", created_at=NOW - timedelta(minutes=i))
    db.session.commit()
    login_as("analyst")
    first = client.get("/admin/partners").get_data(as_text=True)
    assert "1–25 of 30" in first and 'rel="next"' in first
    assert "Q P25" not in first
    second = client.get("/admin/partners?page=2").get_data(as_text=True)
    assert "26–30 of 30" in second and "Q P25" in second


def test_csv_follows_the_filters_and_is_spreadsheet_safe(client, db, login_as):
    seed(db)
    PartnerFactory(name="=cmd()", status="applied", country="US")
    db.session.commit()
    login_as("analyst")
    response = client.get("/admin/partners.csv?status=applied&country=US&sort=name")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["name"] for r in rows] == ["'=cmd()", "Q Anna", "Q_Dora"]
    anna = rows[1]
    assert anna["risk_score"] == "60" and anna["risk_level"] == "high" and anna["status"] == "applied"


def test_analysts_see_no_bulk_controls(client, db, login_as):
    seed(db)
    login_as("analyst")
    html = client.get("/admin/partners").get_data(as_text=True)
    assert 'name="partner_ids"' not in html and "Apply to selected" not in html
