"""Risk assessment of a partner: every signal in the registry, a score and a level.

Computed when an application arrives (``services/applications.py``) and again on demand.
The score is the sum of the signals' weights, capped at 100; the level is ``high`` from
``HIGH_FROM``, ``medium`` from ``MEDIUM_FROM``, ``low`` below.
"""

from __future__ import annotations

from datetime import datetime

from ...extensions import db
from ...models import Partner, PartnerRisk
from .. import audit
from ..program import get_program
from .signals import REGISTRY, Context, Signal

MEDIUM_FROM = 20
HIGH_FROM = 50
LEVEL_LABELS = {"low": "Low risk", "medium": "Medium risk", "high": "High risk"}


def level_for(score: int) -> str:
    if score >= HIGH_FROM:
        return "high"
    if score >= MEDIUM_FROM:
        return "medium"
    return "low"


def evaluate(partner: Partner, *, now: datetime) -> list[Signal]:
    """The signals that fire for ``partner``, heaviest first (nothing is stored)."""
    ctx = Context(now=now, program=get_program())
    found = [s for rule in REGISTRY.values() if (s := rule.evaluate(partner, ctx)) is not None]
    return sorted(found, key=lambda s: (-s.weight, s.code))


def assess(partner: Partner, *, now: datetime) -> PartnerRisk:
    """Compute and store the partner's assessment, replacing the previous one."""
    signals = evaluate(partner, now=now)
    score = min(100, sum(s.weight for s in signals))
    row = db.session.get(PartnerRisk, partner.id)
    if row is None:
        row = PartnerRisk(partner_id=partner.id)
        db.session.add(row)
    row.score = score
    row.level = level_for(score)
    row.signals = [s.as_dict() for s in signals]
    row.computed_at = now
    db.session.flush()
    return row


def recompute(partner: Partner, actor: audit.Actor, *, now: datetime) -> PartnerRisk:
    """Assess again on request (after new partners were banned, say), and audit it."""
    previous = db.session.get(PartnerRisk, partner.id)
    before = ({"score": previous.score, "level": previous.level,
               "signals": [s["code"] for s in previous.signals]} if previous else None)
    row = assess(partner, now=now)
    audit.record(actor, "partner.risk_recomputed", "partner", partner.id, before=before,
                 after={"score": row.score, "level": row.level,
                        "signals": [s["code"] for s in row.signals]}, now=now)
    return row
