"""Webhook receivers for tests: real HTTP servers on loopback addresses.

Outgoing requests reach public addresses only, so a test that delivers runs its receiver
on 127.0.0.2 and allows that one address (``allow``); 127.0.0.1 stays refused and serves
as "a service inside the network" that nothing may reach.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from partner_portal.jobs.webhooks import deliver_due

RECEIVER_HOST = "127.0.0.2"
ALLOWED = [f"{RECEIVER_HOST}/32"]


class Receiver:
    """Counts what it receives; answers ``status`` (and ``headers``, ``body``)."""

    def __init__(self, host: str = RECEIVER_HOST, port: int = 0):
        self.requests: list = []  # (headers, body), headers case-insensitive
        self.status = 200
        self.headers: dict[str, str] = {}
        self.body = b"ok"
        self.delay = 0.0
        self.on_request = None  # called (in the server's thread) before answering
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append((self.headers, body))
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                if receiver.on_request:
                    receiver.on_request(self.headers)
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.host, self.port = host, self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def delivery_ids(self) -> list[str]:
        return [headers["PartnerPortal-Delivery"] for headers, _ in self.requests]


@contextmanager
def allow(app, networks=ALLOWED):
    """Let outgoing requests reach ``networks`` (tests only; production refuses)."""
    saved = app.config.get("OUTGOING_ALLOWED_NETWORKS")
    app.config["OUTGOING_ALLOWED_NETWORKS"] = list(networks)
    try:
        yield
    finally:
        app.config["OUTGOING_ALLOWED_NETWORKS"] = saved


@pytest.fixture()
def receiver(app):
    """A receiver on 127.0.0.2, the one non-public address deliveries may reach."""
    r = Receiver()
    with allow(app):
        yield r
    r.close()


@pytest.fixture()
def internal():
    """A service on 127.0.0.1 that no delivery may ever reach."""
    r = Receiver(host="127.0.0.1")
    r.body = b"internal secret: do not leak"
    yield r
    r.close()


def deliver(app, **kwargs):
    """The delivery job's body, in its own app context (as the scheduler runs it)."""
    with app.app_context():
        try:
            return deliver_due(**kwargs)
        finally:
            from partner_portal.extensions import db

            db.session.remove()
