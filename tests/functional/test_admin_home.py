"""The admin home: counts from small tables, traffic and money from the daily rollups."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from partner_portal.models import DailyStat
from partner_portal.models.base import utcnow

from ..factories import OfferFactory, PartnerFactory


def test_home_shows_rollup_figures_for_the_last_30_days(client, login_as, db):
    offer, partner = OfferFactory(currency="EUR"), PartnerFactory()
    today = utcnow().date()
    db.session.add_all([
        DailyStat(day=today, offer_id=offer.id, partner_id=partner.id, sub1="", clicks=1200,
                  conversions=34, revenue=Decimal("2345.60"), commission=Decimal("234.56")),
        DailyStat(day=today - timedelta(days=60), offer_id=offer.id, partner_id=partner.id,
                  sub1="", clicks=999999, conversions=999, revenue=Decimal("99999")),
    ])
    db.session.commit()
    login_as("analyst")
    html = client.get("/admin/").get_data(as_text=True)
    assert "1,200" in html and "34" in html and "€2,345.60" in html
    assert "999,999" not in html
