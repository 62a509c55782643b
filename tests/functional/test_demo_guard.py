"""`flask demo seed` refuses a production configuration: its staff share a published
password and its full-scope API key is in the docs. A clear message, a non-zero exit, and
nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from partner_portal import create_app
from partner_portal.models import ApiKey, Offer, Partner, PartnerGroup, Program, User

ROOT = Path(__file__).resolve().parents[2]


def counts(db) -> dict:
    db.session.rollback()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, ApiKey, Partner, Offer, PartnerGroup)}


def test_the_demo_seed_refuses_a_production_configuration(app, db):
    before = counts(db)
    production = create_app("production", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with production.app_context():  # the command runs in this app, not the suite's
        result = production.test_cli_runner().invoke(args=["demo", "seed", "--quiet"])
    assert result.exit_code != 0
    assert "not loaded into a production configuration" in result.output
    assert "APP_ENV=development" in result.output
    assert counts(db) == before
    assert db.session.get(Program, 1).name == "Partner Program"


def test_the_demo_seed_still_works_in_development(app, db, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    development = create_app("development", INSTANCE_DIR=tmp_path,
                             SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    db.session.commit()
    with development.app_context():
        result = development.test_cli_runner().invoke(args=["demo", "seed", "--days", "3",
                                                            "--quiet"])
    assert result.exit_code == 0, result.output
    assert counts(db)["User"] > 0


@pytest.mark.slow
def test_flask_demo_seed_with_app_env_unset_writes_nothing(tmp_path):
    """As an operator would run it on a server: APP_ENV unset (so production), a real key."""
    database = tmp_path / "portal.db"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "SECRET_KEY": "k" * 48, "INSTANCE_DIR": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{database}"}

    def flask(*args):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)

    assert flask("db", "upgrade").returncode == 0
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        before = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("users", "api_keys", "partners", "offers", "partner_groups", "clicks")}
    result = flask("demo", "seed", "--quiet")
    assert result.returncode == 1
    assert "not loaded into a production configuration" in result.stderr
    with engine.connect() as conn:
        after = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in before}
        name = conn.execute(text("SELECT name FROM program")).scalar()
    engine.dispose()
    assert after == before and before["users"] == 0 and name == "Partner Program"
