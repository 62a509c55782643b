"""With CSRF protection on (as in production): every form on the vetting pages carries a
token, and a decision without it is refused."""

from __future__ import annotations

import re

import pytest

from partner_portal.models import TermsVersion

from ..factories import GroupFactory, PartnerFactory
from ..support import csrf_token_from, sign_in


@pytest.fixture()
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_every_post_form_carries_a_token_and_decisions_need_it(client, db, make_user, csrf_on):
    owner = make_user("owner")
    GroupFactory(name="Standard", is_default=True)
    db.session.add(TermsVersion(kind="terms", version=1, title="T", body="Be honest."))
    partner = PartnerFactory(status="applied")
    db.session.commit()
    sign_in(client, owner.email)
    for path in ("/admin/partners", f"/admin/partners/{partner.id}", "/admin/groups",
                 "/admin/terms/terms/publish", "/admin/screening", "/admin/staff"):
        html = client.get(path).get_data(as_text=True)
        forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
        assert forms, path
        for form in forms:
            assert re.search(r'name="([a-z]+-)?csrf_token"', form), f"{path}: {form[:120]}"

    url = f"/admin/partners/{partner.id}/decision/reject"
    refused = client.post(url, data={"reject-reason": "Spam"})
    assert refused.status_code == 400
    db.session.refresh(partner)
    assert partner.status == "applied"
    token = csrf_token_from(client.get(f"/admin/partners/{partner.id}").get_data(as_text=True))
    done = client.post(url, data={"reject-reason": "Spam", "reject-csrf_token": token})
    assert done.status_code == 302
    db.session.refresh(partner)
    assert partner.status == "rejected"
