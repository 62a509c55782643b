"""Security headers on every page, and cookies that scripts cannot read."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/login", "/apply", "/password/forgot", "/nowhere"])
def test_pages_carry_security_headers(client, path):
    response = client.get(path)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_signed_in_pages_carry_security_headers(client, login_as):
    login_as("owner")
    response = client.get("/admin/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_samesite(client, login_as):
    login_as("manager")
    cookie = client.get_cookie("pp_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_nul_bytes_in_input_are_refused_not_a_server_error(client, db):
    response = client.post("/login", data={"email": "a\x00@example.test", "password": "x" * 12})
    assert response.status_code == 400
    assert client.get("/apply?x=%00").status_code == 400
