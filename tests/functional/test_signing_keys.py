"""No key anyone can read signs anything: APP_ENV defaults to production, which refuses to
start without SECRET_KEY; development makes its own random key once, in the instance
folder; testing uses a random key per run. A session forged with any string found in the
source opens nothing."""

from __future__ import annotations

import ast
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import Flask

from config import PUBLIC_KEYS, ConfigurationError
from partner_portal import create_app
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit
from partner_portal.services.clickids import ClickIdCodec

from ..factories import LinkFactory, OfferFactory
from ..support import login

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("config.py", "wsgi.py", "README.md", "partner_portal", "migrations", "scripts",
           "bench", "tests", "docs", "templates", ".ci")
TEXT_SUFFIXES = {".md", ".sh", ".ini", ".txt", ".html", ".in", ".cfg", ".toml", ".mako", ""}


def _source_files():
    for name in SOURCES:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for file in path.rglob("*"):
                if file.is_file() and "__pycache__" not in file.parts \
                        and "screenshots" not in file.parts:
                    yield file


def strings_in_the_source() -> set[str]:
    """Every string constant in the Python files, and every quoted string and every word
    in the other text files: whatever someone might have used as a key."""
    found: set[str] = set()
    for file in _source_files():
        try:
            text = file.read_text()
        except UnicodeDecodeError:
            continue
        if file.suffix == ".py":
            found.update(node.value.strip() for node in ast.walk(ast.parse(text))
                         if isinstance(node, ast.Constant) and isinstance(node.value, str))
        elif file.suffix in TEXT_SUFFIXES:
            found.update(m.strip() for m in re.findall(r"""["'`]([^"'`\n]+)["'`]""", text))
            found.update(re.findall(r"""[^\s"'`=]+""", text))
    return found


@pytest.fixture(scope="module")
def candidate_keys() -> list[str]:
    """Strings of 8 characters or more on one line (no portal key is shorter)."""
    keys = sorted(s for s in strings_in_the_source() if len(s) >= 8 and "\n" not in s)
    assert set(PUBLIC_KEYS) <= set(keys), "the sweep sees the keys earlier versions shipped"
    return keys


_FORGER = Flask("forger")


def forge(payload: dict, key: str) -> str:
    """A session cookie as an attacker makes one (Flask's own signing, a guessed key)."""
    _FORGER.secret_key = key
    return _FORGER.session_interface.get_signing_serializer(_FORGER).dumps(payload)


def session_payload(app, cookie: str) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(cookie)


@pytest.fixture()
def without_key(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)


# --- production is the default, and it needs a real key ---------------------------------

def test_with_app_env_unset_and_no_secret_key_the_portal_refuses_to_start(without_key):
    with pytest.raises(ConfigurationError) as error:
        create_app()
    message = str(error.value)
    assert "SECRET_KEY is not set" in message and "'production'" in message
    assert "secrets.token_urlsafe(48)" in message  # how to make one
    assert "APP_ENV=development" in message


