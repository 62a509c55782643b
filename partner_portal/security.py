"""Security headers on every response, no cookie session where none is needed, and only
the portal's own host names.

The headers are computed once at start-up and copied onto each response (the click
path is measured against a bare Flask app, so per-request work here counts). A view may
set its own value for any of them first; it is kept.

Host names: with ``TRUSTED_HOSTS`` set (production with ``BASE_URL``, see config.py), a
request whose ``Host`` is not one of them gets a plain 400 before anything reads it.
Links never depend on the Host (``public_urls``); the check keeps the portal from answering
as somebody else's site (DNS rebinding, cache poisoning). Two exceptions, on purpose:

- the health check, ``/healthz``: load balancers probe it by address, with their own Host,
  and it says nothing but "ok";
- the click path, ``/r/<code>`` (a WSGI layer in front of Flask, ``clickpath.py``): a live
  link answers whatever the Host, because it builds nothing from it (the redirect goes to
  the offer's own site) and a click lost to a renamed or aliased domain is money lost. A
  dead link falls through to Flask and gets the 400 like any other page.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import RequestEntityTooLarge, SecurityError
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

# Answered whatever the request's Host (see above).
ANY_HOST_PATHS = frozenset({"/healthz"})

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


class LimitedBody(LimitedStream):
    """A chunked body (no Content-Length) read up to MAX_CONTENT_LENGTH. Werkzeug's stream
    for this raises 413 when read again past the limit, but reading it whole (as form and
    JSON bodies are read) stops at the limit without a word, and the request would go on
    with its body cut short. Here a body longer than the limit is a 413 however it is read."""

    def __init__(self, stream, limit: int):
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._source.read(1):
            raise RequestEntityTooLarge()
        return data


class PortalRequest(Request):
    """Flask checks ``trusted_hosts`` (set from TRUSTED_HOSTS) when it routes a request;
    the health check is let through whatever its Host. Every body is limited to
    MAX_CONTENT_LENGTH, chunked ones too (``LimitedBody``)."""

    _trusted_hosts: list[str] | None = None

    def __init__(self, environ, *args, **kwargs) -> None:
        # Host names are case-insensitive; Werkzeug's trusted-host check compares exactly.
        host = environ.get("HTTP_HOST")
        if host and not host.islower():
            environ["HTTP_HOST"] = host.lower()
        super().__init__(environ, *args, **kwargs)

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if (limit is not None and self.content_length is None and not self.shallow
                and "wsgi.input_terminated" in self.environ):
            return LimitedBody(self.environ["wsgi.input"], limit)
        return super().stream

    @property
    def trusted_hosts(self) -> list[str] | None:  # type: ignore[override]
        return None if self.path in ANY_HOST_PATHS else self._trusted_hosts

    @trusted_hosts.setter
    def trusted_hosts(self, value: list[str] | None) -> None:
        self._trusted_hosts = value


def _refuse_foreign_host():
    """The first before-request step: for a host name that is not ours, none of the others
    runs (the CSRF check reading the form, throttling, anything touching the database)."""
    from flask import request

    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _foreign_host(_exc):
    # Plain text: the page templates build URLs, which cannot be done for a refused host.
    return "Unknown host name.\n", 400, {"Content-Type": "text/plain; charset=utf-8",
                                         "Cache-Control": "no-store"}


def register(app: Flask) -> None:
    headers = header_values(bool(app.config["SESSION_COOKIE_SECURE"]))
    app.session_interface = PortalSessionInterface()
    app.request_class = PortalRequest
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_foreign_host)
    app.register_error_handler(SecurityError, _foreign_host)

    lowered = tuple((name.lower(), name, value) for name, value in headers)

    @app.after_request
    def set_security_headers(response):
        present = {name.lower() for name in response.headers.keys()}
        for low, name, value in lowered:
            if low not in present:
                response.headers.add(name, value)
        return response
