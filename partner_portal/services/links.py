"""Resolving a tracking link to where its click goes, and checking deep links.

Resolution is cached in each worker so a hot link costs no database read. Any committed
change to an offer, partner or link bumps a version file that every worker checks with
one ``stat`` per click, so pausing an offer or suspending a partner takes effect at once
on this host; ``LINK_CACHE_SECONDS`` bounds staleness across hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select

from ..extensions import db
from ..models import Offer, Partner, TrackingLink
from .versioned_cache import VersionedCache

SUB_KEYS = ("sub1", "sub2", "sub3", "sub4", "sub5")


@dataclass(frozen=True)
class LinkTarget:
    link_id: int
    partner_id: int
    partner_status: str
    group_id: int | None
    offer_id: int
    offer_status: str
    link_active: bool
    destination_url: str
    deep_link_url: str | None
    fallback_url: str | None
    allowed_hosts: frozenset[str]
    cookie_window_days: int
    subs: tuple[str | None, ...]
    # False when the partner's group may not promote the offer.
    group_allowed: bool = True
    # True when the offer has active caps that count clicks or send them to the fallback
    # URL: only then does a click cost a database round trip.
    has_click_caps: bool = False

    @property
    def live(self) -> bool:
        return self.link_active and self.offer_status == "active" and self.group_allowed


def load_target(code: str) -> LinkTarget | None:
    row = db.session.execute(
        select(TrackingLink, Offer, Partner)
        .join(Offer, Offer.id == TrackingLink.offer_id)
        .join(Partner, Partner.id == TrackingLink.partner_id)
        .where(TrackingLink.code == code)
    ).first()
    if row is None:
        return None
    link, offer, partner = row
    from ..models.caps import Cap
    from .offers import cookie_window, group_allowed

    has_click_caps = db.session.scalar(
        select(Cap.id).where(Cap.offer_id == offer.id, Cap.is_active.is_(True),
                             (Cap.metric == "clicks") | Cap.redirects_clicks.is_(True)).limit(1)
    ) is not None
    return LinkTarget(
        link_id=link.id, partner_id=partner.id, partner_status=partner.status,
        group_id=partner.group_id, offer_id=offer.id, offer_status=offer.status,
        link_active=link.is_active, destination_url=offer.destination_url,
        deep_link_url=link.deep_link_url, fallback_url=offer.fallback_url,
        allowed_hosts=allowed_hosts(offer),
        cookie_window_days=cookie_window(offer, partner.group_id),
        subs=tuple(getattr(link, k) for k in SUB_KEYS),
        group_allowed=group_allowed(offer, partner.group_id),
        has_click_caps=has_click_caps,
    )


def allowed_hosts(offer: Offer) -> frozenset[str]:
    hosts = {h.lower().rstrip(".") for h in offer.allowed_domain_list}
    own = urlsplit(offer.destination_url).hostname
    if own:
        hosts.add(own.lower())
    return frozenset(hosts)


def _host_allowed(host: str, allowed: frozenset[str]) -> bool:
    if host in allowed:
        return True
    # "*.example.com" in the list allows any subdomain of example.com.
    parts = host.split(".")
    return any("*." + ".".join(parts[i:]) in allowed for i in range(1, len(parts) - 1))


def safe_destination(url: str | None, allowed: frozenset[str]) -> str | None:
    """``url`` if it is an absolute http(s) URL on an allowed host, else None.

    Refuses control characters (CR/LF injection), backslashes (``\\\\evil``), user info
    (``https://a@evil``), protocol-relative and scheme-less URLs, and any host not on the
    offer's list.
    """
    if not url or len(url) > 2000:
        return None
    if any(ord(c) < 33 or ord(c) == 127 for c in url) or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or not host:
        return None
    if "@" in parts.netloc:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return url if _host_allowed(host, allowed) else None


def with_params(url: str, params: dict[str, str | None]) -> str:
    """``url`` with ``params`` added to its query (replacing keys of the same name)."""
    params = {k: v for k, v in params.items() if v is not None}
    if "#" not in url and not any(f"{k}=" in url for k in params):
        # The common case: nothing to replace, just append.
        return url + ("&" if "?" in url else "?") + urlencode(params)
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class LinkCache(VersionedCache):
    """Per-process cache of code → LinkTarget (see ``versioned_cache``)."""

    def get(self, code: str, loader=load_target) -> LinkTarget | None:
        return self.lookup(code, lambda: loader(code))
