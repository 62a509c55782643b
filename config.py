"""Configuration classes, read from environment variables.

The names follow the public contract: DATABASE_URL, SECRET_KEY, MAIL_SERVER, MAIL_PORT,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS, MAIL_DEFAULT_SENDER.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSECURE_DEV_KEY = "dev-only-insecure-secret-key-change-me"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``postgres://`` URLs and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Defaults shared by every environment. Values are read when the class is built,
    which happens when ``create_app`` imports this module, never at package import."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEV_KEY)
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'partner_portal.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Mail: with no MAIL_SERVER, mail is written as .eml files under instance/outbox/.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Partner Program <partners@localhost>")
    MAIL_OUTBOX_DIR = Path(os.environ.get("MAIL_OUTBOX_DIR", INSTANCE_DIR / "outbox"))

    # Public base URL used in emails and tracking links (no trailing slash).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    # Sessions and cookies.
    SESSION_COOKIE_NAME = "pp_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 12 * 3600)
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session

    # Number of trusted reverse proxies in front of the app (X-Forwarded-For hops).
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _int("PROXY_FIX_X_PROTO", 0)

    # Login throttling: failures allowed within the window, per account and per address.
    LOGIN_WINDOW_SECONDS = _int("LOGIN_WINDOW_SECONDS", 15 * 60)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)

    # Keys that sign click ids, oldest first; the last one signs new ids (rotate by appending).
    CLICK_ID_KEYS = [k for k in os.environ.get("CLICK_ID_KEYS", "").split(",") if k] or None

    # Tracking: where clicks are spooled before they reach the database; how often each web
    # worker drains the spool itself (0, the default: the scheduler's drain-clicks job or
    # `flask clicks ingest --follow` does it in its own process); and how long a worker may
    # trust its cached link data when another host changed it.
    CLICK_SPOOL_DIR = Path(os.environ.get("CLICK_SPOOL_DIR", INSTANCE_DIR / "clicks"))
    CLICK_DRAIN_INTERVAL = float(os.environ.get("CLICK_DRAIN_INTERVAL", "0"))
    LINK_CACHE_SECONDS = float(os.environ.get("LINK_CACHE_SECONDS", "5"))
    ATTRIBUTION_COOKIE = "pp_click"

    # Monthly statements: the hour (program time zone) the scheduler makes and emails last
    # month's statements on the 1st; worker processes for rendering (default: one per
    # core); an optional logo under static/ (e.g. img/logo.png) for the PDF's letterhead.
    STATEMENT_HOUR = _int("STATEMENT_HOUR", 6)
    STATEMENT_WORKERS = _int("STATEMENT_WORKERS", 0)
    # Statements a rendering process makes before it is replaced (keeps memory flat).
    STATEMENT_WORKER_TASKS = _int("STATEMENT_WORKER_TASKS", 500)
    STATEMENT_LOGO = os.environ.get("STATEMENT_LOGO") or None
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)

    PASSWORD_RESET_MAX_AGE_SECONDS = _int("PASSWORD_RESET_MAX_AGE_SECONDS", 3600)
    # How long the set-password link in a staff invitation works.
    STAFF_INVITE_MAX_AGE_SECONDS = _int("STAFF_INVITE_MAX_AGE_SECONDS", 72 * 3600)
    # How long the link confirming a partner's new email address works.
    EMAIL_CHANGE_MAX_AGE_SECONDS = _int("EMAIL_CHANGE_MAX_AGE_SECONDS", 24 * 3600)

    # Creative assets: where uploaded banners are kept (under random names), the largest
    # file accepted, and the largest width or height in pixels.
    CREATIVES_DIR = Path(os.environ.get("CREATIVES_DIR", INSTANCE_DIR / "creatives"))
    CREATIVE_MAX_BYTES = _int("CREATIVE_MAX_BYTES", 2 * 1024 * 1024)
    CREATIVE_MAX_SIDE = _int("CREATIVE_MAX_SIDE", 4000)

    # API rate limits per key (Flask-Limiter notation, e.g. "600 per minute"): one for the
    # management and read endpoints, one for reporting conversions and refunds (empty, the
    # default: not limited, so no sale's attribution depends on a shop retrying a 429).
    # Counters live in RATELIMIT_STORAGE_URI: memory:// counts per process; point it at
    # Redis (redis://host:6379) to count across workers and hosts.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    API_INGEST_RATE_LIMIT = os.environ.get("API_INGEST_RATE_LIMIT", "")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True

    # Outgoing requests (webhooks) reach public addresses only. For tests and local
    # development, comma-separated networks they may reach as well (e.g. 127.0.0.2/32);
    # production refuses to start with any.
    OUTGOING_ALLOWED_NETWORKS = [
        n.strip() for n in os.environ.get("OUTGOING_ALLOWED_NETWORKS", "").split(",") if n.strip()]


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    )
    MAIL_SERVER = None
    PASSWORD_HASH_FAST = True  # cheaper Argon2id parameters so the suite stays quick
    CLICK_DRAIN_INTERVAL = 0.0  # tests drain the spool explicitly


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)

    @classmethod
    def validate(cls) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if not key or key == INSECURE_DEV_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if os.environ.get("OUTGOING_ALLOWED_NETWORKS", "").strip():
            raise RuntimeError("OUTGOING_ALLOWED_NETWORKS is for tests and development only: "
                               "in production outgoing requests reach public addresses only.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
