"""The migrations build the same schema as the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from partner_portal import create_app
from partner_portal.extensions import db as _db


@contextmanager
def empty_database(tmp_path):
    """A brand-new, empty database on the same kind of server the suite runs on."""
    base = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    if base.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"pp_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models(tmp_path):
    from flask_migrate import upgrade

    with empty_database(tmp_path) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            with _db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                                 "compare_server_default": False})
                diff = compare_metadata(context, _db.metadata)
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            _db.session.remove()
            _db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert version


def test_upgrade_is_repeatable(tmp_path):
    """Running `db upgrade` on an up-to-date database changes nothing and does not fail."""
    from flask_migrate import upgrade

    with empty_database(tmp_path) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            upgrade()
            _db.session.remove()
            _db.engine.dispose()
