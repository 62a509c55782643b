"""The click path as a small WSGI layer in front of Flask.

A live link is answered here, before Flask builds a request context: one cached lookup,
a signed click id, one line appended to the click spool, a 302. Anything else (an
unknown or paused link, a malformed request) falls through to Flask, whose
``/r/<code>`` view renders the 404 page. Measured in ``bench/clicks.py``.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

from flask import Flask

from ...security import header_values
from ...services.links import SUB_KEYS, safe_destination, with_params
from .drainer import ensure_drainer

SEEN_COOKIE = "pp_seen"
CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
LIVE_PARTNER_STATUSES = ("approved", "suspended")
# Click ids that ad networks append when an ad sends visitors straight to the link.
PAID_CLICK_PARAMS = ("gclid", "gbraid", "wbraid", "dclid", "msclkid", "fbclid", "ttclid",
                     "twclid", "li_fat_id", "epik", "rdt_cid", "sccid", "yclid")


def _clean(values: list[str] | None, limit: int = 100) -> str | None:
    if not values:
        return None
    value = "".join(c for c in values[0] if c.isprintable())[:limit]
    return value or None


def _seen_link_ids(cookie_header: str) -> list[str]:
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SEEN_COOKIE:
            return [s for s in value.split(".") if s.isdigit()][-20:]
    return []


class ClickPath:
    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.cache = app.extensions["pp_link_cache"]
        self.codec = app.extensions["pp_click_codec"]
        self.spool = app.extensions["pp_click_spool"]
        self.cookie_name = app.config["ATTRIBUTION_COOKIE"]
        self.secure = "; Secure" if app.config["SESSION_COOKIE_SECURE"] else ""
        self.security_headers = list(header_values(bool(app.config["SESSION_COOKIE_SECURE"])))
        for i, (name, _value) in enumerate(self.security_headers):
            if name == "Referrer-Policy":  # the destination may see that the visit came via us
                self.security_headers[i] = (name, "no-referrer-when-downgrade")

    def _load(self, code: str):
        from ...extensions import db
        from ...services.links import load_target

        with self.app.app_context():
            try:
                return load_target(code)
            finally:
                db.session.remove()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/r/") or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        code = path[3:]
        query = environ.get("QUERY_STRING", "")
        if not CODE_RE.fullmatch(code) or "%00" in query or "\x00" in query:
            return self.wsgi_app(environ, start_response)
        target = self.cache.get(code, loader=self._load)
        if (target is None or not target.live
                or target.partner_status not in LIVE_PARTNER_STATUSES):
            return self.wsgi_app(environ, start_response)  # Flask renders the 404 page

        if target.partner_status == "suspended":
            # No attribution: the visitor still reaches the offer, nothing is recorded.
            return self._respond(start_response, target.destination_url, [])
        if target.has_click_caps and not self._within_caps(target):
            # A full cap with the fallback action: the visitor goes to the fallback URL.
            return self._respond(start_response, target.fallback_url or target.destination_url, [])

        args = parse_qs(query, keep_blank_values=False) if query else {}
        allowed = target.allowed_hosts
        url_arg = args.get("url")
        destination = (safe_destination(url_arg[0] if url_arg else None, allowed)
                       or safe_destination(target.deep_link_url, allowed)
                       or target.destination_url)
        subs = dict(zip(SUB_KEYS, target.subs))
        if args:
            for key in SUB_KEYS:
                value = _clean(args.get(key))
                if value:
                    subs[key] = value

        now = time.time()
        token = self.codec.encode(target.partner_id, target.offer_id, target.link_id,
                                  datetime.fromtimestamp(now, timezone.utc))
        seen = _seen_link_ids(environ.get("HTTP_COOKIE", ""))
        link_key = str(target.link_id)
        unique = link_key not in seen
        purpose = " ".join(environ.get(h, "") for h in PREFETCH_HEADERS).lower()
        record = {"t": token, "l": target.link_id, "p": target.partner_id,
                  "o": target.offer_id, "ts": now, "ip": environ.get("REMOTE_ADDR"),
                  "ua": environ.get("HTTP_USER_AGENT", "")[:500],
                  "ref": environ.get("HTTP_REFERER", "")[:2000], "u": unique,
                  "pf": "prefetch" in purpose or "preview" in purpose}
        record.update((k, v) for k, v in subs.items() if v)
        if args:
            paid = next((p for p in PAID_CLICK_PARAMS if p in args), None)
            if paid:
                record["ps"] = paid
        # Durable before we answer: a killed worker cannot lose a click it redirected.
        self.spool.append(record)
        ensure_drainer(self.app)

        # Both cookie values are our own (a signed base64url token; digits and dots).
        cookies = [f"{self.cookie_name}={token}; Max-Age={target.cookie_window_days * 86400}; "
                   f"Path=/; HttpOnly; SameSite=Lax{self.secure}"]
        if unique:
            seen.append(link_key)
            cookies.append(f"{SEEN_COOKIE}={'.'.join(seen[-20:])}; Max-Age=86400; Path=/; "
                           f"HttpOnly; SameSite=Lax{self.secure}")
        location = with_params(destination, {"click_id": token, **subs})
        return self._respond(start_response, location, cookies)

    def _within_caps(self, target) -> bool:
        """Checks (and counts, for click caps) exactly, in the database: only offers that
        have such caps pay for it."""
        from ...extensions import db
        from ...models.base import utcnow
        from ...services import caps
        from ...services.locking import begin_write

        with self.app.app_context():
            try:
                begin_write()
                now = utcnow()
                ok = (caps.click_allowed(target.offer_id, target.partner_id, target.group_id, now)
                      and caps.count_click(target.offer_id, target.partner_id, target.group_id, now))
                db.session.commit()
                return ok
            finally:
                db.session.remove()

    def _respond(self, start_response, location: str, cookies: list[str]):
        headers = [("Location", location), ("Content-Length", "0"),
                   ("Cache-Control", "no-store"), *self.security_headers]
        headers.extend(("Set-Cookie", c) for c in cookies)
        start_response("302 Found", headers)
        return [b""]
