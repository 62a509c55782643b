"""The partner list behind the applications queue: filters, search, sort and CSV rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..models import Partner, PartnerRisk
from ..models.partners import PARTNER_STATUSES
from ..models.vetting import RISK_LEVELS
from .program import to_local

SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "risk": "Highest risk first",
    "name": "Name",
}


@dataclass
class Filters:
    status: str = "applied"  # "" for every status
    country: str = ""
    group: str = ""  # a group id, "none", or "" for any
    risk: str = ""  # low / medium / high / "unscored" / ""
    q: str = ""
    sort: str = "newest"

    @classmethod
    def from_args(cls, args) -> Filters:
        f = cls(status=args.get("status", "applied"), country=(args.get("country") or "").upper()[:2],
                group=args.get("group", ""), risk=args.get("risk", ""),
                q=(args.get("q") or "").strip()[:100], sort=args.get("sort", "newest"))
        if f.status not in PARTNER_STATUSES:
            f.status = ""
        if f.risk not in RISK_LEVELS + ("unscored",):
            f.risk = ""
        if f.group not in ("", "none") and not (f.group.isascii() and f.group.isdigit() and len(f.group) <= 9):
            f.group = ""
        if f.sort not in SORTS:
            f.sort = "newest"
        return f

    def as_args(self, **changes) -> dict:
        values = {**self.__dict__, **changes}
        return {k: v for k, v in values.items() if v not in ("", None)} | {"status": values["status"]}


def statement(f: Filters) -> Select:
    stmt = (select(Partner).outerjoin(PartnerRisk, PartnerRisk.partner_id == Partner.id)
            .options(selectinload(Partner.group), selectinload(Partner.risk)))
    if f.status:
        stmt = stmt.where(Partner.status == f.status)
    if f.country:
        stmt = stmt.where(Partner.country == f.country)
    if f.group == "none":
        stmt = stmt.where(Partner.group_id.is_(None))
    elif f.group:
        stmt = stmt.where(Partner.group_id == int(f.group))
    if f.risk == "unscored":
        stmt = stmt.where(PartnerRisk.partner_id.is_(None))
    elif f.risk:
        stmt = stmt.where(PartnerRisk.level == f.risk)
    if f.q:
        needle = f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{needle}%"
        stmt = stmt.where(or_(*(func.lower(column).like(like, escape="\\") for column in (
            Partner.name, Partner.email, Partner.website, Partner.payout_email)),
            Partner.ref == f.q.lower(), Partner.signup_ip == f.q))
    order = {
        "newest": (Partner.created_at.desc(), Partner.id.desc()),
        "oldest": (Partner.created_at.asc(), Partner.id.asc()),
        "risk": (func.coalesce(PartnerRisk.score, -1).desc(), Partner.created_at.desc(), Partner.id.desc()),
        "name": (func.lower(Partner.name), Partner.id),
    }[f.sort]
    return stmt.order_by(*order)


CSV_HEADER = ["id", "ref", "name", "email", "status", "country", "group", "website",
              "social_profile", "promotion_methods", "payout_email", "signup_ip",
              "applied_at", "status_changed_at", "risk_score", "risk_level", "risk_signals",
              "status_reason"]


def csv_rows(partners) -> Iterator[list]:
    for p in partners:
        risk = p.risk
        yield [p.id, p.ref, p.name, p.email, p.status, p.country or "",
               p.group.name if p.group else "", p.website or "", p.social_profile or "",
               p.promotion_methods, p.payout_email or "", p.signup_ip or "",
               to_local(p.created_at).strftime("%Y-%m-%d %H:%M"),
               to_local(p.status_changed_at).strftime("%Y-%m-%d %H:%M"),
               risk.score if risk else "", risk.level if risk else "",
               " ".join(s["code"] for s in risk.signals) if risk else "", p.status_reason or ""]
