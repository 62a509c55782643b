from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from flask import current_app, redirect, render_template, request

from ...link_cache import link_cache
from ...services.links import SUB_KEYS, safe_destination, with_params
from . import bp
from .drainer import ensure_drainer

SEEN_COOKIE = "pp_seen"
CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
PREFETCH_HEADERS = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")


def _clean(value: str | None, limit: int = 100) -> str | None:
    if not value:
        return None
    value = "".join(c for c in value if c.isprintable())[:limit]
    return value or None


def _not_found():
    return render_template("errors/link_not_found.html"), 404


@bp.route("/r/<code>")
def click(code: str):
    if not CODE_RE.fullmatch(code):
        return _not_found()
    target = link_cache().get(code)
    if target is None or not target.live or target.partner_status not in ("approved", "suspended"):
        return _not_found()
    if target.partner_status == "suspended":
        # No attribution: the visitor still reaches the offer.
        return redirect(target.destination_url, 302)

    allowed = target.allowed_hosts
    destination = (safe_destination(request.args.get("url"), allowed)
                   or safe_destination(target.deep_link_url, allowed)
                   or target.destination_url)
    subs = {k: _clean(request.args.get(k)) or target.subs[i] for i, k in enumerate(SUB_KEYS)}

    app = current_app
    now = time.time()
    token = app.extensions["pp_click_codec"].encode(target.partner_id, target.offer_id, target.link_id,
                                         datetime.fromtimestamp(now, timezone.utc))
    seen = request.cookies.get(SEEN_COOKIE, "")
    seen_ids = [s for s in seen.split(".") if s.isdigit()][-20:]
    unique = str(target.link_id) not in seen_ids
    prefetch = any("prefetch" in request.headers.get(h, "").lower() or
                   "preview" in request.headers.get(h, "").lower() for h in PREFETCH_HEADERS)
    app.extensions["pp_click_spool"].append({
        "t": token, "l": target.link_id, "p": target.partner_id, "o": target.offer_id,
        "ts": now, "ip": request.remote_addr, "ua": request.headers.get("User-Agent", "")[:500],
        "ref": request.headers.get("Referer", "")[:2000], "u": unique, "pf": prefetch,
        **{k: v for k, v in subs.items() if v},
    })
    ensure_drainer(app)

    response = redirect(with_params(destination, {"click_id": token, **subs}), 302)
    max_age = target.cookie_window_days * 86400
    secure = app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(app.config["ATTRIBUTION_COOKIE"], token, max_age=max_age, httponly=True,
                        samesite="Lax", secure=secure)
    if unique:
        seen_ids.append(str(target.link_id))
        response.set_cookie(SEEN_COOKIE, ".".join(seen_ids[-20:]), max_age=86400, httponly=True,
                            samesite="Lax", secure=secure)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer-when-downgrade"
    return response
