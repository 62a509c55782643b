"""Wiring the per-worker caches to commits: any committed change to an offer, a partner,
a tracking link or a cap (the link cache), or to the settings the conversion path caches
(``services/settings_cache.py``), invalidates every worker's caches on this host."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event

from .models import Offer, Partner, TrackingLink
from .models.caps import Cap
from .services.links import LinkCache
from .services.settings_cache import DIRTY_FLAG, WATCHED, SettingsCache

_WATCHED = (Offer, Partner, TrackingLink, Cap, *WATCHED)
_FLAG = DIRTY_FLAG


def _after_flush(session, flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            session.info[_FLAG] = True
            return


def _after_commit(session) -> None:
    if session.info.pop(_FLAG, False) and has_app_context():
        cache = current_app.extensions.get("pp_link_cache")
        if cache is not None:
            cache.bump()
        settings = current_app.extensions.get("pp_settings_cache")
        if settings is not None:
            settings.clear()  # this worker at once, even within the file's time resolution


def _after_rollback(session) -> None:
    session.info.pop(_FLAG, None)


def init_app(app: Flask, session_factory) -> None:
    from pathlib import Path

    version_file = Path(app.config["CLICK_SPOOL_DIR"]).parent / "link-cache.version"
    app.extensions["pp_link_cache"] = LinkCache(version_file, app.config["LINK_CACHE_SECONDS"])
    app.extensions["pp_settings_cache"] = SettingsCache(version_file,
                                                        app.config["LINK_CACHE_SECONDS"])
    if not event.contains(session_factory, "after_flush", _after_flush):
        event.listen(session_factory, "after_flush", _after_flush)
        event.listen(session_factory, "after_commit", _after_commit)
        event.listen(session_factory, "after_rollback", _after_rollback)


def link_cache() -> LinkCache:
    return current_app.extensions["pp_link_cache"]
