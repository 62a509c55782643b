"""The migrations build the same schema as the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from partner_portal import create_app
from partner_portal.extensions import db as _db
from partner_portal.models import PartnerGroup, Program
from partner_portal.models.base import utcnow
from partner_portal.models.program import PROGRAM_ID
from partner_portal.services import api_keys, audit


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
            program = _db.session.get(Program, PROGRAM_ID)
            assert program is not None, "the settings row exists before any request asks for it"
            for column in Program.__table__.columns:
                default = column.default
                if column.name in ("id", "created_at", "updated_at") or default is None:
                    continue
                assert getattr(program, column.key) == default.arg, column.name
            groups = [(g.name, g.is_default) for g in _db.session.query(PartnerGroup)]
            assert groups == [("Standard", True)], "a new program has its default group"
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


def test_upgrade_keeps_an_existing_database_with_data(tmp_path):
    """Data written under the first schema survives every later migration."""
    from flask_migrate import upgrade

    with empty_database(tmp_path) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade(revision="0001")
            statements = [
                "INSERT INTO program (id, name, timezone, currency, min_payout, brand_color, "
                "staff_2fa_required, created_at, updated_at) VALUES (1, 'P', 'UTC', 'USD', 50, "
                "'#000000', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                "INSERT INTO offers (id, name, description, destination_url, allowed_domains, "
                "currency, cookie_window_days, attribution_model, hold_days, status, "
                "default_commission_kind, default_commission_value, created_at, updated_at) VALUES "
                "(1, 'O', '', 'https://shop.example.com/', '', 'USD', 30, 'last_click', 30, "
                "'active', 'percent', 10, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                "INSERT INTO partners (id, ref, name, email, promotion_methods, status, created_at, "
                "status_changed_at) VALUES (1, 'r1', 'A', 'a@example.test', '', 'approved', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                "INSERT INTO users (id, email, name, role, partner_id, is_active_account, "
                "auth_version, totp_enabled, created_at) VALUES (1, 'a@example.test', 'A', "
                "'partner', 1, true, 0, false, '2026-01-01 00:00:00')",
                "INSERT INTO partner_groups (id, name, description, is_default, created_at) "
                "VALUES (1, 'VIP', 'Top partners', false, '2026-01-01 00:00:00')",
                "INSERT INTO tracking_links (id, code, partner_id, offer_id, is_active, created_at) "
                "VALUES (1, 'c1', 1, 1, true, '2026-01-01 00:00:00')",
                "INSERT INTO clicks (id, token, link_id, partner_id, offer_id, created_at, is_bot, "
                "is_unique) VALUES (1, 't1', 1, 1, 1, '2026-01-01 00:00:00', false, true)",
                "INSERT INTO conversions (id, offer_id, order_id, partner_id, event, amount, "
                "refunded_amount, currency, status, occurred_at, created_at) VALUES (1, 1, 'o1', 1, "
                "'sale', 100, 0, 'USD', 'attributed', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                "INSERT INTO commissions (id, partner_id, offer_id, conversion_id, kind, amount, "
                "currency, status, explanation, created_at) VALUES (1, 1, 1, 1, 'conversion', 10, "
                "'USD', 'approved', '', '2026-01-01 00:00:00')",
            ]
            with _db.engine.begin() as conn:
                for statement in statements:
                    conn.execute(text(statement))
            upgrade()
            with _db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM commissions")).scalar() == 1
                assert conn.execute(text("SELECT name FROM offers")).scalar() == "O"
                assert conn.execute(text("SELECT name FROM program")).scalar() == "P"
                groups = conn.execute(text("SELECT name, is_default FROM partner_groups")).all()
                assert [tuple(g) for g in groups] == [("VIP", False)], "its groups, as they were"
            _db.session.remove()
            _db.engine.dispose()


def test_a_freshly_upgraded_database_approves_a_partner_over_the_api(tmp_path):
    """A new install: `db upgrade`, an API key, and `POST /api/v1/partners` with
    `status: approved` puts the partner into the default group."""
    from flask_migrate import upgrade

    with empty_database(tmp_path) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                         MAIL_OUTBOX_DIR=tmp_path / "outbox")
        with app.app_context():
            upgrade()
            _key, plain = api_keys.create("CRM", actor=audit.Actor.system("test"), now=utcnow())
            _db.session.commit()
            response = app.test_client().post(
                "/api/v1/partners", headers={"Authorization": f"Bearer {plain}"},
                json={"email": "first@example.com", "name": "First Partner",
                      "status": "approved"})
            assert response.status_code == 201, response.json
            assert response.json["status"] == "approved"
            group = _db.session.get(PartnerGroup, response.json["group_id"])
            assert (group.name, group.is_default) == ("Standard", True)
            _db.session.remove()
            _db.engine.dispose()


def test_the_test_database_starts_as_a_migrated_one(db, tmp_path):
    """The suite's emptied database holds the same rows a freshly migrated one does."""
    from flask_migrate import upgrade

    def rows(session):
        program = session.get(Program, PROGRAM_ID)
        settings = {c.key: getattr(program, c.key) for c in Program.__table__.columns
                    if c.key not in ("created_at", "updated_at")}
        groups = [(g.name, g.description, g.is_default) for g in session.query(PartnerGroup)]
        return settings, groups

    expected = rows(db.session)
    with empty_database(tmp_path) as url:
        migrated = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with migrated.app_context():
            upgrade()
            assert rows(_db.session) == expected
            _db.session.remove()
            _db.engine.dispose()
