from __future__ import annotations

from pathlib import Path

import pytest

from config import normalise_database_url


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_plain_postgres_urls_work(url, expected):
    assert normalise_database_url(url) == expected


@pytest.mark.parametrize("key", [None, "", "short", "dev-only-insecure-secret-key-change-me"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    from partner_portal import create_app

    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_starts_with_a_real_secret_key(monkeypatch):
    from partner_portal import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_importing_the_package_has_no_side_effects(tmp_path):
    import subprocess
    import sys

    code = "import partner_portal, partner_portal.models, partner_portal.services.accounts; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path.parent, capture_output=True,
                            text=True, env={"PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                                            "INSTANCE_DIR": str(tmp_path / "inst")})
    assert result.stdout.strip() == "ok", result.stderr
    assert not (tmp_path / "inst").exists()
