"""Who can reach what: a sweep over the URL map, so new routes are covered automatically."""

from __future__ import annotations

import pytest


def _concrete(rule) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<{arg}>", "1")
        for conv in ("int", "string", "path", "uuid"):
            url = url.replace(f"<{conv}:{arg}>", "1")
    return url


def _rules(app, prefix):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(prefix)]


def test_a_partner_never_reaches_an_admin_page(app, client, login_as):
    login_as("partner")
    rules = _rules(app, "/admin")
    assert rules, "the admin blueprint has routes"
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_concrete(rule), method=method)
            assert response.status_code == 404, f"{method} {rule.rule} -> {response.status_code}"


def test_anonymous_visitors_are_sent_to_sign_in_from_every_private_page(app, client, db):
    for prefix in ("/admin", "/partner"):
        for rule in _rules(app, prefix):
            if "GET" not in rule.methods:
                continue
            response = client.get(_concrete(rule))
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].startswith("/login"), rule.rule


def test_staff_do_not_use_partner_pages(app, client, login_as):
    login_as("manager")
    for rule in _rules(app, "/partner"):
        if "GET" in rule.methods:
            assert client.get(_concrete(rule)).status_code == 404, rule.rule


@pytest.mark.parametrize("role", ["analyst"])
def test_read_only_staff_cannot_change_anything(app, client, login_as, role):
    """Every state-changing admin route refuses the analyst (own account pages aside)."""
    login_as(role)
    own_account = {"admin.account", "admin.two_factor_setup", "admin.two_factor_disable"}
    for rule in _rules(app, "/admin"):
        if rule.endpoint in own_account:
            continue
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            response = client.open(_concrete(rule), method=method)
            assert response.status_code == 403, f"{method} {rule.rule} -> {response.status_code}"


def test_unapproved_partner_is_kept_to_the_status_page(app, client, login_as):
    """Only the status page and their own account pages (password, email, two-factor)."""
    from partner_portal.blueprints.partner import ACCOUNT_PAGES

    login_as("partner", status="applied")
    for rule in _rules(app, "/partner"):
        if "GET" not in rule.methods or rule.endpoint == "partner.home" \
                or rule.endpoint in ACCOUNT_PAGES:
            continue
        response = client.get(_concrete(rule))
        assert response.status_code in (302, 404), rule.rule