@pytest.mark.parametrize("key", sorted(PUBLIC_KEYS) + ["short-key"])
def test_production_refuses_a_public_or_short_key(without_key, monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_no_environment_accepts_a_published_key(monkeypatch, tmp_path, env):
    monkeypatch.setenv("SECRET_KEY", sorted(PUBLIC_KEYS)[0])
    with pytest.raises(ConfigurationError, match="published"):
        create_app(env, INSTANCE_DIR=tmp_path)
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("CLICK_ID_KEYS", "")
    with pytest.raises(ConfigurationError, match="CLICK_ID_KEYS"):
        create_app(env, INSTANCE_DIR=tmp_path, CLICK_ID_KEYS=[sorted(PUBLIC_KEYS)[-1]])


@pytest.mark.slow
def test_the_cli_refuses_to_start_in_production_without_a_key(tmp_path):
    """What an operator sees running a command with nothing set: a clear message and a
    non-zero exit, and nothing created."""
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "INSTANCE_DIR": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "token_urlsafe" in result.stderr
    assert not (tmp_path / "portal.db").exists() and not (tmp_path / "instance").exists()


# --- forged sessions ---------------------------------------------------------------------

@pytest.fixture(params=["development", "testing"])
def portal(request, app, db, tmp_path, monkeypatch):
    """The portal as each non-production configuration builds it with no SECRET_KEY set
    (development: as ``scripts/dev`` runs it), on the test database."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    built = create_app(request.param, INSTANCE_DIR=tmp_path / "instance",
                       SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       WTF_CSRF_ENABLED=False)
    built.test_client_class = type(app.test_client())
    return built


def test_a_session_forged_with_any_key_in_the_source_is_refused(portal, make_user,
                                                                candidate_keys):
    owner = make_user("owner")
    client = portal.test_client()
    assert login(client, owner.email).status_code == 302
    cookie_name = portal.config["SESSION_COOKIE_NAME"]
    payload = session_payload(portal, client.get_cookie(cookie_name).value)
    assert payload.get("_user_id")
    attacker = portal.test_client()
    # The forgery is right in every other respect: with the portal's own key it works.
    attacker.set_cookie(cookie_name, forge(payload, portal.config["SECRET_KEY"]))
    assert attacker.get("/admin/staff").status_code == 200

    # Over HTTP: the keys earlier versions shipped, and every string that looks like a key.
    likely = [k for k in candidate_keys if "key" in k.lower() or "secret" in k.lower()]
    for key in sorted(PUBLIC_KEYS) + likely:
        attacker.set_cookie(cookie_name, forge(payload, key))
        response = attacker.get("/admin/staff")
        assert response.status_code == 302 and "/login" in response.headers["Location"], key

    # Every other string, through the step that reads the cookie of every request (one
    # request each would take minutes): the session it opens is empty.
    interface = portal.session_interface
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/admin/staff", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    opened = [key for key in candidate_keys if interface.open_session(portal, portal.request_class(
        {**environ, "HTTP_COOKIE": f"{cookie_name}={forge(payload, key)}"}))]
    assert opened == []
    real = forge(payload, portal.config["SECRET_KEY"])
    assert interface.open_session(portal, portal.request_class(
        {**environ, "HTTP_COOKIE": f"{cookie_name}={real}"})) == payload


def test_click_ids_are_signed_with_the_real_key_and_forged_ones_attribute_nothing(
        portal, db, candidate_keys):
    """With CLICK_ID_KEYS unset, click ids are signed with the portal's own key: a click id
    made with a published key (or any key in the source) attributes no sale."""
    link = LinkFactory(code="keyed001", offer=OfferFactory(), partner__status="approved")
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    client = portal.test_client()
    auth = {"Authorization": f"Bearer {plain}"}
    real = client.get("/r/keyed001").headers["Location"].split("click_id=")[1].split("&")[0]
    forged = [ClickIdCodec([key]).encode(link.partner_id, link.offer_id, link.id,
                                         datetime.now(timezone.utc))
              for key in sorted(PUBLIC_KEYS) + [k for k in candidate_keys if "key" in k.lower()]]
    for n, click_id in enumerate(forged):
        response = client.post("/api/v1/conversions", headers=auth, json={
            "order_id": f"F-{n}", "amount": "10", "currency": "USD", "click_id": click_id,
            "offer_id": link.offer_id})
        assert response.status_code in (201, 422), response.json
        if response.status_code == 201:
            assert response.json["partner_id"] is None and response.json["commissions"] == []
    good = client.post("/api/v1/conversions", headers=auth, json={
        "order_id": "REAL-1", "amount": "10", "currency": "USD", "click_id": real})
    assert good.status_code == 201 and good.json["partner_id"] == link.partner_id
    assert good.json["commissions"]


# --- development keeps one random key per instance ----------------------------------------

def test_the_development_key_persists_across_app_instances(app, db, make_user, tmp_path,
                                                           monkeypatch, candidate_keys):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    options = dict(INSTANCE_DIR=instance, WTF_CSRF_ENABLED=False,
                   SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    first = create_app("development", **options)
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    owner = make_user("owner")
    client = first.test_client()
    assert login(client, owner.email).status_code == 302
    cookie = client.get_cookie(first.config["SESSION_COOKIE_NAME"]).value

    # A restart (a new app on the same instance) keeps everyone signed in.
    second = create_app("development", **options)
    again = second.test_client()
    again.set_cookie(second.config["SESSION_COOKIE_NAME"], cookie)
    assert again.get("/admin/staff").status_code == 200

    # Another instance folder is another key: the cookie means nothing there.
    other = create_app("development", **{**options, "INSTANCE_DIR": tmp_path / "other"})
    stranger = other.test_client()
    stranger.set_cookie(other.config["SESSION_COOKIE_NAME"], cookie)
    assert stranger.get("/admin/staff").status_code == 302

    key = key_file.read_text().strip()
    assert len(key) >= 32 and not any(key in s for s in candidate_keys)


@pytest.mark.slow
def test_every_process_of_a_development_instance_uses_the_same_key(tmp_path, monkeypatch):
    """Web, scheduler, statement workers and CLI commands started at the same moment on a
    new instance agree on one key."""
    instance = tmp_path / "instance"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "APP_ENV": "development", "INSTANCE_DIR": str(instance),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}"}
    code = ("from partner_portal import create_app; app = create_app(); "
            "print(app.session_interface.get_signing_serializer(app).dumps({'who': 'me'}))")
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
    cookies = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        cookies.append(out.strip().splitlines()[-1])
    monkeypatch.delenv("SECRET_KEY")
    checker = create_app("development", INSTANCE_DIR=instance,
                         SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'portal.db'}")
    assert [session_payload(checker, c) for c in cookies] == [{"who": "me"}] * 4
    assert [p.name for p in instance.iterdir() if "secret" in p.name] == ["secret_key"]
