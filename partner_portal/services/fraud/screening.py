"""Running the rules on a conversion, and resolving the cases they open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ...extensions import db
from ...models import Click, Commission, Conversion, FraudCase, FraudRuleSetting, Partner
from ...models.fraud import FRAUD_ACTIONS
from .. import audit, rollups
from ..errors import InvalidTransition, NotFound, ValidationError
from ..lifecycle import COMMISSION
from ..offer_terms import offer_terms
from ..settings_cache import cached
from .rules import REGISTRY, FraudContext

SEVERITY = {"flag": 0, "hold": 1, "reject": 2}


@dataclass(frozen=True)
class RuleSetting:
    code: str
    enabled: bool
    threshold: Decimal | None
    action: str


def settings() -> dict[str, RuleSetting]:
    """Every rule's setting, read now (the admin page and its audit)."""
    stored = {s.code: s for s in db.session.scalars(select(FraudRuleSetting))}
    result = {}
    for code, rule in REGISTRY.items():
        s = stored.get(code)
        result[code] = RuleSetting(
            code, s.enabled if s else rule.default_enabled,
            (s.threshold if s and s.threshold is not None else rule.default_threshold),
            s.action if s else rule.default_action)
    return result


def cached_settings() -> dict[str, RuleSetting]:
    """``settings()`` as the conversion path reads it: cached per worker, invalidated by
    any committed change to a setting (``settings_cache``)."""
    return cached("fraud_settings", settings)


def update_setting(code: str, *, enabled: bool, threshold, action: str, actor: audit.Actor,
                   now: datetime) -> RuleSetting:
    rule = REGISTRY.get(code)
    if rule is None:
        raise NotFound("No such fraud rule.", field="code")
    if action not in FRAUD_ACTIONS:
        raise ValidationError("Choose flag, hold or reject.", field="action")
    if rule.threshold_label is not None:
        try:
            threshold = Decimal(str(threshold))
        except Exception:
            raise ValidationError(f"Enter a number of {rule.threshold_label}.", field="threshold") from None
        if not threshold.is_finite() or threshold < 0 or threshold > 10**9:
            raise ValidationError(f"Enter a number of {rule.threshold_label} (0 or more).",
                                  field="threshold")
    else:
        threshold = None
    before = settings()[code]
    row = db.session.get(FraudRuleSetting, code) or FraudRuleSetting(code=code)
    row.enabled, row.threshold, row.action = enabled, threshold, action
    db.session.add(row)
    db.session.flush()
    after = settings()[code]
    audit.record(actor, "fraud_rule.update", "fraud_rule", code,
                 before=before.__dict__, after=after.__dict__, now=now)
    return after


def _click_for(conversion: Conversion) -> Click | None:
    if conversion.click_row_id:
        return db.session.get(Click, conversion.click_row_id)
    if conversion.click_token:
        return db.session.scalar(select(Click).where(Click.token == conversion.click_token))
    return None


def screen(conversion: Conversion, *, now: datetime,
           commissions: list[Commission] | None = None) -> list[FraudCase]:
    """Run every enabled rule on an attributed conversion; open a case per finding and
    apply the strongest action to the conversion's pending commissions (``commissions``:
    the ones just recorded for it, when the caller has them)."""
    if conversion.partner_id is None or conversion.status != "attributed":
        return []
    ctx = FraudContext(conversion, offer_terms(conversion.offer_id),
                       db.session.get(Partner, conversion.partner_id), _click_for(conversion), now)
    cases = []
    for code, setting in cached_settings().items():
        if not setting.enabled:
            continue
        finding = REGISTRY[code].evaluate(ctx, setting.threshold)
        if finding is None:
            continue
        case = FraudCase(conversion_id=conversion.id, partner_id=conversion.partner_id, rule=code,
                         action=setting.action, summary=finding.summary, evidence=finding.evidence,
                         created_at=now)
        db.session.add(case)
        cases.append(case)
    if not cases:
        return []
    db.session.flush()
    strongest = max(cases, key=lambda c: SEVERITY[c.action])
    actor = audit.Actor.system(f"fraud rule: {strongest.rule}")
    if strongest.action != "flag":
        action = "hold" if strongest.action == "hold" else "reject"
        held = _commissions(conversion) if commissions is None else [
            c for c in commissions if c.kind != "adjustment"]
        for commission in held:
            if commission.status != "pending":
                continue
            before, after = COMMISSION.apply(commission, action)
            if after == "rejected":
                rollups.commission_rejected(commission)
            commission.status_reason = f"Fraud rule “{REGISTRY[strongest.rule].title}”: {strongest.summary}"
            audit.record(actor, f"commission.{action}", "commission", commission.id,
                         before={"status": before}, after={"status": after},
                         note=f"fraud case {strongest.id}", now=now)
    for case in cases:
        audit.record(audit.Actor.system(f"fraud rule: {case.rule}"), "fraud_case.open",
                     "conversion", conversion.id, after={"case": case.id, "rule": case.rule,
                                                         "action": case.action}, now=now)
    return cases


def _commissions(conversion: Conversion) -> list[Commission]:
    return list(db.session.scalars(select(Commission).where(
        Commission.conversion_id == conversion.id, Commission.kind != "adjustment")
        .order_by(Commission.id)))


def resolve(case_id: int, decision: str, *, note: str, actor: audit.Actor, now: datetime) -> list[FraudCase]:
    """Release (held commissions go back to pending) or reject (they are rejected) the
    conversion behind a case; every open case of that conversion is resolved with it."""
    if decision not in ("release", "reject"):
        raise ValidationError("Choose release or reject.", field="decision")
    case = db.session.get(FraudCase, case_id)
    if case is None:
        raise NotFound("No such fraud case.")
    if case.status != "open":
        raise ValidationError("This case is already resolved.", field="decision")
    note = (note or "").strip()
    if decision == "reject" and not note:
        raise ValidationError("Say why the conversion is rejected.", field="note")
    open_cases = list(db.session.scalars(select(FraudCase).where(
        FraudCase.conversion_id == case.conversion_id, FraudCase.status == "open")))
    for commission in _commissions(case.conversion):
        try:
            before, after = COMMISSION.apply(commission, "release" if decision == "release" else "reject")
        except InvalidTransition:
            continue  # e.g. a flag-only case: the commission was never held
        if after == "rejected":
            rollups.commission_rejected(commission)
        commission.status_reason = None if decision == "release" else f"Rejected after fraud review: {note}"
        audit.record(actor, f"commission.{'release' if decision == 'release' else 'reject'}",
                     "commission", commission.id, before={"status": before}, after={"status": after},
                     note=note or None, now=now)
    for c in open_cases:
        c.status = "released" if decision == "release" else "rejected"
        c.resolved_at, c.resolved_by_id, c.resolution_note = now, actor.user_id, note or None
        audit.record(actor, f"fraud_case.{decision}", "fraud_case", c.id,
                     before={"status": "open"}, after={"status": c.status}, note=note or None, now=now)
    db.session.flush()
    return open_cases
