"""API keys: shown once, hashed at rest, revocable; the API refuses anything else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.models import ApiKey, AuditEntry


def create_key(app, name="Shop") -> str:
    result = app.test_cli_runner().invoke(args=["api-keys", "create", name])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def test_cli_prints_the_key_once_and_stores_only_its_hash(app, db):
    plain = create_key(app)
    assert plain.startswith("pp_") and len(plain) > 40
    key = db.session.scalar(select(ApiKey))
    assert plain not in (key.key_hash, key.prefix) and key.prefix == plain[:10]
    listing = app.test_cli_runner().invoke(args=["api-keys", "list"]).output
    assert plain not in listing and key.prefix in listing


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic cHA6eA==", "Bearer pp_wrong"])
def test_missing_or_bad_keys_get_401_problem(client, app, db, header):
    create_key(app)
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/conversions", json={}, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_refused_at_once(client, app, db):
    plain = create_key(app)
    key_id = db.session.scalar(select(ApiKey.id))
    auth = {"Authorization": f"Bearer {plain}"}
    assert client.post("/api/v1/conversions", json={}, headers=auth).status_code != 401
    assert app.test_cli_runner().invoke(args=["api-keys", "revoke", str(key_id)]).exit_code == 0
    assert client.post("/api/v1/conversions", json={}, headers=auth).status_code == 401


def test_last_used_time_is_recorded(client, app, db):
    plain = create_key(app)
    client.post("/api/v1/conversions", json={}, headers={"Authorization": f"Bearer {plain}"})
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey)).last_used_at is not None


def test_admin_page_creates_shows_once_and_revokes(client, login_as, db):
    login_as("manager")
    page = client.post("/admin/api-keys", data={"name": "CRM sync"})
    html = page.get_data(as_text=True)
    key = db.session.scalar(select(ApiKey))
    assert page.status_code == 200 and "shown only this once" in html
    import re

    plain = re.search(r'id="new-key">([^<]+)<', html).group(1)
    assert plain.startswith(key.prefix)
    again = client.get("/admin/api-keys").get_data(as_text=True)
    assert plain not in again and key.prefix in again
    assert client.post(f"/admin/api-keys/{key.id}/revoke").status_code == 302
    db.session.refresh(key)
    assert key.revoked_at is not None
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"api_key.create", "api_key.revoke"} <= actions


def test_analyst_can_see_but_not_create_keys(client, login_as, db):
    login_as("analyst")
    assert client.get("/admin/api-keys").status_code == 200
    assert client.post("/admin/api-keys", data={"name": "x"}).status_code == 403


def test_admin_creates_a_key_with_scopes_that_the_api_enforces(client, login_as, db):
    login_as("owner")
    page = client.post("/admin/api-keys", data={
        "name": "Checkout", "scopes": ["conversions:write"]}).get_data(as_text=True)
    plain = page.split('id="new-key">')[1].split("<")[0]
    key = db.session.scalar(select(ApiKey))
    assert key.scopes == "conversions:write"
    listing = client.get("/admin/api-keys").get_data(as_text=True)
    assert "<code>conversions:write</code>" in listing
    auth = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/partners", headers=auth).status_code == 403
    assert client.post("/api/v1/conversions", json={}, headers=auth).status_code == 422
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_key.create"))
    assert entry.after["scopes"] == "conversions:write"


def test_a_read_records_the_keys_use_too(client, app, db):
    plain = create_key(app)
    assert client.get("/api/v1/statements", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey)).last_used_at is not None
