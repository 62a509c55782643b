"""Creating, checking and revoking API keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import ApiKey
from ..models.api import split_scopes
from . import audit
from .errors import NotFound, ValidationError

KEY_PREFIX = "pp_"
# last_used_at is refreshed at most this often, so busy keys do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# What a key may do. "*" (every scope) is what a key gets when none are chosen.
SCOPES = {
    "conversions:write": "Report conversions and refunds",
    "conversions:read": "Read conversions",
    "partners:read": "Read partners and their balances",
    "partners:write": "Create and approve partners",
    "offers:read": "Read offers and caps",
    "offers:write": "Create offers and caps",
    "links:read": "Read tracking links",
    "links:write": "Create tracking links",
    "commissions:read": "Read commissions",
    "payouts:read": "Read payouts",
    "statements:read": "Read statements and their PDFs",
    "stats:read": "Read statistics",
}
ALL_SCOPES = "*"


def clean_scopes(scopes: list[str] | None) -> str:
    """The stored form of ``scopes``: "*" for none chosen (full access), else the chosen
    scopes, comma-separated in a stable order."""
    chosen = [s.strip() for s in scopes or [] if s and s.strip()]
    if not chosen or ALL_SCOPES in chosen:
        return ALL_SCOPES
    unknown = sorted(set(chosen) - set(SCOPES))
    if unknown:
        raise ValidationError(f"Unknown scope: {', '.join(unknown)}. Choose from "
                              f"{', '.join(SCOPES)}.", field="scopes")
    return ",".join(s for s in SCOPES if s in chosen)


def allows(key: ApiKey, scope: str) -> bool:
    granted = key.scope_list
    return ALL_SCOPES in granted or scope in granted


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(name: str, *, actor: audit.Actor, now: datetime,
           scopes: list[str] | None = None) -> tuple[ApiKey, str]:
    """A new key; the plain key is returned once and never stored. With no ``scopes`` it
    may do everything."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the key a name, e.g. the system that will use it.", field="name")
    if len(name) > 80:
        raise ValidationError("Use at most 80 characters.", field="name")
    stored_scopes = clean_scopes(scopes)
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=plain[:10], key_hash=hash_key(plain), created_by_id=actor.user_id,
                 created_at=now, scopes=stored_scopes)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "api_key.create", "api_key", key.id,
                 after={"name": name, "prefix": key.prefix, "scopes": stored_scopes}, now=now)
    return key, plain


def revoke(key_id: int, *, actor: audit.Actor, now: datetime) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = now
        audit.record(actor, "api_key.revoke", "api_key", key.id, before={"revoked": False},
                     after={"revoked": True}, now=now)
    return key


def needs_touch(key: ApiKey | KeyIdentity, now: datetime) -> bool:
    return key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION


@dataclass(frozen=True)
class KeyIdentity:
    """What a request needs of the active key that authenticated it: who it is, what it
    may do, and when its use was last recorded. Read as one row, not as a model object:
    every API call and conversion authenticates."""

    id: int
    name: str
    scopes: str
    last_used_at: datetime | None

    @property
    def scope_list(self) -> list[str]:
        return split_scopes(self.scopes)


_ACTIVE_BY_HASH = select(ApiKey.id, ApiKey.name, ApiKey.scopes, ApiKey.last_used_at).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))


def authenticate(plain: str | None, *, now: datetime, touch: bool = True) -> KeyIdentity | None:
    """The active key matching ``plain``, or None. Marks it used (coarsely) unless
    ``touch`` is False (a read-only request records the use on its own, see ``touch``)."""
    if not plain or not plain.startswith(KEY_PREFIX) or len(plain) > 200:
        return None
    row = db.session.execute(_ACTIVE_BY_HASH, {"key_hash": hash_key(plain)}).first()
    if row is None:
        return None
    key = KeyIdentity(*row)
    if touch and needs_touch(key, now):
        return record_use(key, now=now)
    return key


def list_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())))


def touch(key_id: int, *, now: datetime) -> None:
    """Record a use of the key (after a failed request rolled its transaction back)."""
    key = db.session.get(ApiKey, key_id)
    if key is not None and needs_touch(key, now):
        key.last_used_at = now
        db.session.flush()


def record_use(key: KeyIdentity, *, now: datetime) -> KeyIdentity:
    """Record a use of the authenticated ``key``; returns it as it now stands."""
    touch(key.id, now=now)
    return KeyIdentity(key.id, key.name, key.scopes, now)
