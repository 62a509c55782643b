"""Every redirect a visitor received has its click recorded, even when the worker that
served it is killed (SIGKILL) mid-stream. Runs the app under real gunicorn workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from partner_portal.models import Click
from partner_portal.services import clicks
from partner_portal.services.click_spool import ClickSpool

from ..conftest import free_port
from ..factories import LinkFactory, OfferFactory, PartnerFactory

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_no_click_is_lost_when_a_worker_is_killed(app, db, tmp_path):
    LinkFactory(code="durable", offer=OfferFactory(), partner=PartnerFactory())
    db.session.commit()
    spool_dir = tmp_path / "spool"
    port = free_port()
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "INSTANCE_DIR": str(tmp_path), "CLICK_SPOOL_DIR": str(spool_dir),
           "CLICK_DRAIN_INTERVAL": "0", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--graceful-timeout", "1", "partner_portal:create_app('testing')"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    opener = urllib.request.build_opener(NoRedirect)
    url = f"http://127.0.0.1:{port}/r/durable"
    try:
        for _ in range(100):
            try:
                opener.open(url, timeout=2)
            except urllib.error.HTTPError as exc:
                if exc.code == 302:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + server.stderr.read1().decode(errors="replace"))

        received: list[str] = []
        stop = threading.Event()

        def visitor():
            while not stop.is_set():
                try:
                    opener.open(url, timeout=2)
                except urllib.error.HTTPError as exc:
                    if exc.code == 302:
                        token = parse_qs(urlsplit(exc.headers["Location"]).query)["click_id"][0]
                        received.append(token)
                except OSError:
                    pass  # the worker died under this request: no redirect, no promise

        threads = [threading.Thread(target=visitor) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        os.killpg(server.pid, signal.SIGKILL)  # master and every worker, no goodbye
        stop.set()
        for t in threads:
            t.join()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()

    assert len(received) > 20, "the visitors should have been served for a while"
    spool = ClickSpool(spool_dir)
    spool.rotate()
    stored = 0
    for segment in spool.segments(settled_only=False):
        records, unreadable = spool.read(segment)
        assert unreadable == 0
        stored += clicks.ingest(records)
    db.session.commit()
    recorded = set(db.session.scalars(select(Click.token)))
    missing = set(received) - recorded
    assert not missing, f"{len(missing)} of {len(received)} served clicks were lost"
    assert stored >= len(received)
