"""Links that leave the portal: in emails, on pages to copy, in QR codes, in the API.

Every such link is built here, from ``BASE_URL`` (the portal's public address), never from
the request: a request sent with ``Host: evil.test`` or ``X-Forwarded-Host: evil.test``
must not be able to put that name into a password-reset email or a partner's tracking
link. Works without a request too (the scheduler, statement workers, the CLI); an
application context is enough.

``url_for`` stays right for links between the portal's own pages (relative paths).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def base_url() -> str:
    """The configured public address, without a trailing slash."""
    return current_app.config["BASE_URL"]


def _adapter() -> MapAdapter:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base = base_url()
    cached = app.extensions.get("pp_public_urls")
    if cached is not None and cached[0] == base:
        return cached[1]
    parts = urlsplit(base)
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                               url_scheme=parts.scheme)
    app.extensions["pp_public_urls"] = (base, adapter)
    return adapter


def public_url(endpoint: str, /, **values) -> str:
    """``BASE_URL`` + the path ``url_for(endpoint, **values)`` gives (values the route does
    not take become the query string, as with ``url_for``)."""
    current_app.inject_url_defaults(endpoint, values)
    return _adapter().build(endpoint, values, force_external=True)
