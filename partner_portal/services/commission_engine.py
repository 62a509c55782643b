"""The commission engine: which rules apply to a conversion, and what they pay.

Precedence, per event (sale, lead, signup, renewal), decided separately for the payout
rules and for the bonus rules (milestones):

1. the partner's own override rules for the offer, if any is active for the event;
2. otherwise the partner's group's override rules for the offer;
3. otherwise the offer's rules;
4. otherwise (payout only) the offer's default commission (percent or flat).

The rules of the level that wins are all applied, in their order, and their lines add up;
each line is rounded half-up to the currency's minor unit first, so the explanation's
numbers add up to the total exactly. The same functions serve ``record_conversion`` and
the admin's simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import and_, bindparam, or_, select

from ..extensions import db
from ..models import CommissionRule, Offer, Partner
from .commission_rules import Context, get_kind
from .commission_rules.base import HUNDRED, apply_rate, fmt_number, rate_text
from .money import format_money, round_money

LEVELS = ("partner", "group", "offer")
ZERO = Decimal(0)


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the engine sees it: plain values, no database."""

    id: int | None
    name: str
    kind: str
    event: str
    params: dict
    level: str = "offer"  # offer | group | partner
    level_label: str = ""  # "VIP group override"

    @classmethod
    def of(cls, rule: CommissionRule) -> RuleSpec:
        label = ""
        if rule.scope == "group":
            label = f"{rule.group.name} group override" if rule.group else "group override"
        elif rule.scope == "partner":
            label = "partner override"
        return cls(rule.id, rule.name, rule.kind, rule.event, dict(rule.params or {}),
                   rule.scope, label)


@dataclass(frozen=True)
class OfferDefault:
    kind: str  # percent | flat
    value: Decimal

    @classmethod
    def of(cls, offer: Offer) -> OfferDefault:
        return cls(offer.default_commission_kind, Decimal(offer.default_commission_value))


@dataclass(frozen=True)
class QuoteLine:
    amount: Decimal
    text: str
    rule_id: int | None = None
    bonus: bool = False


@dataclass(frozen=True)
class Quote:
    """What a conversion earns its partner: the payout lines, any bonus lines, and the
    words that explain them."""

    currency: str
    level: str  # which level's payout rules applied: partner, group, offer or default
    lines: tuple[QuoteLine, ...]
    bonuses: tuple[QuoteLine, ...] = ()
    note: str | None = None  # how the conversion was attributed, e.g. "12 days after the click"

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def bonus_amount(self) -> Decimal:
        return sum((line.amount for line in self.bonuses), ZERO)

    @property
    def total(self) -> Decimal:
        return self.amount + self.bonus_amount

    def _with_note(self, text: str) -> str:
        return f"{text}, {self.note}" if self.note else text

    @property
    def explanation(self) -> str:
        text = " + ".join(line.text for line in self.lines) or "nothing"
        if len(self.lines) > 1:
            text += f" = {format_money(self.amount, self.currency)}"
        return self._with_note(text)

    def bonus_explanation(self, line: QuoteLine) -> str:
        return self._with_note(line.text)


def choose_rules(rules: Iterable[RuleSpec], event: str, *, bonus: bool) -> tuple[str | None, list[RuleSpec]]:
    """The most specific level with rules for ``event`` (payout or bonus), and its rules."""
    relevant = [r for r in rules if r.event == event and get_kind(r.kind).bonus == bonus]
    for level in LEVELS:
        chosen = [r for r in relevant if r.level == level]
        if chosen:
            return level, chosen
    return None, []


def _label(spec: RuleSpec, text: str) -> str:
    suffix = f" ({spec.level_label})" if spec.level_label else ""
    return f"{text} under rule {spec.name}{suffix}"


