"""Tracking links over the API."""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Partner, TrackingLink
from ...models.base import utcnow
from ...services import link_builder
from ...services.errors import ValidationError
from . import bp
from .conversions import api_actor
from .cursor_paging import listing, where_given
from .schemas import LinkCreate, LinkOut, LinkPage, LinkQuery
from .spec import current_json, current_query, operation


def link_out(link: TrackingLink) -> LinkOut:
    return LinkOut(id=link.id, code=link.code, url=link_builder.link_url(link),
                   partner_id=link.partner_id, offer_id=link.offer_id,
                   deep_link_url=link.deep_link_url, sub1=link.sub1, sub2=link.sub2,
                   sub3=link.sub3, sub4=link.sub4, sub5=link.sub5, is_active=link.is_active,
                   created_at=link.created_at)


@bp.get("/links")
@operation("links:read", tags=("links",), query=LinkQuery, ok={"HTTP_200": LinkPage})
def list_links():
    """Tracking links, oldest first; filter by `partner_id` and `offer_id`."""
    q = current_query()
    query = where_given(select(TrackingLink), (TrackingLink.partner_id, q.partner_id),
                        (TrackingLink.offer_id, q.offer_id))
    return listing(query, TrackingLink.id, q, link_out)


@bp.post("/links")
@operation("links:write", tags=("links",), json=LinkCreate,
           ok={"HTTP_201": LinkOut, "HTTP_200": LinkOut}, conflict=True)
def create_link():
    """A tracking link for an approved partner on an active offer, optionally to a deep
    link on the offer's allowed domains and with sub-IDs. Asking again for the same link
    returns the existing one with status 200."""
    data = current_json()
    partner = db.session.get(Partner, data.partner_id)
    if partner is None:
        raise ValidationError("No such partner.", field="partner_id")
    if partner.status != "approved":
        raise ValidationError(f"The partner is {partner.status}; only approved partners get "
                              "links.", field="partner_id")
    built = link_builder.create_link(
        partner, data.offer_id, url=data.url,
        subs={k: getattr(data, k) for k in ("sub1", "sub2", "sub3", "sub4", "sub5")},
        actor=api_actor(), now=utcnow())
    out = link_out(built.link)
    db.session.commit()
    return out, (201 if built.created else 200)
