"""A small background thread per web worker that drains the click spool every
``CLICK_DRAIN_INTERVAL`` seconds. A file lock lets one worker at a time do the work; a
worker killed mid-way leaves its segment for the next run. Started on the first click,
never at import or in ``create_app``."""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)
_started_in_pid: int | None = None
_lock = threading.Lock()


def ensure_drainer(app: Flask) -> None:
    global _started_in_pid
    interval = app.config["CLICK_DRAIN_INTERVAL"]
    if not interval or _started_in_pid == os.getpid():
        return
    with _lock:
        if _started_in_pid == os.getpid():
            return
        _started_in_pid = os.getpid()
        thread = threading.Thread(target=_run, args=(app, interval), name="click-drainer",
                                  daemon=True)
        thread.start()


def _run(app: Flask, interval: float) -> None:
    from ...extensions import db
    from ...jobs.clicks import drain

    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                drain()
                db.session.remove()
        except Exception:  # keep draining; the segment stays on disk
            log.exception("click drain failed")