def quote(rules: Sequence[RuleSpec], default: OfferDefault, ctx: Context,
          note: str | None = None) -> Quote:
    """Pure: what ``rules`` (all of a partner's candidate rules) pay for ``ctx``."""
    level, payout_rules = choose_rules(rules, ctx.event, bonus=False)
    lines: list[QuoteLine] = []
    bonuses: list[QuoteLine] = []
    if level is None:
        amount = apply_rate(default.kind, default.value, ctx.amount, ctx.currency)
        text = rate_text(default.kind, default.value, ctx.amount, ctx.currency, ctx.event)
        lines.append(QuoteLine(amount, f"{text} (offer default)"))
        level = "default"
    for spec in payout_rules:
        for line in get_kind(spec.kind).lines(spec.params, ctx):
            target = bonuses if line.bonus else lines
            target.append(QuoteLine(round_money(line.amount, ctx.currency),
                                    _label(spec, line.text), spec.id, line.bonus))
    _, bonus_rules = choose_rules(rules, ctx.event, bonus=True)
    for spec in bonus_rules:
        for line in get_kind(spec.kind).lines(spec.params, ctx):
            bonuses.append(QuoteLine(round_money(line.amount, ctx.currency),
                                     _label(spec, line.text), spec.id, True))
    return Quote(ctx.currency, level, tuple(lines), tuple(bonuses), note)


# --- two-tier -----------------------------------------------------------------------

@dataclass(frozen=True)
class Share:
    partner_id: int
    level: int
    amount: Decimal
    explanation: str


def tier2_shares(base: Decimal, currency: str, share_percent: Decimal, recruit_name: str,
                 ancestors: Sequence[tuple[int, str]]) -> list[Share]:
    """Pure: each recruiter up the chain earns ``share_percent`` of the recruit's commission
    (``ancestors`` is the chain, nearest first, already cut to the program's depth)."""
    if base <= 0 or share_percent <= 0:
        return []
    shares = []
    below = recruit_name
    for level, (partner_id, _name) in enumerate(ancestors, start=1):
        amount = round_money(base * share_percent / HUNDRED, currency)
        via = "your recruit" if level == 1 else f"a partner recruited through {below}"
        text = (f"{fmt_number(share_percent)}% of {recruit_name}'s commission of "
                f"{format_money(base, currency)} (two-tier, level {level}: {via})")
        shares.append(Share(partner_id, level, amount, text))
        below = _name
    return shares


# --- reading the rules and the recruitment chain -------------------------------------

_RULES = (select(CommissionRule)
          .where(CommissionRule.offer_id == bindparam("offer"), CommissionRule.is_active.is_(True),
                 or_(CommissionRule.scope == "offer",
                     and_(CommissionRule.scope == "partner", CommissionRule.partner_id == bindparam("partner")),
                     and_(CommissionRule.scope == "group", CommissionRule.group_id == bindparam("group"))))
          .order_by(CommissionRule.position, CommissionRule.id))


def load_rules(offer_id: int, partner: Partner | None) -> list[RuleSpec]:
    """The active rules of ``offer_id`` that could apply to ``partner``, in order."""
    params = {"offer": offer_id, "partner": partner.id if partner else -1,
              "group": partner.group_id if partner and partner.group_id is not None else -1}
    return [RuleSpec.of(rule) for rule in db.session.scalars(_RULES, params)]


def recruiters(partner: Partner, levels: int) -> list[Partner]:
    """Up to ``levels`` recruiters above ``partner``, nearest first; the chain stops at a
    partner who is not approved, and never loops."""
    chain: list[Partner] = []
    seen = {partner.id}
    current = partner
    while len(chain) < levels and current.parent_id and current.parent_id not in seen:
        parent = db.session.get(Partner, current.parent_id)
        if parent is None or parent.status != "approved":
            break
        chain.append(parent)
        seen.add(parent.id)
        current = parent
    return chain


@dataclass
class Plan:
    """Everything one conversion earns: the partner's quote and the recruiters' shares."""

    quote: Quote
    shares: list[Share] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.quote.total + sum((s.amount for s in self.shares), ZERO)


def plan(offer: Offer, partner: Partner, ctx: Context, *, note: str | None = None,
         share_percent: Decimal = ZERO, levels: int = 1,
         rules: Sequence[RuleSpec] | None = None) -> Plan:
    """``rules``: the partner's candidate rules when the caller has them (``offer_terms``);
    else they are read."""
    if rules is None:
        rules = load_rules(offer.id, partner)
    q = quote(rules, OfferDefault.of(offer), ctx, note)
    chain = recruiters(partner, levels)
    shares = tier2_shares(q.amount, ctx.currency, Decimal(share_percent), partner.public_name,
                          [(p.id, p.public_name) for p in chain])
    return Plan(q, shares)


def payable_at(offer: Offer, now: datetime) -> datetime:
    """When a commission recorded ``now`` leaves its hold period."""
    return now + timedelta(days=offer.hold_days)
