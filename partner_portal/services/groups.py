"""Partner groups (tiers): create, rename, describe. Moving partners is in ``vetting``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Partner, PartnerGroup
from . import audit
from .errors import Conflict, NotFound, ValidationError

FIELDS = ("name", "description", "is_default")


def list_groups() -> list[tuple[PartnerGroup, int]]:
    """Every group with how many partners it holds, by name."""
    counts = dict(db.session.execute(select(Partner.group_id, func.count())
                                     .group_by(Partner.group_id)).all())
    groups = db.session.scalars(select(PartnerGroup).order_by(func.lower(PartnerGroup.name)))
    return [(g, counts.get(g.id, 0)) for g in groups]


def get(group_id: int) -> PartnerGroup:
    group = db.session.get(PartnerGroup, group_id)
    if group is None:
        raise NotFound("There is no such group.")
    return group


def _clean(name: str, description: str, *, exclude_id: int | None = None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        raise ValidationError("Name the group.", field="name")
    if len(name) > 80:
        raise ValidationError("Keep the name under 80 characters.", field="name")
    if len(description) > 2000:
        raise ValidationError("Keep the description under 2,000 characters.", field="description")
    clash = select(PartnerGroup.id).where(func.lower(PartnerGroup.name) == name.lower())
    if exclude_id is not None:
        clash = clash.where(PartnerGroup.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise Conflict("Another group already has this name.", field="name")
    return name, description


def _make_sole_default(group: PartnerGroup) -> None:
    for other in db.session.scalars(select(PartnerGroup).where(
            PartnerGroup.is_default.is_(True), PartnerGroup.id != group.id)):
        other.is_default = False


def create(name: str, description: str, actor: audit.Actor, *, now: datetime,
           is_default: bool = False) -> PartnerGroup:
    name, description = _clean(name, description)
    group = PartnerGroup(name=name, description=description, is_default=is_default, created_at=now)
    db.session.add(group)
    db.session.flush()
    if is_default:
        _make_sole_default(group)
    audit.record(actor, "group.create", "group", group.id, after=audit.snapshot(group, FIELDS),
                 now=now)
    return group


def update(group_id: int, name: str, description: str, actor: audit.Actor, *, now: datetime,
           is_default: bool = False) -> PartnerGroup:
    group = get(group_id)
    name, description = _clean(name, description, exclude_id=group.id)
    before = audit.snapshot(group, FIELDS)
    group.name, group.description, group.is_default = name, description, is_default
    if is_default:
        _make_sole_default(group)
    db.session.flush()
    after = audit.snapshot(group, FIELDS)
    if after != before:
        audit.record(actor, "group.update", "group", group.id, before=before, after=after, now=now)
    return group
