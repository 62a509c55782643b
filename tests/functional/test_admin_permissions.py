"""Every admin route against every staff role: allowed or refused (403) exactly as the
route's declared permission says. Walks the URL map, so new routes are covered."""

from __future__ import annotations

import pytest

from partner_portal.blueprints.admin import required_permission
from partner_portal.models.accounts import STAFF_ROLES
from partner_portal.services.permissions import MANAGE, STAFF, VIEW, can

from ..factories import GroupFactory, PartnerFactory


def _concrete(rule) -> str:
    """A URL for the rule, with 1 for every variable part."""
    return rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]


def _admin_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/admin"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_the_sweep_covers_the_vetting_routes(app):
    endpoints = {rule.endpoint for rule, _ in _admin_routes(app)}
    assert {"admin.partners", "admin.partner_decision", "admin.partners_bulk", "admin.staff_index",
            "admin.staff_invite", "admin.audit_index", "admin.audit_csv", "admin.terms_publish",
            "admin.groups_index", "admin.screening_rule_create"} <= endpoints


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_reaches_exactly_what_its_permissions_allow(app, client, db, login_as, role):
    login_as(role)
    GroupFactory(id=1, name="Standard", is_default=True)
    PartnerFactory(id=1, status="applied")
    db.session.commit()
    checked = 0
    for rule, method in _admin_routes(app):
        with app.test_request_context():
            permission = required_permission(rule.endpoint, method)
        response = client.open(_concrete(rule), method=method)
        where = f"{role} {method} {rule.rule} ({permission}) -> {response.status_code}"
        if can(role, permission):
            assert response.status_code not in (403, 500), where
        else:
            assert response.status_code == 403, where
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("endpoint, method, permission", [
    ("admin.partners", "GET", VIEW),
    ("admin.partner_decision", "POST", MANAGE),
    ("admin.partners_bulk", "POST", MANAGE),
    ("admin.partner_note", "POST", MANAGE),
    ("admin.groups_index", "POST", MANAGE),
    ("admin.terms_publish", "POST", MANAGE),
    ("admin.screening_rule_create", "POST", MANAGE),
    ("admin.staff_index", "GET", STAFF),
    ("admin.staff_invite", "POST", STAFF),
    ("admin.staff_change", "POST", STAFF),
    ("admin.audit_index", "GET", VIEW),
    ("admin.audit_csv", "GET", VIEW),
])
def test_declared_permissions(app, endpoint, method, permission):
    with app.test_request_context():
        assert required_permission(endpoint, method) == permission


@pytest.mark.parametrize("role, sees_staff, sees_decisions", [
    ("owner", True, True), ("manager", False, True), ("finance", False, False),
    ("analyst", False, False)])
def test_pages_show_each_role_only_what_it_may_do(client, db, login_as, role, sees_staff,
                                                  sees_decisions):
    login_as(role)
    partner = PartnerFactory(status="applied")
    db.session.commit()
    home = client.get("/admin/").get_data(as_text=True)
    assert ('href="/admin/staff"' in home) is sees_staff
    page = client.get(f"/admin/partners/{partner.id}").get_data(as_text=True)
    assert ("Approve " + partner.name in page) is sees_decisions
    assert ("Add note" in page) is sees_decisions

