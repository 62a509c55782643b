"""Partner groups, and versioned terms that partners accept again when they change."""

from __future__ import annotations

from sqlalchemy import select

from partner_portal.models import AuditEntry, PartnerGroup, TermsAcceptance, TermsVersion

from ..factories import GroupFactory, PartnerFactory
from ..support import client_signed_in


def test_manager_creates_renames_and_describes_a_group(client, db, login_as):
    login_as("manager")
    response = client.post("/admin/groups", data={"name": "  VIP   partners ", "description": "Top ten"},
                           follow_redirects=True)
    assert "Group “VIP partners” created." in response.get_data(as_text=True)
    group = db.session.scalar(select(PartnerGroup).where(PartnerGroup.name == "VIP partners"))
    response = client.post(f"/admin/groups/{group.id}", data={"name": "Gold", "description": "Top 5",
                                                             "is_default": "y"})
    assert response.status_code == 302
    db.session.refresh(group)
    assert (group.name, group.description, group.is_default) == ("Gold", "Top 5", True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "group.update"))
    assert entry.before["name"] == "VIP partners" and entry.after["name"] == "Gold"


def test_duplicate_group_name_names_the_field(client, db, login_as):
    login_as("manager")
    GroupFactory(name="VIP")
    db.session.commit()
    response = client.post("/admin/groups", data={"name": "vip"})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert sorted(db.session.scalars(select(PartnerGroup.name))) == ["Standard", "VIP"]


def test_only_one_default_group(client, db, login_as):
    login_as("manager")
    old = GroupFactory(name="Standard", is_default=True)
    db.session.commit()
    client.post("/admin/groups", data={"name": "New default", "is_default": "y"})
    db.session.refresh(old)
    assert old.is_default is False


def test_groups_page_counts_partners(client, db, login_as):
    login_as("analyst")
    group = GroupFactory(name="VIP")
    PartnerFactory(group=group)
    PartnerFactory(group=group)
    db.session.commit()
    html = client.get("/admin/groups").get_data(as_text=True)
    assert "VIP" in html and ">2</a>" in html
    assert "New group" not in html  # analysts read only


def test_publishing_terms_makes_partners_accept_on_their_next_visit(client, db, login_as, app):
    v1 = TermsVersion(kind="terms", version=1, title="Program terms", body="Be honest.")
    db.session.add(v1)
    partner = PartnerFactory(status="approved")
    db.session.flush()
    db.session.add(TermsAcceptance(partner_id=partner.id, terms_version_id=v1.id))
    db.session.commit()
    own = client_signed_in(app, partner.email)
    assert own.get("/partner/").status_code == 200

    login_as("manager")
    response = client.post("/admin/terms/terms/publish",
                           data={"title": "Program terms", "body": "Be honest. No brand bidding."},
                           follow_redirects=True)
    assert "Program terms version 2 published" in response.get_data(as_text=True)

    page = own.get("/partner/")
    assert page.status_code == 302 and page.headers["Location"] == "/partner/terms"
    shown = own.get("/partner/terms").get_data(as_text=True)
    assert "No brand bidding." in shown and "version 2" in shown
    refused = own.post("/partner/terms", data={"version_ids": ["2"]})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    v2 = db.session.scalar(select(TermsVersion).where(TermsVersion.version == 2))
    accepted = own.post("/partner/terms", data={"version_ids": [str(v2.id)], "accept": "y"})
    assert accepted.headers["Location"] == "/partner/"
    assert own.get("/partner/").status_code == 200
    versions = db.session.scalars(select(TermsAcceptance.terms_version_id)
                                  .where(TermsAcceptance.partner_id == partner.id)).all()
    assert sorted(versions) == [v1.id, v2.id]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "terms.accept"))


def test_a_partner_waiting_for_review_still_sees_their_status(client, db, app):
    db.session.add(TermsVersion(kind="guidelines", version=1, title="Guidelines", body="Disclose."))
    partner = PartnerFactory(status="applied")
    db.session.commit()
    page = client_signed_in(app, partner.email).get("/partner/")
    assert page.status_code == 200 and "under review" in page.get_data(as_text=True)


def test_accepting_a_version_that_is_no_longer_current_does_not_count(client, db, app):
    v1 = TermsVersion(kind="terms", version=1, title="T", body="one")
    v2 = TermsVersion(kind="terms", version=2, title="T", body="two")
    db.session.add_all([v1, v2])
    partner = PartnerFactory(status="approved")
    db.session.commit()
    own = client_signed_in(app, partner.email)
    response = own.post("/partner/terms", data={"version_ids": [str(v1.id)], "accept": "y"})
    assert response.status_code == 422
    assert own.get("/partner/").headers["Location"] == "/partner/terms"


def test_publishing_needs_text_and_a_change(client, db, login_as):
    login_as("manager")
    db.session.add(TermsVersion(kind="guidelines", version=1, title="G", body="Same"))
    db.session.commit()
    empty = client.post("/admin/terms/guidelines/publish", data={"title": "G", "body": ""})
    assert empty.status_code == 422 and 'id="body-error"' in empty.get_data(as_text=True)
    same = client.post("/admin/terms/guidelines/publish", data={"title": "G", "body": "Same"})
    assert same.status_code == 422 and "Nothing changed" in same.get_data(as_text=True)
    assert client.get("/admin/terms/other/publish").status_code == 404
    assert len(db.session.scalars(select(TermsVersion)).all()) == 1
