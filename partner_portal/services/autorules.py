"""Automatic decisions on new applications, by rules the program sets.

Each rule kind is a small class in ``KINDS``: it checks and normalises its settings
(``clean``), says in words what it does (``describe``) and tells whether an application
matches (``explain`` returns why, or ``None``). Right after an application is submitted
(same transaction) the enabled rules run: every reject rule first, then the approve rules;
the first that matches decides, through the same ``vetting.decide`` a person uses, with the
actor "automatic rule: <name>". So a reject rule always wins over an approve rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import select

from ..extensions import db
from ..models import AutoDecisionRule, Partner, PartnerRisk, Program
from . import audit, identity, vetting
from .errors import Conflict, DomainError, NotFound, ValidationError
from .program import get_program
from .risk.signals import REGISTRY as SIGNALS


def _score(value, field: str) -> int:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError("Enter a whole number from 0 to 100.", field=field) from None
    if not 0 <= score <= 100:
        raise ValidationError("Enter a whole number from 0 to 100.", field=field)
    return score


class RuleKind:
    code: ClassVar[str]
    title: ClassVar[str]
    decision: ClassVar[str]  # "approve" or "reject"

    def clean(self, raw: dict) -> dict:
        return {}

    def describe(self, params: dict) -> str:  # pragma: no cover
        raise NotImplementedError

    def explain(self, partner: Partner, risk: PartnerRisk, program: Program,
                params: dict) -> str | None:  # pragma: no cover
        raise NotImplementedError


class ApproveLowRisk(RuleKind):
    code, title, decision = "approve_low_risk", "Approve low-risk applications", "approve"

    def clean(self, raw):
        return {"max_score": _score(raw.get("max_score", 0), "max_score")}

    def describe(self, params):
        return (f"Approve when the risk score is {params['max_score']} or less and the country "
                "is not on the deny list")

    def explain(self, partner, risk, program, params):
        if risk.score > params["max_score"]:
            return None
        if partner.country and partner.country.upper() in program.denied_country_list:
            return None
        return f"risk score {risk.score} ≤ {params['max_score']} and country {partner.country} allowed"


class RejectEmailDomain(RuleKind):
    code, title, decision = "reject_email_domain", "Reject email domains", "reject"

    def clean(self, raw):
        text = raw.get("domains") or ""
        if isinstance(text, (list, tuple)):
            text = " ".join(text)
        domains = sorted({d.strip().lower().lstrip("@").rstrip(".")
                          for d in text.replace(",", " ").split() if d.strip()})
        bad = [d for d in domains if "." not in d or "/" in d]
        if not domains or bad:
            raise ValidationError("List email domains such as example.com, separated by spaces.",
                                  field="domains")
        return {"domains": domains}

    def describe(self, params):
        return "Reject when the email or payout email is at " + ", ".join(params["domains"])

    def explain(self, partner, risk, program, params):
        banned = set(params["domains"])
        for address in (partner.email, partner.payout_email):
            domain = identity.email_domain(address)
            if domain and (domain in banned or identity.registrable_domain(domain) in banned):
                return f"{address} is at {domain}, a refused email domain"
        return None


class RejectSignal(RuleKind):
    code, title, decision = "reject_signal", "Reject on risk signals", "reject"

    def clean(self, raw):
        codes = raw.get("signals") or []
        if isinstance(codes, str):
            codes = codes.split()
        codes = sorted(set(codes))
        if not codes or any(c not in SIGNALS for c in codes):
            raise ValidationError("Choose at least one risk signal.", field="signals")
        return {"signals": codes, "banned_only": bool(raw.get("banned_only"))}

    def describe(self, params):
        titles = ", ".join(SIGNALS[c].title.lower() for c in params["signals"] if c in SIGNALS)
        extra = " involving a banned partner" if params.get("banned_only") else ""
        return f"Reject when any of these signals is raised{extra}: {titles}"

    def explain(self, partner, risk, program, params):
        banned_ids = None
        for signal in risk.signals:
            if signal["code"] not in params["signals"]:
                continue
            if params.get("banned_only"):
                if banned_ids is None:
                    banned_ids = set(db.session.scalars(select(Partner.id).where(
                        Partner.status == "banned")))
                if not set(signal["partner_ids"]) & banned_ids:
                    continue
            return f"signal “{signal['title']}”: {'; '.join(signal['evidence'])}"
        return None


class RejectHighRisk(RuleKind):
    code, title, decision = "reject_high_risk", "Reject high-risk applications", "reject"

    def clean(self, raw):
        return {"min_score": _score(raw.get("min_score", 100), "min_score")}

    def describe(self, params):
        return f"Reject when the risk score is {params['min_score']} or more"

    def explain(self, partner, risk, program, params):
        if risk.score >= params["min_score"]:
            return f"risk score {risk.score} ≥ {params['min_score']}"
        return None


KINDS: dict[str, RuleKind] = {k.code: k for k in (
    ApproveLowRisk(), RejectEmailDomain(), RejectSignal(), RejectHighRisk())}


def describe(rule: AutoDecisionRule) -> str:
    text = KINDS[rule.kind].describe(rule.params)
    if rule.kind == "approve_low_risk" and rule.group is not None:
        text += f", into the “{rule.group.name}” group"
    return text


def list_rules() -> list[AutoDecisionRule]:
    return list(db.session.scalars(select(AutoDecisionRule).order_by(AutoDecisionRule.id)))


def create_rule(name: str, kind: str, raw: dict, actor: audit.Actor, *, now: datetime,
                group_id: int | None = None, message: str | None = None) -> AutoDecisionRule:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError("Name the rule (up to 80 characters).", field="name")
    if kind not in KINDS:
        raise ValidationError("Choose what the rule does.", field="kind")
    if db.session.scalar(select(AutoDecisionRule.id).where(AutoDecisionRule.name == name)):
        raise Conflict("A rule with this name already exists.", field="name")
    params = KINDS[kind].clean(raw)
    message = (message or "").strip()
    if message:
        params["message"] = message[:vetting.MESSAGE_MAX]
    group = vetting.get_group(group_id) if KINDS[kind].decision == "approve" else None
    rule = AutoDecisionRule(name=name, kind=kind, params=params, enabled=True, created_at=now,
                            group_id=group.id if group else None)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "auto_rule.create", "auto_rule", rule.id,
                 after={"name": name, "kind": kind, "params": params, "group_id": rule.group_id},
                 now=now)
    return rule


def set_enabled(rule_id: int, enabled: bool, actor: audit.Actor, *, now: datetime) -> AutoDecisionRule:
    rule = _get(rule_id)
    if rule.enabled != enabled:
        rule.enabled = enabled
        audit.record(actor, "auto_rule.enable" if enabled else "auto_rule.disable", "auto_rule",
                     rule.id, before={"enabled": not enabled}, after={"enabled": enabled}, now=now)
    return rule


def delete_rule(rule_id: int, actor: audit.Actor, *, now: datetime) -> None:
    rule = _get(rule_id)
    audit.record(actor, "auto_rule.delete", "auto_rule", rule.id,
                 before={"name": rule.name, "kind": rule.kind, "params": rule.params}, now=now)
    db.session.delete(rule)
    db.session.flush()


def _get(rule_id: int) -> AutoDecisionRule:
    rule = db.session.get(AutoDecisionRule, rule_id)
    if rule is None:
        raise NotFound("There is no such rule.")
    return rule


def run(partner: Partner, risk: PartnerRisk, *, now: datetime) -> AutoDecisionRule | None:
    """Let the enabled rules decide on a fresh application; the rule that did, or None."""
    if partner.status != "applied":
        return None
    program = get_program()
    rules = [r for r in list_rules() if r.enabled and r.kind in KINDS]
    rules.sort(key=lambda r: (KINDS[r.kind].decision != "reject", r.id))
    for rule in rules:
        kind = KINDS[rule.kind]
        why = kind.explain(partner, risk, program, rule.params)
        if why is None:
            continue
        actor = audit.Actor.system(f"automatic rule: {rule.name}")
        try:
            vetting.decide(partner, kind.decision, actor, now=now, group_id=rule.group_id,
                           reason=f"Automatic rule “{rule.name}”: {why}"[:vetting.REASON_MAX],
                           message=rule.params.get("message"))
        except DomainError as exc:  # e.g. the rule's group is gone and there is no default
            audit.record(actor, "auto_rule.failed", "partner", partner.id, note=exc.message,
                         now=now)
            continue
        return rule
    return None


def set_denied_countries(text: str, actor: audit.Actor, *, now: datetime) -> Program:
    """The program's deny list of countries, from codes separated by spaces or commas."""
    import pycountry

    codes = sorted({c.strip().upper() for c in (text or "").replace(",", " ").split() if c.strip()})
    unknown = [c for c in codes if len(c) != 2 or pycountry.countries.get(alpha_2=c) is None]
    if unknown:
        raise ValidationError(f"Not a country code: {', '.join(unknown)}. Use two-letter codes "
                              "such as KP or IR.", field="denied_countries")
    program = get_program()
    before = program.denied_country_list
    if codes != before:
        program.denied_countries = " ".join(codes)
        audit.record(actor, "program.denied_countries", "program", program.id,
                     before={"denied_countries": before}, after={"denied_countries": codes}, now=now)
    return program
