"""Configuration classes, read from environment variables.

The names follow the public contract: APP_ENV, DATABASE_URL, SECRET_KEY, BASE_URL,
MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS, MAIL_DEFAULT_SENDER.

``APP_ENV`` is ``production`` unless set. The signing key is never one written in the
source: production refuses to start without ``SECRET_KEY``; development makes a random key
once and keeps it in the instance folder; testing uses a random key per run.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_APP_ENV = "production"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# Keys earlier versions of this project wrote into the source as defaults. Anyone can read
# them, so they sign nothing: the portal refuses to start with one of them.
PUBLIC_KEYS = frozenset({
    "dev-only-insecure-secret-key-change-me",
    "testing-secret-key-not-for-production",
})
MIN_KEY_LENGTH = 32
DEV_KEY_FILE = "secret_key"
# The largest body a request may have, by default: room for a banner of CREATIVE_MAX_BYTES
# and the rest of its form.
BODY_ROOM_BEYOND_CREATIVE = 1024 * 1024
CREATIVE_FORM_OVERHEAD = 64 * 1024
HOW_TO_MAKE_A_KEY = (
    "Make one once and keep it secret, the same on every host and process:\n"
    "    export SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\"")

log = logging.getLogger("partner_portal.config")


class ConfigurationError(RuntimeError):
    """The environment does not describe a portal that may start; the message says why and
    what to set."""


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
    # Resolved by ``finish`` when the app is made (never a key from the source).
    SECRET_KEY: str | None = None
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

    # The portal's public address: every emailed or copied link is built from it (no
    # trailing slash). None here means "not set"; ``finish`` then uses DEFAULT_BASE_URL.
    BASE_URL = os.environ.get("BASE_URL", "").strip().rstrip("/") or None
    # Host names requests may carry, besides BASE_URL's (comma-separated; ".example.com"
    # matches every subdomain). In production with BASE_URL set, any other Host gets a 400.
    EXTRA_TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",")
                           if h.strip()]
    # The largest request body accepted, chunked ones included (413 beyond it). None here:
    # ``finish`` makes it CREATIVE_MAX_BYTES plus room for the rest of the upload form.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 0) or None

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
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    )
    MAIL_SERVER = None
    PASSWORD_HASH_FAST = True  # cheaper Argon2id parameters so the suite stays quick
    CLICK_DRAIN_INTERVAL = 0.0  # tests drain the spool explicitly


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def env_name(given: str | None = None) -> str:
    """The configuration to use: ``given``, else APP_ENV, else production."""
    name = given or os.environ.get("APP_ENV", "").strip() or DEFAULT_APP_ENV
    if name not in CONFIGS:
        raise ConfigurationError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return name


def finish(config: dict) -> None:
    """Settings that depend on others or on the instance folder, checked once the app's
    configuration (classes, then ``create_app`` overrides) is complete. Raises
    ConfigurationError with what to do when the portal must not start."""
    name = config["ENV_NAME"]
    config["SECRET_KEY"] = _secret_key(name, config.get("SECRET_KEY") or os.environ.get("SECRET_KEY"),
                                       Path(config["INSTANCE_DIR"]))
    for key in config.get("CLICK_ID_KEYS") or ():
        _check_key("CLICK_ID_KEYS", key, name)
    config["BASE_URL"], base_url_set = _base_url(config.get("BASE_URL"))
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = _trusted_hosts(name, config["BASE_URL"], base_url_set,
                                                 config.get("EXTRA_TRUSTED_HOSTS") or [])
    if name == "production" and not base_url_set:
        log.warning("BASE_URL is not set: emailed and copied links point at %s, and requests "
                    "are not checked for the portal's host name. Set BASE_URL to the "
                    "portal's public address.", DEFAULT_BASE_URL)
    if name == "production" and os.environ.get("OUTGOING_ALLOWED_NETWORKS", "").strip():
        raise ConfigurationError(
            "OUTGOING_ALLOWED_NETWORKS is for tests and development only: in production "
            "outgoing requests reach public addresses only. Unset it.")
    creative_room = int(config["CREATIVE_MAX_BYTES"]) + CREATIVE_FORM_OVERHEAD
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = int(config["CREATIVE_MAX_BYTES"]) + BODY_ROOM_BEYOND_CREATIVE
    elif int(config["MAX_CONTENT_LENGTH"]) < creative_room:
        raise ConfigurationError(
            f"MAX_CONTENT_LENGTH ({config['MAX_CONTENT_LENGTH']} bytes) leaves no room for a "
            f"banner of CREATIVE_MAX_BYTES ({config['CREATIVE_MAX_BYTES']} bytes) and its form: "
            f"set it to at least {creative_room}, or lower CREATIVE_MAX_BYTES.")


# --- the signing key ----------------------------------------------------------------------

_testing_key: str | None = None


def _secret_key(name: str, given: str | None, instance_dir: Path) -> str:
    if given:
        _check_key("SECRET_KEY", given, name)
        return given
    if name == "development":
        return development_key(instance_dir)
    if name == "testing":
        # A fresh random key for this process (the test suite sets SECRET_KEY once per run,
        # so the processes it starts share one).
        global _testing_key
        _testing_key = _testing_key or secrets.token_urlsafe(48)
        return _testing_key
    raise ConfigurationError(
        f"SECRET_KEY is not set. APP_ENV is {name!r} (the default when APP_ENV is unset), "
        "and the portal never signs sessions, reset links or click ids with a built-in key. "
        f"{HOW_TO_MAKE_A_KEY}\n"
        "To run a development copy on this machine instead, set APP_ENV=development: it makes "
        f"a random key once and keeps it in the instance folder ({DEV_KEY_FILE}).")


def _check_key(setting: str, key: str, name: str) -> None:
    if key.strip() in PUBLIC_KEYS:
        raise ConfigurationError(
            f"{setting} is a key published with the portal's source code, so anyone could "
            f"sign sessions with it. {HOW_TO_MAKE_A_KEY}")
    if name == "production" and len(key) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"{setting} is too short: production needs a random value of at least "
            f"{MIN_KEY_LENGTH} characters. {HOW_TO_MAKE_A_KEY}")


def development_key(instance_dir: Path) -> str:
    """The development instance's own random key, made the first time any of its processes
    (web, scheduler, statement workers, CLI) starts, in ``<instance>/secret_key`` (mode
    0600), and read by all of them after that. Two processes starting at once agree: the
    file appears complete or not at all (written aside, then hard-linked into place)."""
    path = instance_dir / DEV_KEY_FILE
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        aside = instance_dir / f".{DEV_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(aside, path)
            except FileExistsError:
                pass  # another process of this instance made it first: use theirs
        finally:
            aside.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    key = path.read_text().strip()
    if len(key) < MIN_KEY_LENGTH or key in PUBLIC_KEYS:
        raise ConfigurationError(
            f"{path} does not hold a usable key. Delete it and start again to make a new one "
            "(everyone signed in to this development copy will have to sign in again).")
    return key


# --- the public address and the host names requests may carry ----------------------------

def _base_url(value: str | None) -> tuple[str, bool]:
    if not value:
        return DEFAULT_BASE_URL, False
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"BASE_URL must be the portal's public address, such as "
            f"https://partners.example.com (optionally with a path), not {value!r}.")
    return value, True


def _trusted_hosts(name: str, base_url: str, base_url_set: bool, extra: list[str]) -> list[str] | None:
    """Flask's TRUSTED_HOSTS: in production with BASE_URL set, its host name and any names
    TRUSTED_HOSTS lists; elsewhere no check, unless TRUSTED_HOSTS lists names (then those
    and BASE_URL's, if set)."""
    if not extra and not (name == "production" and base_url_set):
        return None
    return ([urlsplit(base_url).hostname] if base_url_set else []) + list(extra)
