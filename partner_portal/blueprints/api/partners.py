"""Partners over the API: list, get, create, approve, balance."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from ...extensions import db
from ...models import Partner
from ...models.base import utcnow
from ...public_urls import public_url
from ...services import applications, ledger, vetting
from ...services.errors import NotFound
from ...services.program import get_program
from . import ID, bp
from .conversions import api_actor, money_str
from .cursor_paging import listing, where_given
from .schemas import (
    BalanceOut,
    BalanceQuery,
    PartnerApprove,
    PartnerCreate,
    PartnerOut,
    PartnerPage,
    PartnerQuery,
)
from .spec import current_json, current_query, operation


def partner_out(p: Partner) -> PartnerOut:
    return PartnerOut(id=p.id, ref=p.ref, name=p.name, email=p.email, status=p.status,
                      group_id=p.group_id, country=p.country, website=p.website,
                      created_at=p.created_at, approved_at=p.approved_at)


def _partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.", field="partner_id")
    return partner


@bp.get("/partners")
@operation("partners:read", tags=("partners",), query=PartnerQuery,
           ok={"HTTP_200": PartnerPage})
def list_partners():
    """Partners, oldest first; filter by `status` or `email`."""
    q = current_query()
    email = q.email.strip().lower() if q.email else None
    query = where_given(select(Partner), (Partner.status, q.status),
                        (func.lower(Partner.email), email))
    return listing(query, Partner.id, q, partner_out)


@bp.get(f"/partners/<{ID}:partner_id>")
@operation("partners:read", tags=("partners",), ok={"HTTP_200": PartnerOut}, not_found=True)
def get_partner(partner_id: int):
    """One partner."""
    return partner_out(_partner(partner_id))


def _set_password_link(token: str) -> str:
    return public_url("auth.reset_password", token=token)


@bp.post("/partners")
@operation("partners:write", tags=("partners",), json=PartnerCreate,
           ok={"HTTP_201": PartnerOut}, conflict=True)
def create_partner():
    """Add a partner (status `applied`, or `approved` at once). They get an email with a
    link to choose their password."""
    data = current_json()
    partner = applications.add_partner(
        applications.NewPartner(email=data.email, name=data.name, status=data.status,
                                country=data.country, website=data.website,
                                group_id=data.group_id),
        actor=api_actor(), now=utcnow(), link_for=_set_password_link,
        invite_max_age_seconds=current_app.config["STAFF_INVITE_MAX_AGE_SECONDS"])
    out = partner_out(partner)
    db.session.commit()
    return out, 201


@bp.post(f"/partners/<{ID}:partner_id>/approve")
@operation("partners:write", tags=("partners",), json=PartnerApprove,
           ok={"HTTP_200": PartnerOut}, not_found=True, conflict=True)
def approve_partner(partner_id: int):
    """Approve an applied partner (optionally into a group, with a note for the email).
    Approving an already approved partner changes nothing and answers 200."""
    data = current_json() or PartnerApprove()
    partner = vetting.get_partner(partner_id, for_update=True)
    if partner.status != "approved":
        vetting.approve(partner, api_actor(), now=utcnow(), group_id=data.group_id,
                        message=data.message)
    out = partner_out(partner)
    db.session.commit()
    return out, 200


@bp.get(f"/partners/<{ID}:partner_id>/balance")
@operation("partners:read", tags=("partners",), query=BalanceQuery,
           ok={"HTTP_200": BalanceOut}, not_found=True)
def partner_balance(partner_id: int):
    """What the program owes the partner now: approved and paid commissions, less
    approved payouts (the same ledger as their statements)."""
    partner = _partner(partner_id)
    currency = (current_query().currency or get_program().currency).upper()
    now = utcnow()
    amount = ledger.balance(partner.id, currency=currency)
    return BalanceOut(partner_id=partner.id, currency=currency,
                      balance=money_str(amount, currency), as_of=now)
