"""Per-process cache of the settings every conversion reads: the program's time zone and
two-tier share, fraud rule settings, the active webhook endpoints, and each offer's terms
with its commission rules.

These change a few times a month and are read hundreds of times a second, so each
worker keeps plain, immutable copies. Invalidation follows the link cache
(``link_cache.py``): any committed change to one of the watched models bumps a version
file on this host, and every worker checks it with one ``stat`` per request, so an admin's
edit is seen by the next conversion on this host; ``LINK_CACHE_SECONDS`` bounds how long a
worker trusts its copy when another host made the change. Inside a transaction that has
itself changed a watched model (not yet committed), reads bypass the cache, so a service
always sees its own edits.

Caps and partners are not cached: cap limits and partner status must be read fresh for
exactness.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from flask import current_app, g, has_app_context

from ..extensions import db
from ..models import CommissionRule, FraudRuleSetting, Offer, OfferWindow, PartnerGroup, Program, WebhookEndpoint
from .versioned_cache import VersionedCache

# What the cached settings are made of: a committed change to any of these bumps the
# version (``link_cache.py`` adds offers' links, partners and caps for the click path).
WATCHED = (Program, FraudRuleSetting, WebhookEndpoint, Offer, OfferWindow, CommissionRule,
           PartnerGroup)
_VERSION_SEEN = "pp_settings_version"
VERSION_RECHECK_SECONDS = 1.0
# Set on a session that flushed a change to a watched model and has not committed yet.
DIRTY_FLAG = "link_cache_dirty"


class SettingsCache(VersionedCache):
    """key → an immutable copy of some settings (see ``versioned_cache``)."""

    def get(self, key, loader: Callable[[], Any], version: int | None = None):
        """The cached value of ``key``, or ``loader()`` (kept unless it is None)."""
        return self.lookup(key, loader, keep_none=False, version=version)


def cached(key, loader: Callable[[], Any]):
    """``loader()`` through the app's settings cache; fresh when there is no app cache or
    the current transaction has uncommitted changes to watched models.

    The version file is read once per app context (a request: a conversion reads half a
    dozen settings), and again every VERSION_RECHECK_SECONDS in a long one (a job). A
    change committed by this worker empties its cache at once (``link_cache``), so only
    other workers' changes wait for the next request."""
    cache = current_app.extensions.get("pp_settings_cache") if has_app_context() else None
    if cache is None or _changing_settings(db.session()):
        return loader()
    now, seen = time.monotonic(), g.get(_VERSION_SEEN)
    if seen is None or now - seen[1] > VERSION_RECHECK_SECONDS:
        seen = (cache.current_version(), now)
        setattr(g, _VERSION_SEEN, seen)
    return cache.get(key, loader, seen[0])


def _changing_settings(session) -> bool:
    if session.info.get(DIRTY_FLAG):
        return True
    return any(isinstance(obj, WATCHED)
               for pending in (session.new, session.dirty, session.deleted) for obj in pending)
