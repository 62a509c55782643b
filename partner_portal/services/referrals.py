"""Two-tier partners: recruitment links, who recruited whom, and the program's share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Partner
from . import audit
from .commission_rules.base import parse_decimal, parse_int
from .program import get_program

MAX_LEVELS = 5


def recruitment_url(partner: Partner, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/apply?ref={partner.ref}"


def find_recruiter(ref: str | None) -> Partner | None:
    """The approved partner whose recruitment link carried ``ref``, or None."""
    ref = (ref or "").strip()
    if not ref or len(ref) > 24:
        return None
    partner = db.session.scalar(select(Partner).where(Partner.ref == ref))
    return partner if partner is not None and partner.status == "approved" else None


def recruits(partner: Partner) -> list[Partner]:
    return list(db.session.scalars(select(Partner).where(Partner.parent_id == partner.id)
                                   .order_by(Partner.created_at)))


def update_settings(share: Decimal | str, levels: int | str, *, actor: audit.Actor,
                    now: datetime) -> None:
    program = get_program()
    share = parse_decimal(share, "subaffiliate_share", places=2, maximum=Decimal(100),
                          what="a percentage")
    levels = parse_int(levels, "subaffiliate_levels", minimum=1, maximum=MAX_LEVELS,
                       what="a number of levels")
    if (Decimal(program.subaffiliate_share), program.subaffiliate_levels) == (share, levels):
        return
    before = audit.snapshot(program, ["subaffiliate_share", "subaffiliate_levels"])
    program.subaffiliate_share = share
    program.subaffiliate_levels = levels
    db.session.flush()
    audit.record(actor, "program.two_tier_update", "program", program.id, before=before,
                 after=audit.snapshot(program, ["subaffiliate_share", "subaffiliate_levels"]),
                 now=now)
