"""Draining the click spool into the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app

from ..extensions import db
from ..models.base import utcnow
from ..services import clicks
from ..services.click_spool import ClickSpool

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    segments: int = 0
    read: int = 0
    stored: int = 0
    unreadable: int = 0
    busy: bool = False
    linked: int = 0  # conversions that were waiting for one of these clicks


def spool_for(app: Flask) -> ClickSpool:
    return ClickSpool(app.config["CLICK_SPOOL_DIR"])


def drain(*, wait_for_settle: bool = False) -> DrainResult:
    """Load every settled spool segment; commit per segment, then delete it. Then link the
    conversions that were reported before their click to it, and screen them."""
    import time

    spool = spool_for(current_app)
    result = DrainResult()
    with spool.drain_lock() as acquired:
        if not acquired:
            result.busy = True
            return result
        spool.rotate()
        if wait_for_settle:
            time.sleep(0.6)
        for segment in spool.segments():
            records, bad = spool.read(segment)
            try:
                stored = clicks.ingest(records)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("could not load click segment %s; kept for the next run", segment)
                raise
            result.segments += 1
            result.read += len(records)
            result.stored += stored
            result.unreadable += bad
            spool.discard(segment, keep_as=f"unreadable-{segment.name}" if bad else None)
        if result.stored:
            try:
                result.linked = clicks.link_arrived_clicks(now=utcnow())
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("could not link conversions to their newly loaded clicks; "
                              "the next run tries again")
                raise
    return result
