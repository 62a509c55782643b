"""An offer's terms as the conversion path reads them: plain, immutable values (the
offer's settings, which groups may promote it, their cookie windows, and its active
commission rules), cached per worker by ``settings_cache``.

The attribute names follow the ``Offer`` model, so ``offers.cookie_window`` and
``offers.group_allowed`` work on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import CommissionRule, Offer, Partner
from .commission_engine import RuleSpec
from .settings_cache import cached


@dataclass(frozen=True)
class GroupRef:
    id: int


@dataclass(frozen=True)
class WindowOverride:
    group_id: int
    cookie_window_days: int


@dataclass(frozen=True)
class ScopedRule:
    spec: RuleSpec
    group_id: int | None
    partner_id: int | None


@dataclass(frozen=True)
class OfferTerms:
    id: int
    name: str
    currency: str
    status: str
    attribution_model: str
    cookie_window_days: int
    hold_days: int
    default_commission_kind: str
    default_commission_value: Decimal
    paid_search_allowed: bool
    groups: tuple[GroupRef, ...]
    window_overrides: tuple[WindowOverride, ...]
    rules: tuple[ScopedRule, ...]  # active rules, in the engine's order

    def rules_for(self, partner: Partner | None) -> list[RuleSpec]:
        """The rules that could apply to ``partner`` (as ``commission_engine.load_rules``)."""
        partner_id = partner.id if partner is not None else None
        group_id = partner.group_id if partner is not None else None
        return [r.spec for r in self.rules
                if r.spec.level == "offer"
                or (r.spec.level == "partner" and partner_id is not None and r.partner_id == partner_id)
                or (r.spec.level == "group" and group_id is not None and r.group_id == group_id)]


def _load(offer_id: int) -> OfferTerms | None:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        return None
    rules = db.session.scalars(select(CommissionRule).where(
        CommissionRule.offer_id == offer_id, CommissionRule.is_active.is_(True))
        .order_by(CommissionRule.position, CommissionRule.id))
    return OfferTerms(
        id=offer.id, name=offer.name, currency=offer.currency, status=offer.status,
        attribution_model=offer.attribution_model, cookie_window_days=offer.cookie_window_days,
        hold_days=offer.hold_days, default_commission_kind=offer.default_commission_kind,
        default_commission_value=Decimal(offer.default_commission_value),
        paid_search_allowed=offer.paid_search_allowed,
        groups=tuple(GroupRef(g.id) for g in offer.groups),
        window_overrides=tuple(WindowOverride(w.group_id, w.cookie_window_days)
                               for w in offer.window_overrides),
        rules=tuple(ScopedRule(RuleSpec.of(r), r.group_id, r.partner_id) for r in rules))


def offer_terms(offer_id: int) -> OfferTerms | None:
    """The offer's terms, or None when there is no such offer."""
    if not isinstance(offer_id, int) or isinstance(offer_id, bool):
        return None
    return cached(("offer", offer_id), lambda: _load(offer_id))
