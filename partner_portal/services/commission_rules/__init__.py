"""The registry of commission rule kinds. Each kind is a small class (``RuleKind``) that
validates its settings, describes them in words and computes lines for a conversion.
Adding a kind means adding a class here (and to the CHECK constraint on ``kind``)."""

from __future__ import annotations

from ..errors import ValidationError
from .base import EVENTS, Context, Line, RuleKind
from .decay import TimeDecay
from .milestone import Milestone
from .recurring import Recurring
from .simple import Flat, Percent
from .tiers import Tiered

REGISTRY: dict[str, RuleKind] = {k.kind: k for k in (
    Flat(), Percent(), Tiered(), Recurring(), TimeDecay(), Milestone())}


def get_kind(kind: str) -> RuleKind:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise ValidationError("Choose a kind of rule.", field="kind") from None


__all__ = ["EVENTS", "REGISTRY", "Context", "Line", "RuleKind", "get_kind"]
