"""Which emails a partner gets. Each kind of optional email is listed here once; a partner
without a stored choice gets the kind's default. Emails about their account itself
(password resets, email changes, decisions on their application) are always sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Partner, PartnerEmailPreference
from . import audit


@dataclass(frozen=True)
class EmailKind:
    code: str
    label: str
    hint: str
    default: bool = True


KINDS: tuple[EmailKind, ...] = (
    EmailKind("payout_paid", "A payout is sent to me", "With the amount and the reference."),
    EmailKind("statement_ready", "My monthly statement is ready", "With the PDF attached."),
    EmailKind("announcements", "Announcements from the program team",
              "News, promotions and changes to offers."),
)
BY_CODE = {k.code: k for k in KINDS}


def choices(partner: Partner) -> dict[str, bool]:
    stored = dict(db.session.execute(
        select(PartnerEmailPreference.kind, PartnerEmailPreference.enabled)
        .where(PartnerEmailPreference.partner_id == partner.id)).all())
    return {k.code: stored.get(k.code, k.default) for k in KINDS}


def wants(partner: Partner, kind: str) -> bool:
    """Whether ``partner`` gets the optional email ``kind`` (call before queuing one)."""
    spec = BY_CODE[kind]
    stored = db.session.get(PartnerEmailPreference, (partner.id, kind))
    return spec.default if stored is None else stored.enabled


def who_wants(kind: str, partners: list[Partner]) -> list[Partner]:
    """The partners among ``partners`` who get the optional email ``kind`` (one query)."""
    spec = BY_CODE[kind]
    stored = dict(db.session.execute(
        select(PartnerEmailPreference.partner_id, PartnerEmailPreference.enabled)
        .where(PartnerEmailPreference.kind == kind)).all())
    return [p for p in partners if stored.get(p.id, spec.default)]


def save(partner: Partner, wanted: dict[str, bool], *, actor: audit.Actor, now: datetime) -> None:
    before = choices(partner)
    for kind in KINDS:
        enabled = bool(wanted.get(kind.code, False))
        row = db.session.get(PartnerEmailPreference, (partner.id, kind.code))
        if row is None:
            db.session.add(PartnerEmailPreference(partner_id=partner.id, kind=kind.code,
                                                  enabled=enabled, updated_at=now))
        elif row.enabled != enabled:
            row.enabled, row.updated_at = enabled, now
    db.session.flush()
    after = choices(partner)
    if after != before:
        audit.record(actor, "partner.email_preferences", "partner", partner.id, before=before,
                     after=after, now=now)
