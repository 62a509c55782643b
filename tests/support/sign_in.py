"""Signing in through the real sign-in form: one way for test clients, one for browser
pages. Every user the tests make has ``DEFAULT_PASSWORD`` unless told otherwise."""

from __future__ import annotations

import re

DEFAULT_PASSWORD = "correct-horse-battery"


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    """Post the sign-in form as it is (no CSRF token); the response, whatever it is."""
    return client.post("/login", data={"email": email, "password": password, **extra})


def client_signed_in(app, email: str, password: str = DEFAULT_PASSWORD):
    """A new test client of ``app`` that has posted the sign-in form."""
    client = app.test_client()
    login(client, email, password)
    return client


def sign_in(client, email: str, password: str = DEFAULT_PASSWORD):
    """Sign ``client`` in, with the form's CSRF token when the form carries one; the
    sign-in must succeed (a redirect)."""
    page = client.get("/login").get_data(as_text=True)
    data = {"email": email, "password": password}
    if 'name="csrf_token"' in page:
        data["csrf_token"] = csrf_token_from(page)
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def sign_in_page(page, email: str, password: str = DEFAULT_PASSWORD, *,
                 lands_on: str | None = None) -> None:
    """Sign in in a browser ``page``, and wait to land on ``lands_on`` (a URL pattern)."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if lands_on:
        page.wait_for_url(lands_on)
