"""Editing an offer's commission structure: its rules and the group and partner overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import CommissionRule, Offer, Partner, PartnerGroup
from ..models.commission_rules import RULE_SCOPES
from . import audit
from .commission_rules import EVENTS, get_kind
from .errors import NotFound, ValidationError

PLURAL_EVENT = {"sale": "sales", "lead": "leads", "signup": "signups", "renewal": "renewals"}


@dataclass
class RuleInput:
    name: str
    kind: str
    event: str = "sale"
    scope: str = "offer"  # offer | group | partner
    group_id: int | None = None
    partner: str | None = None  # id, reference or email of the partner
    is_active: bool = True
    settings: dict[str, Any] = field(default_factory=dict)  # the kind's inputs


def find_partner(text: str | None) -> Partner:
    """A partner by id, reference or email, or a ``ValidationError`` on ``partner``."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Enter the partner's email or reference.", field="partner")
    conditions = [func.lower(Partner.email) == text.lower(), Partner.ref == text]
    if text.isascii() and text.isdigit() and len(text) <= 9:
        conditions.append(Partner.id == int(text))
    partner = db.session.scalars(select(Partner).where(or_(*conditions)).limit(1)).first()
    if partner is None:
        raise ValidationError("No partner with this email or reference.", field="partner")
    return partner


def _clean(offer: Offer, inp: RuleInput) -> dict:
    name = (inp.name or "").strip()
    if not name:
        raise ValidationError("Give the rule a short name, such as VIP-sales.", field="name")
    if len(name) > 80:
        raise ValidationError("Use at most 80 characters.", field="name")
    kind = get_kind(inp.kind)
    if inp.event not in EVENTS:
        raise ValidationError("Choose the event the rule pays for.", field="event")
    if inp.event not in kind.events:
        allowed = " or ".join(kind.events)
        raise ValidationError(f"{kind.label} rules pay for {allowed} events.", field="event")
    if inp.scope not in RULE_SCOPES:
        raise ValidationError("Choose whom the rule is for.", field="scope")
    group_id = partner_id = None
    if inp.scope == "group":
        if not inp.group_id or db.session.get(PartnerGroup, int(inp.group_id)) is None:
            raise ValidationError("Choose a partner group.", field="group_id")
        group_id = int(inp.group_id)
    elif inp.scope == "partner":
        partner_id = find_partner(inp.partner).id
    return {"name": name, "kind": kind.kind, "event": inp.event, "scope": inp.scope,
            "group_id": group_id, "partner_id": partner_id, "is_active": bool(inp.is_active),
            "params": kind.parse(inp.settings, offer.currency)}


def _state(rule: CommissionRule) -> dict:
    return audit.snapshot(rule, ["name", "kind", "event", "scope", "group_id", "partner_id",
                                 "is_active", "params", "position"])


def add_rule(offer: Offer, inp: RuleInput, *, actor: audit.Actor, now: datetime) -> CommissionRule:
    values = _clean(offer, inp)
    last = db.session.scalar(select(func.max(CommissionRule.position))
                             .where(CommissionRule.offer_id == offer.id))
    rule = CommissionRule(offer_id=offer.id, position=(last or 0) + 1, created_at=now,
                          updated_at=now, **values)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "commission_rule.create", "commission_rule", rule.id,
                 after=_state(rule), note=f"offer {offer.id}", now=now)
    return rule


def update_rule(rule: CommissionRule, inp: RuleInput, *, actor: audit.Actor,
                now: datetime) -> CommissionRule:
    values = _clean(rule.offer, inp)
    before = _state(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = now
    db.session.flush()
    after = _state(rule)
    if after != before:
        audit.record(actor, "commission_rule.update", "commission_rule", rule.id,
                     before=before, after=after, note=f"offer {rule.offer_id}", now=now)
    return rule


def delete_rule(rule: CommissionRule, *, actor: audit.Actor, now: datetime) -> None:
    before = _state(rule)
    rule_id, offer_id = rule.id, rule.offer_id
    db.session.delete(rule)
    db.session.flush()
    audit.record(actor, "commission_rule.delete", "commission_rule", rule_id, before=before,
                 note=f"offer {offer_id}", now=now)


def move_rule(rule: CommissionRule, direction: str, *, actor: audit.Actor, now: datetime) -> None:
    """Swap the rule with its neighbour among the rules for the same partners."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a rule up or down.", field="direction")
    siblings = [r for r in rules_of(rule.offer_id)
                if (r.scope, r.group_id, r.partner_id) == (rule.scope, rule.group_id, rule.partner_id)]
    index = siblings.index(rule)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        return
    other = siblings[other_index]
    if rule.position == other.position:  # make positions distinct before swapping
        for i, r in enumerate(rules_of(rule.offer_id), start=1):
            r.position = i
    rule.position, other.position = other.position, rule.position
    db.session.flush()
    audit.record(actor, "commission_rule.move", "commission_rule", rule.id,
                 after={"direction": direction, "position": rule.position},
                 note=f"offer {rule.offer_id}", now=now)


def rules_of(offer_id: int) -> list[CommissionRule]:
    return list(db.session.scalars(select(CommissionRule).where(CommissionRule.offer_id == offer_id)
                                   .order_by(CommissionRule.position, CommissionRule.id)))


def get_rule(offer: Offer, rule_id: int) -> CommissionRule:
    rule = db.session.get(CommissionRule, rule_id)
    if rule is None or rule.offer_id != offer.id:
        raise NotFound("No such rule on this offer.")
    return rule


@dataclass
class Section:
    """Rules for one audience: the offer's, one group's or one partner's."""

    title: str
    scope: str
    rules: list[CommissionRule]
    subtitle: str = ""


def sections(offer: Offer) -> list[Section]:
    """The structure as the editor shows it: offer rules first, then each group's and each
    partner's overrides."""
    rules = rules_of(offer.id)
    result = [Section("Everyone on this offer", "offer", [r for r in rules if r.scope == "offer"],
                      "Used when no group or partner override has rules for the event.")]
    groups: dict[int, list[CommissionRule]] = {}
    partners: dict[int, list[CommissionRule]] = {}
    for r in rules:
        if r.scope == "group":
            groups.setdefault(r.group_id, []).append(r)
        elif r.scope == "partner":
            partners.setdefault(r.partner_id, []).append(r)
    for group_rules in sorted(groups.values(), key=lambda rs: rs[0].group.name.lower()):
        result.append(Section(f"{group_rules[0].group.name} group override", "group", group_rules,
                              "Replaces the offer's rules for this group's partners, per event."))
    for partner_rules in sorted(partners.values(), key=lambda rs: rs[0].partner.name.lower()):
        p = partner_rules[0].partner
        result.append(Section(f"{p.public_name} ({p.email})", "partner", partner_rules,
                              "Replaces group and offer rules for this partner, per event."))
    return result


def describe(rule: CommissionRule, currency: str) -> str:
    return get_kind(rule.kind).describe(rule.params, currency, rule.event)
