"""/api/v1: JSON over HTTPS with `Authorization: Bearer <api key>`. No cookies, no CSRF.

Every operation is declared with ``operation(...)``: the scope it needs, its rate limit,
and the pydantic models of its query, body and responses. Those declarations validate each
request and response and are what ``/api/v1/openapi.json`` is generated from.

Errors are RFC 9457 problem documents (`application/problem+json`) and name the field
at fault in `field`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from ...extensions import csrf, db, limiter
from ...models.base import utcnow
from ...services import api_keys
from ...services.locking import begin_write
from ..units import unit_for
from .problems import problem

bp = Blueprint("api", __name__)
# Path ids are database integers: out of range they name nothing (404), never an error.
ID = "int(min=1, max=2147483647)"
csrf.exempt(bp)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _required_scope() -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "required_scope", None)


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None  # the description is public: it holds no data
    # A request that writes already is a write session (blueprints/units.py); a
    # ``@reads_first`` view records the key's use itself, once it has taken the lock.
    unit = unit_for(request.endpoint, request.method)
    reading = unit == "read"
    now = utcnow()
    key = api_keys.authenticate(bearer_token(), now=now, touch=unit == "write")
    if key is None:
        response = problem(401, "Unauthorized",
                           "Send a valid API key as 'Authorization: Bearer <key>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="partner-portal"'
        return response
    if reading and api_keys.needs_touch(key, now):
        # A read never commits, so its key's use (at most once a minute) is recorded in a
        # short write transaction of its own before the read begins.
        db.session.rollback()
        begin_write()
        key = api_keys.record_use(key, now=now)
        db.session.commit()
    g.api_key = key
    scope = _required_scope()
    if scope is not None and not api_keys.allows(key, scope):
        return problem(403, "Forbidden", f"This API key lacks the '{scope}' scope.",
                       required_scope=scope)
    return None


def _setting(kind: str) -> str:
    return "API_INGEST_RATE_LIMIT" if kind == "ingest" else "API_RATE_LIMIT"


def rate_limited(view, kind: str = "default"):
    """All of a key's calls share one limit; ``ingest`` routes (conversions, refunds)
    share a separate one, which is off unless configured: a refused conversion is a sale
    whose attribution depends on the shop retrying."""
    setting = _setting(kind)
    limited = limiter.shared_limit(lambda: current_app.config[setting] or "1 per second",
                                   scope=f"api-{kind}",
                                   exempt_when=lambda: not current_app.config[setting])(view)
    limited.rate_limit_kind = kind
    return limited


@limiter.request_filter
def _ingest_unlimited() -> bool:
    """While the ingest limit is off, conversions and refunds skip the limiter altogether
    (it would only find them exempt, at a cost on every conversion)."""
    if current_app.config.get("API_INGEST_RATE_LIMIT"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "rate_limit_kind", None) == "ingest"


from . import (  # noqa: E402,F401
    commissions,
    conversions,
    errors,
    links,
    offers,
    openapi,
    partners,
    statements,
    stats,
)
