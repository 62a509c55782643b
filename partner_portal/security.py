"""Security headers on every response, and no cookie session where none is needed.

The headers are computed once at start-up and copied onto each response (the click
path is measured against a bare Flask app, so per-request work here counts). A view may
set its own value for any of them first; it is kept.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Requests under these prefixes never read or write the cookie session: the click path,
# postbacks and the bearer-token API have no use for it, and static files and health
# checks neither.
SESSIONLESS_PREFIXES = ("/r/", "/postback", "/api/", "/static/", "/healthz")


def header_values(secure: bool) -> tuple[tuple[str, str], ...]:
    headers = [
        ("Content-Security-Policy", "; ".join(f"{k} {v}" for k, v in CSP.items())),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return tuple(headers)


class PortalSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None  # Flask substitutes a read-only null session; nothing is saved
        return super().open_session(app, request)


def register(app: Flask) -> None:
    headers = header_values(bool(app.config["SESSION_COOKIE_SECURE"]))
    app.session_interface = PortalSessionInterface()

    lowered = tuple((name.lower(), name, value) for name, value in headers)

    @app.after_request
    def set_security_headers(response):
        present = {name.lower() for name in response.headers.keys()}
        for low, name, value in lowered:
            if low not in present:
                response.headers.add(name, value)
        return response
