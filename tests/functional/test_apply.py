"""Partner sign-up at /apply."""

from __future__ import annotations

import re

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
    action = db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == str(partner.id)))
    assert action == "partner.applied"

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


def test_one_submission_with_five_bad_fields_shows_all_five_and_keeps_the_rest(client, db):
    before = _counts(db)
    bad = {**GOOD, "email": "not-an-email", "password": "short", "confirm": "short",
           "website": "ftp://files.example", "promotion_methods": [], "company": "Analytical Co"}
    bad.pop("accept_terms")
    response = client.post("/apply", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = re.findall(r'id="([a-z_]+)-error"', html)
    assert sorted(errors) == ["accept_terms", "email", "password", "promotion_methods", "website"]
    assert "Please correct the 5 fields marked below" in html
    for message in ("Enter a valid email address", "at least 10 characters", "Enter a web address",
                    "Choose at least one way", "You must accept the program terms"):
        assert message in html
    # What was typed stays (the bad values too, to correct them), except the passwords.
    for name, value in (("name", "Ada Lovelace"), ("email", "not-an-email"),
                        ("company", "Analytical Co"), ("website", "ftp://files.example"),
                        ("payout_email", "pay@analytical.example")):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{re.escape(value)}"', html), name
    assert re.search(r'<option selected value="GB">|<option value="GB" selected', html)
    assert "short" not in re.findall(r'<input[^>]*type="password"[^>]*>', html).__str__()
    assert _counts(db) == before


def test_the_form_errors_and_the_applications_errors_come_in_one_round(client, db):
    """The form's own checks (a missing name, passwords that differ) and the application's
    (a bad website, no promotion method) are reported together."""
    bad = {**GOOD, "name": "", "confirm": "something-else", "website": "not a site",
           "promotion_methods": []}
    html = client.post("/apply", data=bad).get_data(as_text=True)
    assert sorted(re.findall(r'id="([a-z_]+)-error"', html)) == [
        "confirm", "name", "promotion_methods", "website"]


def test_required_fields_are_marked_for_eyes_and_for_screen_readers(client, db):
    html = client.get("/apply").get_data(as_text=True)
    required = ("name", "email", "password", "confirm", "country", "accept_terms")
    for name in required:
        tag = re.search(rf'<(input|select)[^>]*id="{name}"[^>]*>', html).group(0)
        assert " required" in tag and 'aria-required="true"' in tag, tag
        assert re.search(rf'<label for="{name}">[^<]*</label>\s*'
                         r'<span class="required-mark" aria-hidden="true">required</span>', html), name
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", html, re.S).group(1)
    assert "How will you promote us?" in legend and "required" in legend
    for name in ("company", "website", "social_profile", "payout_email"):
        tag = re.search(rf'<input[^>]*id="{name}"[^>]*>', html).group(0)
        assert " required" not in tag and "aria-required" not in tag, tag
        assert not re.search(rf'<label for="{name}">[^<]*</label>\s*<span class="required-mark"', html)
