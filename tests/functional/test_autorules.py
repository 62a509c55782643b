"""Automatic decision rules: each kind, how they run on a new application, the audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, AutoDecisionRule, Partner, PartnerRisk
from partner_portal.models.base import utcnow
from partner_portal.services import audit, autorules
from partner_portal.services.errors import ValidationError
from partner_portal.services.program import get_program

from ..factories import GroupFactory, PartnerFactory

SYSTEM = audit.Actor.system("test")


def application(email="ann@annsblog.example", **overrides):
    return {"name": "Ann Applicant", "email": email, "password": "a-long-password",
            "confirm": "a-long-password", "website": "https://annsblog.example",
            "promotion_methods": ["content"], "country": "US", "payout_email": "",
            "accept_terms": "y", **overrides}


def apply(client, db, **overrides):
    response = client.post("/apply", data=application(**overrides),
                           environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    return db.session.scalar(select(Partner).where(Partner.name == "Ann Applicant"))


# kind, raw settings, a partner/risk that matches, one that does not
RISK = lambda score, codes=(), ids=(): PartnerRisk(  # noqa: E731
    score=score, level="low", signals=[{"code": c, "title": c, "weight": 10, "evidence": ["e"],
                                        "partner_ids": list(ids)} for c in codes])
KIND_CASES = [
    ("approve_low_risk", {"max_score": "10"},
     (dict(country="US"), RISK(10)), (dict(country="US"), RISK(11))),
    ("approve_low_risk", {"max_score": "10"},
     (dict(country="US"), RISK(0)), (dict(country="KP"), RISK(0))),
    ("reject_email_domain", {"domains": "spam.example, @junk.example"},
     (dict(email="a@mail.junk.example"), RISK(0)), (dict(email="a@notjunk.example"), RISK(0))),
    ("reject_email_domain", {"domains": "spam.example"},
     (dict(payout_email="pay@spam.example"), RISK(0)), (dict(payout_email="pay@ok.example"), RISK(0))),
    ("reject_signal", {"signals": ["disposable_email"]},
     ({}, RISK(40, ["disposable_email"])), ({}, RISK(40, ["no_web_presence"]))),
    ("reject_high_risk", {"min_score": "50"}, ({}, RISK(50)), ({}, RISK(49))),
]


@pytest.mark.parametrize("kind, raw, hit, miss", KIND_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KIND_CASES)])
def test_rule_kinds_match_and_explain(db, kind, raw, hit, miss):
    get_program().denied_countries = "KP"
    rule_kind = autorules.KINDS[kind]
    params = rule_kind.clean(raw)
    partner, risk = PartnerFactory(status="applied", **hit[0]), hit[1]
    assert rule_kind.explain(partner, risk, get_program(), params)
    partner, risk = PartnerFactory(status="applied", **miss[0]), miss[1]
    assert rule_kind.explain(partner, risk, get_program(), params) is None
    assert rule_kind.describe(params)


def test_reject_signal_can_be_limited_to_banned_partners(db):
    banned = PartnerFactory(status="banned")
    active = PartnerFactory(status="approved")
    kind = autorules.KINDS["reject_signal"]
    params = kind.clean({"signals": ["same_payout_account"], "banned_only": True})
    partner = PartnerFactory(status="applied")
    assert kind.explain(partner, RISK(30, ["same_payout_account"], [banned.id]), get_program(), params)
    assert kind.explain(partner, RISK(30, ["same_payout_account"], [active.id]), get_program(), params) is None


@pytest.mark.parametrize("kind, raw, field", [
    ("approve_low_risk", {"max_score": "101"}, "max_score"),
    ("approve_low_risk", {"max_score": "low"}, "max_score"),
    ("reject_email_domain", {"domains": ""}, "domains"),
    ("reject_email_domain", {"domains": "not a domain"}, "domains"),
    ("reject_signal", {"signals": []}, "signals"),
    ("reject_signal", {"signals": ["made_up"]}, "signals"),
    ("reject_high_risk", {"min_score": "-1"}, "min_score"),
])
def test_bad_settings_name_the_field(db, kind, raw, field):
    with pytest.raises(ValidationError) as err:
        autorules.create_rule("Rule", kind, raw, SYSTEM, now=utcnow())
    assert err.value.field == field
    assert db.session.scalar(select(AutoDecisionRule.id)) is None


def test_low_risk_application_is_approved_automatically_and_audited(client, db, smtp_server):
    group = GroupFactory(name="Starters")
    autorules.create_rule("Approve clean", "approve_low_risk", {"max_score": "0"}, SYSTEM,
                          now=utcnow(), group_id=group.id, message="Welcome aboard!")
    partner = apply(client, db)
    assert partner.status == "approved" and partner.group_id == group.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.approve"))
    assert entry.actor_label == "automatic rule: Approve clean" and entry.actor_id is None
    assert entry.before["status"] == "applied" and entry.after["status"] == "approved"
    assert "risk score 0" in entry.note
    subjects = [m["Subject"] for m in smtp_server.wait_for(2)]
    assert any("received your application" in s for s in subjects)
    assert any("approved" in s for s in subjects)


def test_banned_email_domain_is_rejected_automatically(client, db, smtp_server):
    autorules.create_rule("No junk", "reject_email_domain", {"domains": "junkmail.example"}, SYSTEM,
                          now=utcnow(), message="Please apply with your own domain.")
    partner = apply(client, db, email="ann@junkmail.example")
    assert partner.status == "rejected"
    assert "junkmail.example" in partner.status_reason
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.reject"))
    assert entry.actor_label == "automatic rule: No junk"
    rejected = [m for m in smtp_server.wait_for(2) if "received" not in m["Subject"]]
    assert "Please apply with your own domain." in rejected[0].get_body(("plain",)).get_content()


def test_reject_rule_wins_over_approve_rule(client, db):
    GroupFactory(name="Standard", is_default=True)
    autorules.create_rule("Approve all", "approve_low_risk", {"max_score": "100"}, SYSTEM, now=utcnow())
    autorules.create_rule("No disposable", "reject_signal", {"signals": ["disposable_email"]}, SYSTEM,
                          now=utcnow())
    assert apply(client, db, email="ann@mailinator.com").status == "rejected"


def test_denied_country_is_never_auto_approved(client, db):
    GroupFactory(name="Standard", is_default=True)
    get_program().denied_countries = "US"
    autorules.create_rule("Approve all", "approve_low_risk", {"max_score": "100"}, SYSTEM, now=utcnow())
    assert apply(client, db).status == "applied"


def test_disabled_rule_does_nothing_and_no_rule_leaves_it_for_a_person(client, db):
    GroupFactory(name="Standard", is_default=True)
    rule = autorules.create_rule("Approve all", "approve_low_risk", {"max_score": "100"}, SYSTEM,
                                 now=utcnow())
    autorules.set_enabled(rule.id, False, SYSTEM, now=utcnow())
    assert apply(client, db).status == "applied"


def test_approve_rule_needs_a_group(db):
    from sqlalchemy import delete

    from partner_portal.models import PartnerGroup

    db.session.execute(delete(PartnerGroup))  # not even the default group a new program has
    with pytest.raises(ValidationError) as err:
        autorules.create_rule("Approve all", "approve_low_risk", {"max_score": "100"}, SYSTEM,
                              now=utcnow())
    assert err.value.field == "group_id"


def test_approve_rule_whose_group_is_gone_leaves_the_application_and_says_why(client, db):
    from sqlalchemy import delete

    from partner_portal.models import PartnerGroup

    group = GroupFactory(name="Temporary")
    autorules.create_rule("Approve all", "approve_low_risk", {"max_score": "100"}, SYSTEM,
                          now=utcnow(), group_id=group.id)
    db.session.execute(delete(PartnerGroup))
    db.session.commit()
    partner = apply(client, db)
    assert partner.status == "applied"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auto_rule.failed"))
    assert "Choose a group" in entry.note


def test_manager_configures_rules_and_countries_in_the_screening_page(client, db, login_as):
    login_as("manager")
    response = client.post("/admin/screening/rules", data={
        "name": "High risk out", "kind": "reject_high_risk", "min_score": "60", "max_score": "0",
        "message": ""}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Rule “High risk out” added" in html and "Reject when the risk score is 60 or more" in html
    bad = client.post("/admin/screening/rules", data={"name": "Junk", "kind": "reject_email_domain",
                                                      "domains": ""})
    assert bad.status_code == 422 and 'id="domains-error"' in bad.get_data(as_text=True)
    rule = db.session.scalar(select(AutoDecisionRule))
    client.post(f"/admin/screening/rules/{rule.id}/disable")
    db.session.refresh(rule)
    assert rule.enabled is False
    client.post(f"/admin/screening/rules/{rule.id}/delete")
    assert db.session.scalar(select(AutoDecisionRule.id)) is None
    assert client.post("/admin/screening/countries", data={"denied_countries": "ir, kp"}).status_code == 302
    db.session.expire_all()
    assert get_program().denied_country_list == ["IR", "KP"]
    bad = client.post("/admin/screening/countries", data={"denied_countries": "XX"})
    assert bad.status_code == 422 and "Not a country code: XX" in bad.get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"auto_rule.create", "auto_rule.disable", "auto_rule.delete",
            "program.denied_countries"} <= actions
