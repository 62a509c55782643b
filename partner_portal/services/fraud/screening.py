"""Running the rules on a conversion, and resolving the cases they open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ...extensions import db
from ...models import Click, Commission, Conversion, FraudCase, FraudRuleSetting, Partner
from ...models.fraud import FRAUD_ACTIONS
from .. import audit
from ..commissions import apply_action
from ..errors import NotFound, ValidationError
from ..lifecycle import COMMISSION
from ..locking import for_update
from ..money import parse_decimal
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
        if threshold is None or (isinstance(threshold, str) and not threshold.strip()):
            raise ValidationError(f"Enter a number of {rule.threshold_label}.", field="threshold")
        threshold = parse_decimal(threshold, "threshold", places=2,
                                  what=f"a number of {rule.threshold_label}")
        if threshold > 10**9:
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


# What a commission's status note says when the screening decided on it. Staff see it, with
# the rule and its finding; partners never do (``earnings.status_note`` gives them a plain
# line instead).
RULE_REASON = "Fraud rule “{title}”: {summary}"
REVIEW_REJECTION = "Rejected after fraud review: {note}"
_REASON_STARTS = (RULE_REASON.split("{")[0], REVIEW_REJECTION.split("{")[0])


def decided_by_screening(status_reason: str | None) -> bool:
    """Whether a commission's status note was written by the screening or its review."""
    return bool(status_reason) and status_reason.startswith(_REASON_STARTS)


def screen(conversion: Conversion, *, now: datetime,
           commissions: list[Commission] | None = None) -> list[FraudCase]:
    """Run every enabled rule on an attributed conversion; open a case per finding and
    apply the strongest action to the conversion's pending commissions (``commissions``:
    the ones just recorded for it, when the caller has them). ``record_conversion`` calls
    it once for each new conversion."""
    if conversion.partner_id is None or conversion.status != "attributed":
        return []
    return _run(conversion, _click_for(conversion), list(REGISTRY), now=now,
                commissions=commissions)


def screen_arrived_click(conversion: Conversion, click: Click, *, now: datetime) -> list[FraudCase]:
    """The click behind ``conversion`` was loaded after the conversion was recorded (clicks
    are spooled and loaded a moment after the redirect; a fast conversion can beat them):
    run the rules that look at the click now, with the outcome they would have had if the
    click had been there first. A rule that already opened a case on this conversion is not
    run again. The click loader calls it once per conversion (``clicks.link_arrived_clicks``)."""
    if conversion.partner_id is None or conversion.status != "attributed":
        return []
    opened = set(db.session.scalars(select(FraudCase.rule).where(
        FraudCase.conversion_id == conversion.id)))
    codes = [code for code, rule in REGISTRY.items() if rule.uses_click and code not in opened]
    return _run(conversion, click, codes, now=now, commissions=None,
                note="screened when its click was loaded")


def _run(conversion: Conversion, click: Click | None, codes: list[str], *, now: datetime,
         commissions: list[Commission] | None, note: str | None = None) -> list[FraudCase]:
    ctx = FraudContext(conversion, offer_terms(conversion.offer_id),
                       db.session.get(Partner, conversion.partner_id), click, now)
    current = cached_settings()
    cases = []
    for code in codes:
        setting = current[code]
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
    if strongest.action != "flag":
        action = strongest.action
        # A hold takes pending commissions; a rejection takes pending and held ones (a hold
        # opened earlier on the same conversion).
        takes = ("pending",) if action == "hold" else ("pending", "hold")
        affected = _commissions(conversion, lock=True) if commissions is None else [
            c for c in commissions if c.kind != "adjustment"]
        reason = RULE_REASON.format(title=REGISTRY[strongest.rule].title, summary=strongest.summary)
        for commission in affected:
            if commission.status not in takes:
                continue
            apply_action(commission, action, reason=reason,
                         actor=audit.Actor.system(f"fraud rule: {strongest.rule}"), now=now,
                         note=f"fraud case {strongest.id}")
    for case in cases:
        audit.record(audit.Actor.system(f"fraud rule: {case.rule}"), "fraud_case.open",
                     "conversion", conversion.id, after={"case": case.id, "rule": case.rule,
                                                         "action": case.action},
                     note=note, now=now)
    return cases


def _commissions(conversion: Conversion, *, lock: bool = False) -> list[Commission]:
    """The conversion's commissions, bonuses and tier-2 shares (its adjustments move with
    them)."""
    stmt = (select(Commission).where(Commission.conversion_id == conversion.id,
                                     Commission.kind != "adjustment").order_by(Commission.id))
    return list(db.session.scalars(for_update(stmt) if lock else stmt))


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
    action = "release" if decision == "release" else "reject"
    for commission in _commissions(case.conversion, lock=True):
        if action not in COMMISSION.allowed_actions(commission.status):
            continue  # e.g. a flag-only case: the commission was never held
        apply_action(commission, action,
                     reason=None if action == "release" else REVIEW_REJECTION.format(note=note),
                     actor=actor, now=now, note=note or None)
    for c in open_cases:
        c.status = "released" if decision == "release" else "rejected"
        c.resolved_at, c.resolved_by_id, c.resolution_note = now, actor.user_id, note or None
        audit.record(actor, f"fraud_case.{decision}", "fraud_case", c.id,
                     before={"status": "open"}, after={"status": c.status}, note=note or None, now=now)
    db.session.flush()
    return open_cases
