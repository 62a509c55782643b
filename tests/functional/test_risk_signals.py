"""Each risk signal: a case that raises it and one that does not; score, level, storage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, PartnerRisk
from partner_portal.models.base import utcnow
from partner_portal.services import risk
from partner_portal.services.program import get_program
from partner_portal.services.risk.signals import REGISTRY

from ..factories import PartnerFactory

NOW = utcnow()


def applicant(**fields):
    base = dict(status="applied", email="new.person@newsite.example", website="https://newsite.example",
                payout_email="new.person@newsite.example", signup_ip="198.51.100.77", country="NL",
                created_at=NOW)
    return PartnerFactory(**{**base, **fields})


def raised(partner):
    return {s.code: s for s in risk.evaluate(partner, now=NOW)}


# (code, build a case that raises the signal, build a close case that does not)
CASES = {
    "same_email": (
        lambda: (PartnerFactory(email="other@x.example", payout_email="jane.doe@gmail.com"),
                 applicant(email="j.a.n.e.doe+aff@gmail.com", payout_email=None))[1],
        lambda: (PartnerFactory(email="other@x.example", payout_email="jane.roe@gmail.com"),
                 applicant(email="jane.doe@gmail.com", payout_email=None))[1],
    ),
    "same_payout_account": (
        lambda: (PartnerFactory(payout_email="cash@pay.example"),
                 applicant(payout_email="Cash@pay.example"))[1],
        lambda: (PartnerFactory(payout_email="cash@pay.example"),
                 applicant(payout_email="cash2@pay.example"))[1],
    ),
    "same_signup_ip": (
        lambda: (PartnerFactory(signup_ip="198.51.100.77", created_at=NOW - timedelta(days=40)),
                 applicant())[1],
        lambda: (PartnerFactory(signup_ip="127.0.0.1"),  # loopback says nothing
                 applicant(signup_ip="127.0.0.1"))[1],
    ),
    "same_website": (
        lambda: (PartnerFactory(website="https://blog.dealsite.example/"),
                 applicant(website="https://www.dealsite.example/shop"))[1],
        lambda: (PartnerFactory(website="https://dealsite.example/"),
                 applicant(website="https://dealsite2.example/"))[1],
    ),
    "disposable_email": (
        lambda: applicant(email="quick@mailinator.com"),
        lambda: applicant(email="quick@gmail.com"),
    ),
    "email_domain_unrelated": (
        lambda: applicant(email="ceo@othercorp.example", website="https://newsite.example"),
        lambda: applicant(email="me@gmail.com", website="https://newsite.example"),  # free mail is normal
    ),
    "denied_country": (
        lambda: (setattr(get_program(), "denied_countries", "KP IR"), applicant(country="IR"))[1],
        lambda: (setattr(get_program(), "denied_countries", "KP IR"), applicant(country="DE"))[1],
    ),
    "application_burst": (
        lambda: ([PartnerFactory(signup_ip="198.51.100.77", created_at=NOW - timedelta(hours=h))
                  for h in (1, 5)], applicant())[1],
        lambda: ([PartnerFactory(signup_ip="198.51.100.77", created_at=NOW - timedelta(hours=h))
                  for h in (1, 30)], applicant())[1],  # only one other inside 24 hours
    ),
    "no_web_presence": (
        lambda: applicant(website=None, social_profile=None),
        lambda: applicant(website=None, social_profile="https://instagram.com/someone"),
    ),
}


def test_every_registered_signal_has_cases():
    assert set(CASES) == set(REGISTRY)


@pytest.mark.parametrize("code", sorted(CASES))
def test_signal_raised_with_evidence(db, code):
    partner = CASES[code][0]()
    signals = raised(partner)
    assert code in signals, signals.keys()
    assert signals[code].evidence and all(signals[code].evidence)
    assert signals[code].weight > 0


@pytest.mark.parametrize("code", sorted(CASES))
def test_signal_not_raised_in_the_close_case(db, code):
    partner = CASES[code][1]()
    assert code not in raised(partner)


@pytest.mark.parametrize("code", ["same_email", "same_payout_account", "same_signup_ip", "same_website"])
def test_sharing_with_a_banned_partner_weighs_more(db, code):
    clean = raised(CASES[code][0]())[code]
    db.session.rollback()
    partner = CASES[code][0]()
    others = raised(partner)[code].partner_ids
    for other_id in others:
        from partner_portal.models import Partner

        db.session.get(Partner, other_id).status = "banned"
    banned = raised(partner)[code]
    assert banned.weight > clean.weight
    assert "(banned)" in " ".join(banned.evidence)


def test_a_platform_shared_by_many_partners_is_not_a_shared_website(db):
    for _ in range(6):
        PartnerFactory(website="https://youtube.com/@someone")
    assert "same_website" not in raised(applicant(website="https://www.youtube.com/@me"))


def test_score_level_and_storage(db):
    PartnerFactory(payout_email="cash@pay.example", status="banned")
    partner = applicant(email="x@mailinator.com", payout_email="cash@pay.example")
    row = risk.assess(partner, now=NOW)
    codes = [s["code"] for s in row.signals]
    assert codes[0] == "same_payout_account"  # heaviest first
    assert "disposable_email" in codes
    assert row.score == min(100, sum(s["weight"] for s in row.signals))
    assert row.level == "high"
    # Assessing again replaces the row rather than adding one.
    risk.assess(partner, now=NOW)
    assert len(db.session.scalars(select(PartnerRisk)).all()) == 1


@pytest.mark.parametrize("score, level", [(0, "low"), (19, "low"), (20, "medium"), (49, "medium"),
                                          (50, "high"), (100, "high")])
def test_levels(score, level):
    assert risk.level_for(score) == level


def test_application_is_scored_when_it_arrives(client, db):
    PartnerFactory(payout_email="fraud@pay.example", status="banned", name="Old Fraud")
    response = client.post("/apply", data={
        "name": "Ned New", "email": "ned@mailinator.com", "password": "a-long-password",
        "confirm": "a-long-password", "website": "https://ned.example",
        "promotion_methods": ["content"], "country": "US", "payout_email": "fraud@pay.example",
        "accept_terms": "y"})
    assert response.status_code == 302
    row = db.session.scalar(select(PartnerRisk))
    codes = {s["code"] for s in row.signals}
    assert {"disposable_email", "same_payout_account"} <= codes
    assert row.level == "high"


def test_check_again_button_recomputes_and_is_audited(client, db, login_as):
    login_as("manager")
    partner = applicant()
    risk.assess(partner, now=NOW)
    db.session.commit()
    PartnerFactory(signup_ip=partner.signup_ip, status="banned")
    response = client.post(f"/admin/partners/{partner.id}/risk", follow_redirects=True)
    assert "Risk checked again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "same_signup_ip" in {s["code"] for s in db.session.get(PartnerRisk, partner.id).signals}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.risk_recomputed"))
    assert entry.before["score"] == 0 and entry.after["score"] > 0
