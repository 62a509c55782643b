"""Partner sign-up at /apply."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.models import AuditEntry, Partner, TermsAcceptance, TermsVersion, User

GOOD = {
    "name": "Ada Lovelace", "email": "ada@analytical.example", "password": "engines-and-numbers",
    "confirm": "engines-and-numbers", "website": "https://analytical.example",
    "promotion_methods": ["content", "email"], "country": "GB",
    "payout_email": "pay@analytical.example", "accept_terms": "y",
}


def _counts(db):
    return (db.session.scalar(select(func.count()).select_from(Partner)),
            db.session.scalar(select(func.count()).select_from(User)))


def test_application_creates_an_applied_partner_and_emails_them(client, db, smtp_server):
    db.session.add(TermsVersion(kind="terms", version=3, title="Terms", body="Be honest."))
    db.session.commit()
    response = client.post("/apply", data=GOOD)
    assert response.status_code == 302 and response.headers["Location"] == "/apply/thanks"

    partner = db.session.scalar(select(Partner).where(Partner.email == "ada@analytical.example"))
    assert partner.status == "applied"
    assert partner.country == "GB" and partner.promotion_method_list == ["content", "email"]
    assert partner.payout_email == "pay@analytical.example"
    assert partner.user.role == "partner" and partner.user.password_hash.startswith("$argon2id$")
    accepted = db.session.scalars(select(TermsAcceptance).where(TermsAcceptance.partner_id == partner.id)).all()
    assert [a.terms_version.version for a in accepted] == [3]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == str(partner.id))) == "partner.applied"

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ada@analytical.example"
    assert "received your application" in message["Subject"]
    assert "Ada Lovelace" in message.get_body(preferencelist=("plain",)).get_content()


def test_the_new_partner_can_sign_in_and_sees_the_review_status(client, db):
    client.post("/apply", data=GOOD)
    response = client.post("/login", data={"email": GOOD["email"], "password": GOOD["password"]},
                           follow_redirects=True)
    assert "Your application is under review" in response.get_data(as_text=True)


def test_duplicate_email_is_a_clear_error_and_changes_nothing(client, db, make_user):
    make_user("partner", email="ada@analytical.example")
    before = _counts(db)
    response = client.post("/apply", data={**GOOD, "email": "ADA@analytical.example"})
    assert response.status_code == 422
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert _counts(db) == before


@pytest.mark.parametrize("field, value, message", [
    ("accept_terms", "", "You must accept the program terms"),
    ("country", "XX", "Not a valid choice"),
    ("email", "not-an-email", "Enter a valid email address"),
    ("password", "short", "at least 10 characters"),
    ("website", "ftp://files.example", "Enter a web address"),
    ("promotion_methods", [], "Choose at least one way"),
    ("name", "", "This field is required"),
])
def test_bad_input_names_the_field_and_changes_nothing(client, db, field, value, message):
    data = {**GOOD, field: value}
    if field == "password":
        data["confirm"] = value
    if value == "" and field == "accept_terms":
        data.pop("accept_terms")
    before = _counts(db)
    response = client.post("/apply", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html
    assert _counts(db) == before


def test_apply_page_shows_the_current_terms(client, db):
    db.session.add_all([TermsVersion(kind="terms", version=1, title="Old terms", body="old"),
                        TermsVersion(kind="terms", version=2, title="Program terms", body="Current text")])
    db.session.commit()
    html = client.get("/apply").get_data(as_text=True)
    assert "Current text" in html and "version 2" in html and "Old terms" not in html
