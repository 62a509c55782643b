"""Program terms and partner guidelines: publishing versions, and partners accepting them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Partner, TermsAcceptance, TermsVersion
from . import audit
from .errors import ValidationError
from .locking import advisory_lock
from .program import current_terms

KINDS = {"terms": "Program terms", "guidelines": "Partner guidelines"}


def history(kind: str) -> list[TermsVersion]:
    return list(db.session.scalars(select(TermsVersion).where(TermsVersion.kind == kind)
                                   .order_by(TermsVersion.version.desc())))


def publish(kind: str, title: str, body: str, actor: audit.Actor, *, now: datetime) -> TermsVersion:
    """A new version of ``kind``; partners accept it on their next visit."""
    if kind not in KINDS:
        raise ValidationError("Choose the terms or the guidelines.", field="kind")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 200:
        raise ValidationError("Give a title of up to 200 characters.", field="title")
    if not body:
        raise ValidationError("Write the text partners accept.", field="body")
    if len(body) > 100_000:
        raise ValidationError("The text is too long (100,000 characters at most).", field="body")
    advisory_lock(f"terms:{kind}")  # two editors publishing at once get consecutive versions
    latest = db.session.scalar(select(func.max(TermsVersion.version)).where(TermsVersion.kind == kind))
    current = current_terms(kind)
    if current is not None and current.title == title and current.body == body:
        raise ValidationError("Nothing changed since the current version.", field="body")
    version = TermsVersion(kind=kind, version=(latest or 0) + 1, title=title, body=body,
                           created_by_id=actor.user_id, created_at=now)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "terms.publish", "terms", version.id,
                 before={"kind": kind, "version": latest} if latest else None,
                 after={"kind": kind, "version": version.version, "title": title}, now=now)
    return version


def pending_for(partner: Partner) -> list[TermsVersion]:
    """The current versions the partner has not accepted yet (terms first)."""
    pending = []
    for kind in KINDS:
        current = current_terms(kind)
        if current is None:
            continue
        accepted = db.session.scalar(select(TermsAcceptance.id).where(
            TermsAcceptance.partner_id == partner.id,
            TermsAcceptance.terms_version_id == current.id).limit(1))
        if accepted is None:
            pending.append(current)
    return pending


def accept(partner: Partner, version_ids: list[int], *, ip: str | None, now: datetime) -> list[TermsVersion]:
    """Record the partner accepting the versions shown to them. Only current, still
    pending versions count; if a newer one was published meanwhile, it stays pending."""
    pending = pending_for(partner)
    accepted = [v for v in pending if v.id in set(version_ids)]
    if not accepted:
        raise ValidationError("Tick the box to accept the new version.", field="accept")
    for version in accepted:
        db.session.add(TermsAcceptance(partner_id=partner.id, terms_version_id=version.id,
                                       accepted_at=now, ip=ip))
    db.session.flush()
    audit.record(audit.Actor(partner.user.id if partner.user else None, partner.email, ip),
                 "terms.accept", "partner", partner.id,
                 after={"versions": [f"{v.kind} v{v.version}" for v in accepted]}, now=now)
    return accepted


def acceptances(partner: Partner) -> list[TermsAcceptance]:
    return list(db.session.scalars(select(TermsAcceptance).where(TermsAcceptance.partner_id == partner.id)
                                   .order_by(TermsAcceptance.accepted_at.desc())))
