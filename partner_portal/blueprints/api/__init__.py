"""/api/v1: JSON over HTTPS with `Authorization: Bearer <api key>`. No cookies, no CSRF.

Errors are RFC 9457 problem documents (`application/problem+json`) and name the field
at fault in `field`.
"""

from __future__ import annotations

from flask import Blueprint, g, request

from ...extensions import csrf
from ...models.base import utcnow
from ...services import api_keys
from ...services.locking import begin_write
from .problems import problem

bp = Blueprint("api", __name__)
csrf.exempt(bp)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@bp.before_request
def authenticate():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # A request that writes is one write transaction from its first query (SQLite:
        # BEGIN IMMEDIATE; the key lookup below is that first query).
        begin_write()
    key = api_keys.authenticate(bearer_token(), now=utcnow())
    if key is None:
        response = problem(401, "Unauthorized",
                           "Send a valid API key as 'Authorization: Bearer <key>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="partner-portal"'
        return response
    g.api_key = key
    return None


from . import conversions, errors, statements  # noqa: E402,F401
