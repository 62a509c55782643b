"""Cap alerts: the program's managers get an email when a cap's counter reaches 80 % and
again at 100 % — once per cap, period (and partner, for per-partner caps).

Sent when a conversion or click crosses the line, and by ``scan`` (for the scheduler),
which catches anything else, such as a limit lowered below the current usage. The
``alert_level`` column is raised by a conditional UPDATE, so two writers crossing at once
send one email.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import Cap, CapUsage, Partner, User
from ..models.accounts import STAFF_ROLES
from . import audit, notifications
from .caps import Taken, describe, describe_amount, limit_units
from .periods import period_key
from .permissions import MANAGE, can
from .program import program_zone

LEVELS = (100, 80)


def level_for(used: int, limit: int) -> int:
    for level in LEVELS:
        if used * 100 >= limit * level:
            return level
    return 0


def managers() -> list[User]:
    users = db.session.scalars(select(User).where(User.role.in_(STAFF_ROLES),
                                                  User.is_active_account.is_(True))
                               .order_by(User.id))
    return [u for u in users if can(u.role, MANAGE)]


def _raise_level(usage_id: int, level: int) -> bool:
    result = db.session.execute(
        update(CapUsage).where(CapUsage.id == usage_id, CapUsage.alert_level < level)
        .values(alert_level=level).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _send(cap: Cap, pkey: int, used: int, level: int, now: datetime) -> None:
    offer = cap.offer
    partner = db.session.get(Partner, pkey) if pkey else None
    limit = limit_units(cap)
    used_text = describe_amount(cap, used, offer.currency)
    limit_text = describe_amount(cap, limit, offer.currency)
    what = describe(cap, offer.currency)
    for user in managers():
        notifications.cap_alert(user, cap=cap, offer=offer, partner=partner, level=level,
                                used=used_text, limit=limit_text, what=what)
    audit.record(audit.Actor.system("cap alert"), "cap.alert", "cap", cap.id,
                 after={"level": level, "used": used_text, "limit": limit_text,
                        "partner_id": pkey or None},
                 note=f"{what}: {used_text} of {limit_text} used", now=now)


def alert_if_crossed(taken: Taken, now: datetime) -> int:
    """After a conversion or click counted: alert for each counter that crossed a line."""
    sent = 0
    for cap, pkey, usage_id, _units, used, seen in taken.entries:
        level = level_for(used, limit_units(cap))
        if level > seen and _raise_level(usage_id, level):
            _send(db.session.get(Cap, cap.id), pkey, used, level, now)
            sent += 1
    return sent


def scan(now: datetime) -> int:
    """Alert for every current-period counter at 80 % or more that has not been alerted
    at that level yet. Safe to run any number of times."""
    zone = program_zone()
    sent = 0
    for cap in db.session.scalars(select(Cap).where(Cap.is_active.is_(True)).order_by(Cap.id)):
        limit = limit_units(cap)
        usages = db.session.scalars(select(CapUsage).where(
            CapUsage.cap_id == cap.id, CapUsage.period_key == period_key(cap.period, now, zone),
            CapUsage.alert_level < 100))
        for usage in usages:
            level = level_for(usage.used, limit)
            if level > usage.alert_level and _raise_level(usage.id, level):
                _send(cap, usage.partner_key, usage.used, level, now)
                sent += 1
    return sent
