"""Fixtures: app, db, client, login_as, smtp_server, live_server.

The database comes from TEST_DATABASE_URL (default: a temporary SQLite file). The schema
is created once per run; every test starts from empty tables but for the rows a freshly
migrated database always has: the program's settings row and the default partner group.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

_TMP = Path(tempfile.mkdtemp(prefix="pp-tests-"))
if not os.environ.get("TEST_DATABASE_URL"):
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.db'}"
os.environ.setdefault("INSTANCE_DIR", str(_TMP / "instance"))
# The environment every app and every process the tests start sees, whatever the shell
# running the tests has set: the testing configuration, a random signing key for this run
# (never one written in the source), and the default public address.
os.environ["APP_ENV"] = "testing"
os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)
os.environ["BASE_URL"] = "http://127.0.0.1:5000"
for _name in ("TRUSTED_HOSTS", "MAX_CONTENT_LENGTH", "CLICK_ID_KEYS"):
    os.environ.pop(_name, None)

from partner_portal import create_app  # noqa: E402
from partner_portal.extensions import db as _db  # noqa: E402
from partner_portal.models import PartnerGroup, Program  # noqa: E402
from partner_portal.models.program import PROGRAM_ID  # noqa: E402

from . import factories  # noqa: E402
from .support import login  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own ``g`` and its
    own database session, never the test's. What the test set up is committed first, so
    the request sees it and the test holds no transaction while the request writes."""

    def open(self, *args, **kwargs):
        from flask import has_app_context

        if has_app_context():
            _db.session.commit()
        # A streamed body (a CSV export) is read inside the request's context, as a
        # server reads it before the context ends.
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(
        "testing",
        WTF_CSRF_ENABLED=False,
        MAIL_OUTBOX_DIR=_TMP / "outbox",
        SERVER_NAME=None,
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _add_migrated_rows()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # SQLite checks ON DELETE RESTRICT row by row: unlink rows that point at rows of
        # their own table (a refund's reverses_id) before emptying it.
        for table in tables:
            # A row pointing at another row of its own table (an adjustment at the commission
            # it reverses, ON DELETE RESTRICT) would stop a plain DELETE: unlink them first.
            for fk in table.foreign_keys:
                if fk.column.table is table and fk.parent.nullable:
                    _db.session.execute(table.update().values({fk.parent.name: None}))
            _db.session.execute(table.delete())
    _db.session.commit()
    _add_migrated_rows()


# The default partner group a migrated database starts with (migration 0013).
DEFAULT_GROUP = {"name": "Standard", "description": "Every approved partner starts here.",
                 "is_default": True}


def _add_migrated_rows() -> None:
    """The rows a migrated database always has: the program's settings (migration 0012)
    and the default partner group (0013). ``test_migrations`` checks they match."""
    _db.session.add(Program(id=PROGRAM_ID))
    _db.session.add(PartnerGroup(**DEFAULT_GROUP))
    _db.session.commit()


@pytest.fixture()
def db(app):
    ctx = app.app_context()
    ctx.push()
    try:
        yield _db
    finally:
        _db.session.rollback()
        _db.session.remove()
        _empty_all_tables()
        _db.session.remove()
        # Emptying tables is not a change the per-worker settings cache sees.
        app.extensions["pp_settings_cache"].clear()
        spool = Path(app.config["CLICK_SPOOL_DIR"])
        if spool.exists():
            for leftover in spool.glob("*.log"):
                leftover.unlink()
        ctx.pop()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def outbox(app):
    """Messages written by the file transport during the test (MAIL_SERVER unset)."""
    directory = Path(app.config["MAIL_OUTBOX_DIR"])
    before = set(directory.glob("*.eml")) if directory.exists() else set()

    class Outbox:
        def messages(self):
            from email import policy
            from email.parser import BytesParser

            now = set(directory.glob("*.eml")) if directory.exists() else set()
            return [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
                    for p in sorted(now - before, key=lambda p: p.stat().st_mtime_ns)]

    return Outbox()


@pytest.fixture()
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on loopback; the app sends to it during the test."""
    from email import policy
    from email.parser import BytesParser

    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
            return "250 Message accepted for delivery"

    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)

    def wait_for(count: int, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while len(handler.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return handler.messages

    handler.wait_for = wait_for
    try:
        yield handler
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture()
def make_user(db):
    def make(role: str = "owner", **kwargs):
        if role == "partner":
            partner = factories.PartnerFactory(**{k: v for k, v in kwargs.items() if k != "password"})
            user = partner.user
        else:
            user = factories.StaffFactory(role=role, **{k: v for k, v in kwargs.items() if k != "password"})
        if "password" in kwargs:
            from partner_portal.services.passwords import hash_password

            user.password_hash = hash_password(kwargs["password"])
        db.session.commit()
        return user

    return make


@pytest.fixture()
def login_as(client, make_user):
    """Sign in through the real form as a new user of ``role``; returns the user."""

    def do(role: str = "owner", **kwargs):
        user = make_user(role, **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


@pytest.fixture()
def live_server(app, db):
    """The app served over HTTP by a real WSGI server on loopback, in a thread."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
