"""Two-tier partners (recruitment links, who recruited whom, the program's share) and the
program's referral settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Partner
from ..public_urls import public_url
from . import audit
from .commission_rules.base import parse_decimal, parse_int
from .errors import ValidationError
from .program import get_program

MAX_LEVELS = 5


def recruitment_url(partner: Partner) -> str:
    """The partner's recruitment link: people who apply through it are their recruits."""
    return public_url("auth.apply", ref=partner.ref)


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


SETTINGS = ["subaffiliate_share", "subaffiliate_levels", "referral_discount"]


def update_settings(share: Decimal | str, levels: int | str, discount: str = "", *,
                    actor: audit.Actor, now: datetime) -> None:
    """Two-tier share and depth, and the customer's discount on codes partners take."""
    program = get_program()
    share = parse_decimal(share, "subaffiliate_share", places=2, maximum=Decimal(100),
                          what="a percentage")
    levels = parse_int(levels, "subaffiliate_levels", minimum=1, maximum=MAX_LEVELS,
                       what="a number of levels")
    discount = (discount or "").strip()
    if len(discount) > 200:
        raise ValidationError("Use at most 200 characters.", field="referral_discount")
    if ((Decimal(program.subaffiliate_share), program.subaffiliate_levels, program.referral_discount)
            == (share, levels, discount)):
        return
    before = audit.snapshot(program, SETTINGS)
    program.subaffiliate_share, program.subaffiliate_levels = share, levels
    program.referral_discount = discount
    db.session.flush()
    audit.record(actor, "program.referrals_update", "program", program.id, before=before,
                 after=audit.snapshot(program, SETTINGS), now=now)
