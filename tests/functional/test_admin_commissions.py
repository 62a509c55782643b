"""The commissions list (filters, paging, CSV), decisions, the simulator, coupons, referral
settings, the partner's offers page and recruitment links, through HTTP."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, Commission, CouponCode, Partner
from partner_portal.models.base import utcnow
from partner_portal.services.program import get_program

from ..factories import CapFactory, CouponFactory, GroupFactory, OfferFactory, PartnerFactory, RuleFactory
from ..support.conversions import commissions, record

D = Decimal


@pytest.fixture()
def offer(db):
    return OfferFactory(name="Trail Shoes")


def test_the_list_filters_pages_and_exports(client, db, login_as, offer):
    login_as("analyst")
    ann, bob = PartnerFactory(email="ann@example.test"), PartnerFactory(email="bob@example.test")
    for i in range(55):
        record(offer, f"L-{i}", "100", partner_id=ann.id)
    record(offer, "B-1", "50", partner_id=bob.id)
    page = client.get("/admin/commissions").get_data(as_text=True)
    assert "56 commissions" in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in client.get("/admin/commissions?page=2").get_data(as_text=True)
    only_bob = client.get("/admin/commissions?partner=bob@example.test").get_data(as_text=True)
    assert "1 commission<" in only_bob and "B-1" in only_bob and "L-1<" not in only_bob
    unknown = client.get("/admin/commissions?partner=nobody")
    assert unknown.status_code == 422 and 'id="partner-error"' in unknown.get_data(as_text=True)

    response = client.get("/admin/commissions?format=csv&partner=bob@example.test")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "created", "partner_email"]
    assert len(rows) == 2 and rows[1][5] == "B-1" and rows[1][8] == "5.00"


def test_csv_cells_cannot_become_spreadsheet_formulas(client, db, login_as, offer):
    login_as("manager")
    partner = PartnerFactory(email="x@example.test")
    record(offer, "=HYPERLINK(\"http://evil\")", "100", partner_id=partner.id)
    [c] = commissions()
    c.status_reason = "@SUM(A1)"
    db.session.commit()
    body = client.get("/admin/commissions?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][5].startswith("'=") and rows[1][12] == "'@SUM(A1)"


def test_date_filters_use_the_program_zone(client, db, login_as, offer):
    login_as("manager")
    get_program().timezone = "America/New_York"
    partner = PartnerFactory()
    late = utcnow().replace(hour=3, minute=30, second=0, microsecond=0)  # the evening before in NY
    record(offer, "N-1", partner_id=partner.id, now=late)
    local_day = (late - timedelta(hours=5)).date()
    page = client.get(f"/admin/commissions?since={local_day}&until={local_day}").get_data(as_text=True)
    assert "N-1" in page
    next_day = local_day + timedelta(days=1)
    assert "N-1" not in client.get(f"/admin/commissions?since={next_day}").get_data(as_text=True)


def test_a_manager_approves_rejects_holds_and_releases(client, db, login_as, offer):
    login_as("manager")
    partner = PartnerFactory()
    for i in range(3):
        record(offer, f"D-{i}", partner_id=partner.id)
    a, b, c = commissions()
    client.post(f"/admin/commissions/{a.id}/decide", data={"action": "approve"})
    response = client.post(f"/admin/commissions/{b.id}/decide", data={"action": "reject", "reason": ""})
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Say why you reject this commission" in follow
    client.post(f"/admin/commissions/{b.id}/decide", data={"action": "reject", "reason": "Test order"})
    client.post(f"/admin/commissions/{c.id}/decide", data={"action": "hold", "reason": "Odd timing"})
    assert [x.status for x in commissions()] == ["approved", "rejected", "hold"]
    client.post(f"/admin/commissions/{c.id}/decide", data={"action": "release"})
    assert commissions()[2].status == "pending"
    bad = client.post(f"/admin/commissions/{a.id}/decide", data={"action": "hold", "reason": "x"})
    assert "Cannot hold a commission that is approved" in client.get(bad.headers["Location"]).get_data(as_text=True)
    detail = client.get(f"/admin/commissions/{b.id}").get_data(as_text=True)
    assert "Test order" in detail and "commission.reject" in detail
    assert db.session.scalar(select(AuditEntry.ip).where(AuditEntry.action == "commission.hold"))


def test_finance_and_analysts_cannot_decide(client, db, login_as, offer):
    login_as("finance")
    record(offer, "F-1", partner_id=PartnerFactory().id)
    [c] = commissions()
    assert client.post(f"/admin/commissions/{c.id}/decide", data={"action": "approve"}).status_code == 403
    assert "Approve" not in client.get(f"/admin/commissions/{c.id}").get_data(as_text=True)


def test_the_detail_page_explains_the_commission(client, db, login_as, offer):
    login_as("analyst")
    get_program().subaffiliate_share = D("10")
    parent = PartnerFactory(display_name="Recruiter Rae")
    partner = PartnerFactory(display_name="Ben W.", parent=parent)
    record(offer, "X-1", "120.00", partner_id=partner.id)
    own, share = commissions()
    page = client.get(f"/admin/commissions/{own.id}").get_data(as_text=True)
    assert "10% of $120.00 (offer default)" in page
    assert "Recruiter Rae" in page  # the recruiter's share of the same conversion
    assert client.get("/admin/commissions/999").status_code == 404


def test_the_simulator_answers_with_the_engine(client, db, login_as, offer):
    login_as("analyst")
    vip = GroupFactory(name="VIP")
    partner = PartnerFactory(email="vip@example.test", group=vip)
    RuleFactory(offer=offer, name="VIP-sales", scope="group", group=vip, params={"value": "15"})
    page = client.get(f"/admin/commissions/simulator?partner=vip@example.test&offer={offer.id}"
                      "&event=sale&amount=120.00&days=12").get_data(as_text=True)
    assert "$18.00" in page
    assert "15% of $120.00 under rule VIP-sales (VIP group override), 12 days after the click" in page
    assert "their 1st sale of" in page
    outside = client.get(f"/admin/commissions/simulator?partner={partner.ref}&offer={offer.id}"
                         "&event=sale&amount=120&days=45").get_data(as_text=True)
    assert "outside the 30-day cookie window" in outside
    assert commissions() == []  # nothing recorded


@pytest.mark.parametrize("query, field", [
    ("partner=ghost@example.test&amount=10", "partner"),
    ("partner={ref}&amount=ten", "amount"),
    ("partner={ref}&amount=10&days=-3", "days"),
])
def test_simulator_input_errors_name_the_field(client, db, login_as, offer, query, field):
    login_as("manager")
    partner = PartnerFactory()
    response = client.get(f"/admin/commissions/simulator?offer={offer.id}&event=sale&"
                          + query.format(ref=partner.ref))
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)


def test_coupon_codes_are_created_unique_and_switched_off(client, db, login_as, offer):
    login_as("manager")
    partner = PartnerFactory(email="ava@example.test", display_name="Ava W.")
    response = client.post("/admin/coupons", data={"partner": "ava@example.test", "code": "Ava10",
                                                   "discount": "10% off", "offer": ""})
    assert response.status_code == 302
    clash = client.post("/admin/coupons", data={"partner": partner.ref, "code": "AVA10",
                                                "discount": "5% off", "offer": ""})
    assert clash.status_code == 422 and "is taken" in clash.get_data(as_text=True)
    made = client.post("/admin/coupons", data={"partner": partner.ref, "code": "",
                                               "discount": "Free shipping", "offer": offer.id})
    assert made.status_code == 302
    codes = db.session.scalars(select(CouponCode).order_by(CouponCode.id)).all()
    assert codes[0].code == "Ava10" and codes[1].code.startswith("AVA-")
    assert record(offer, "CP-1", coupon_code="ava10").conversion.partner_id == partner.id
    client.post(f"/admin/coupons/{codes[0].id}/active", data={"active": "0"})
    assert record(offer, "CP-2", coupon_code="AVA10").conversion.status == "unattributed"


def test_referral_settings_are_validated_and_audited(client, db, login_as):
    login_as("manager")
    bad = client.post("/admin/commissions/referrals", data={"subaffiliate_share": "120",
                                                            "subaffiliate_levels": "1"})
    assert bad.status_code == 422 and 'id="subaffiliate_share-error"' in bad.get_data(as_text=True)
    client.post("/admin/commissions/referrals", data={"subaffiliate_share": "7.5",
                                                      "subaffiliate_levels": "2",
                                                      "referral_discount": "10% off"})
    db.session.expire_all()
    program = get_program()
    assert (program.subaffiliate_share, program.subaffiliate_levels) == (D("7.5"), 2)
    assert program.referral_discount == "10% off"
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "program.referrals_update"))


def test_the_partner_sees_their_terms_caps_codes_and_recruitment_link(client, db, login_as, offer):
    vip = GroupFactory(name="VIP")
    user = login_as("partner", group=vip, display_name="Ava W.")
    partner = user.partner
    RuleFactory(offer=offer, name="VIP-sales", scope="group", group=vip, params={"value": "15"})
    RuleFactory(offer=offer, name="base", params={"value": "10"})
    CapFactory(offer=offer, scope="offer_partner", period="month", limit_value=D("10"))
    CouponFactory(partner=partner, code="AVA10")
    hidden = OfferFactory(name="VIP only elsewhere")
    hidden.groups = [GroupFactory(name="Other")]
    for i in range(3):
        record(offer, f"P-{i}", partner_id=partner.id, now=utcnow())
    page = client.get("/partner/offers").get_data(as_text=True)
    assert "Trail Shoes" in page and "VIP only elsewhere" not in page
    assert "15% of the sale amount" in page and "10% of the sale amount" not in page
    assert "3 of 10" in page and "AVA10" in page
    assert f"/apply?ref={partner.ref}" in page


def test_the_partner_page_is_for_approved_partners_only(client, db, login_as):
    login_as("partner", status="applied")
    assert client.get("/partner/offers").status_code == 302


def test_a_recruitment_link_sets_the_new_partners_recruiter(client, db, make_user):
    recruiter = make_user("partner", display_name="Ava W.").partner
    page = client.get(f"/apply?ref={recruiter.ref}").get_data(as_text=True)
    assert "Invited by Ava W." in page and f'value="{recruiter.ref}"' in page
    data = {"name": "Nina", "email": "nina@blog.example", "password": "a-strong-password",
            "confirm": "a-strong-password", "website": "https://nina.blog.example",
            "promotion_methods": ["content"], "country": "NL", "accept_terms": "y",
            "ref": recruiter.ref}
    assert client.post("/apply", data=data).status_code == 302
    nina = db.session.scalar(select(Partner).where(Partner.email == "nina@blog.example"))
    assert nina.parent_id == recruiter.id


@pytest.mark.parametrize("ref_status", ["unknown", "applied", "banned"])
def test_a_bad_recruitment_reference_is_ignored(client, db, make_user, ref_status):
    ref = "nope1234"
    if ref_status != "unknown":
        ref = make_user("partner", status=ref_status).partner.ref
    data = {"name": "Nina", "email": "nina@blog.example", "password": "a-strong-password",
            "confirm": "a-strong-password", "promotion_methods": ["content"], "country": "NL",
            "accept_terms": "y", "ref": ref}
    assert client.post("/apply", data=data).status_code == 302
    assert db.session.scalar(select(Partner.parent_id).where(Partner.email == "nina@blog.example")) is None


def test_commission_list_quick_approve(client, db, login_as, offer):
    login_as("owner")
    record(offer, "Q-1", partner_id=PartnerFactory().id)
    [c] = commissions()
    response = client.post(f"/admin/commissions/{c.id}/decide?status=pending",
                           data={"action": "approve", "back": "list"})
    assert response.headers["Location"] == "/admin/commissions?status=pending"
    assert commissions()[0].status == "approved"
    assert db.session.scalar(select(Commission.approved_at)) is not None


def test_a_partner_takes_their_own_code_when_the_program_offers_one(client, db, login_as, offer):
    user = login_as("partner", display_name="Ava W.")
    page = client.get("/partner/offers").get_data(as_text=True)
    assert "Ask the program team" in page and "Get my coupon code" not in page
    refused = client.post("/partner/coupon", follow_redirects=True).get_data(as_text=True)
    assert "ask the program team" in refused
    get_program().referral_discount = "15% off the first order"
    db.session.commit()
    assert "Get my coupon code" in client.get("/partner/offers").get_data(as_text=True)
    client.post("/partner/coupon")
    client.post("/partner/coupon")  # asking again gives the same code
    [coupon] = db.session.scalars(select(CouponCode)).all()
    assert coupon.partner_id == user.partner_id and coupon.code.startswith("AVA-")
    assert coupon.discount == "15% off the first order"
    assert coupon.code in client.get("/partner/offers").get_data(as_text=True)
    assert record(offer, "SELF-1", coupon_code=coupon.code.lower()).conversion.partner_id == user.partner_id


def test_a_code_taken_between_the_check_and_the_insert_is_a_clear_conflict(db, monkeypatch):
    """Two managers creating the same code at once: the unique key decides, politely."""
    from partner_portal.services import audit, coupons
    from partner_portal.services.errors import Conflict

    partner = PartnerFactory()
    actor = audit.Actor.system("test")
    coupons.create(partner, "SAME10", "10% off", actor=actor, now=utcnow())
    monkeypatch.setattr(coupons, "find", lambda code: None)  # the other request's check ran first
    with pytest.raises(Conflict) as err:
        coupons.create(partner, "same10", "10% off", actor=actor, now=utcnow())
    assert err.value.field == "code"
    assert len(db.session.scalars(select(CouponCode)).all()) == 1
