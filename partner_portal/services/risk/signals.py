"""Risk signals: a registry of small rules, each looking at one thing about an applicant.

A rule has a ``code``, a ``title`` and a ``weight``, and ``evaluate(partner, ctx)`` returns a
``Signal`` with its evidence (in words, plus the ids of the other partners involved) or
``None``. Rules that compare the applicant with existing partners weigh more when one of
those partners is banned.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import Partner, Program
from .. import identity


@dataclass(frozen=True)
class Signal:
    code: str
    title: str
    weight: int
    evidence: list[str]
    partner_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "title": self.title, "weight": self.weight,
                "evidence": list(self.evidence), "partner_ids": list(self.partner_ids)}


@dataclass
class Context:
    """What the rules need besides the partner: the time and the program settings."""

    now: datetime
    program: Program


def _describe(other: Partner) -> str:
    return f"partner #{other.id} {other.name} ({other.status})"


def _meaningful_ip(ip: str | None) -> bool:
    """Loopback and unspecified addresses say nothing about the applicant: they mean the
    address of the client is not reaching the app (a proxy not configured), so they are
    never compared."""
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


class SignalRule:
    code: ClassVar[str]
    title: ClassVar[str]
    weight: ClassVar[int]

    def evaluate(self, partner: Partner, ctx: Context) -> Signal | None:  # pragma: no cover
        raise NotImplementedError

    def hit(self, evidence: list[str], *, weight: int | None = None,
            partner_ids: list[int] | None = None) -> Signal:
        return Signal(self.code, self.title, weight if weight is not None else self.weight,
                      evidence, sorted(set(partner_ids or [])))


class SharedWithOthers(SignalRule):
    """Something the applicant shares with existing partners; heavier when one is banned."""

    banned_weight: ClassVar[int] = 60

    def matches(self, partner: Partner, ctx: Context) -> list[tuple[Partner, str]]:
        raise NotImplementedError  # pragma: no cover

    def evaluate(self, partner, ctx):
        found = self.matches(partner, ctx)
        if not found:
            return None
        banned = any(other.status == "banned" for other, _ in found)
        return self.hit([text for _, text in found],
                        weight=self.banned_weight if banned else self.weight,
                        partner_ids=[other.id for other, _ in found])


def _others(partner: Partner, *conditions) -> list[Partner]:
    stmt = select(Partner).where(or_(*conditions)).order_by(Partner.id).limit(20)
    if partner.id is not None:
        stmt = stmt.where(Partner.id != partner.id)
    return list(db.session.scalars(stmt))


class SameEmail(SharedWithOthers):
    code, title, weight = "same_email", "Same email as another partner", 30

    def matches(self, partner, ctx):
        key = partner.email_key
        if not key:
            return []
        found = []
        for other in _others(partner, Partner.email_key == key, Partner.payout_email_key == key):
            which = "email" if other.email_key == key else "payout email"
            found.append((other, f"{partner.email} is the same mailbox as the {which} of "
                                 f"{_describe(other)}"))
        return found


class SamePayoutAccount(SharedWithOthers):
    code, title, weight = "same_payout_account", "Same payout account as another partner", 30

    def matches(self, partner, ctx):
        key = partner.payout_email_key
        if not key or key == partner.email_key:  # then "same email" already says it
            return []
        found = []
        for other in _others(partner, Partner.payout_email_key == key, Partner.email_key == key):
            which = "payout email" if other.payout_email_key == key else "email"
            found.append((other, f"Payout account {partner.payout_email} is the {which} of "
                                 f"{_describe(other)}"))
        return found


class SameSignupAddress(SharedWithOthers):
    code, title, weight = "same_signup_ip", "Same sign-up address as another partner", 15
    banned_weight = 40

    def matches(self, partner, ctx):
        if not _meaningful_ip(partner.signup_ip):
            return []
        return [(other, f"Signed up from {partner.signup_ip}, as did {_describe(other)}")
                for other in _others(partner, Partner.signup_ip == partner.signup_ip)]


class SameWebsite(SharedWithOthers):
    """Same registrable domain. A domain shared by many partners is a platform (a video or
    blogging site) rather than anyone's own site, and is not counted."""

    code, title, weight = "same_website", "Same website as another partner", 20
    banned_weight = 50
    platform_threshold: ClassVar[int] = 5

    def matches(self, partner, ctx):
        key = partner.website_key
        if not key:
            return []
        others = _others(partner, Partner.website_key == key)
        if len(others) > self.platform_threshold:
            return []
        return [(other, f"Website {key} is also the website of {_describe(other)}")
                for other in others]


def _is_disposable(domain: str | None) -> bool:
    if not domain:
        return False
    return domain in DISPOSABLE_DOMAINS or identity.registrable_domain(domain) in DISPOSABLE_DOMAINS


class DisposableEmail(SignalRule):
    code, title, weight = "disposable_email", "Disposable email address", 40

    def evaluate(self, partner, ctx):
        evidence = [f"{label} {address} is at {identity.email_domain(address)}, a disposable "
                    "email service"
                    for label, address in (("Email", partner.email),
                                           ("Payout email", partner.payout_email))
                    if _is_disposable(identity.email_domain(address))]
        return self.hit(evidence) if evidence else None


class EmailDomainUnrelated(SignalRule):
    """The email is at a company domain that is not the website's. Public mailbox providers
    (gmail.com, outlook.com, …) are normal for individuals and are not flagged; nor is a
    disposable address (its own signal says so)."""

    code, title, weight = "email_domain_unrelated", "Email domain unrelated to the website", 10

    def evaluate(self, partner, ctx):
        domain = identity.email_domain(partner.email)
        site = partner.website_key
        if not domain or not site or identity.is_free_mail(domain) or _is_disposable(domain):
            return None
        if identity.registrable_domain(domain) == site:
            return None
        return self.hit([f"Email domain {domain} does not match the website {site}"])


class DeniedCountry(SignalRule):
    code, title, weight = "denied_country", "Country on the program's deny list", 40

    def evaluate(self, partner, ctx):
        if partner.country and partner.country.upper() in ctx.program.denied_country_list:
            return self.hit([f"Country {partner.country} is on the program's deny list"])
        return None


class ApplicationBurst(SignalRule):
    code, title, weight = "application_burst", "Several applications from one address", 25
    window: ClassVar[timedelta] = timedelta(hours=24)
    threshold: ClassVar[int] = 3  # applications, this one included

    def evaluate(self, partner, ctx):
        if not _meaningful_ip(partner.signup_ip):
            return None
        applied_at = partner.created_at or ctx.now
        stmt = select(func.count()).select_from(Partner).where(
            Partner.signup_ip == partner.signup_ip,
            Partner.created_at >= applied_at - self.window,
            Partner.created_at <= applied_at + self.window)
        if partner.id is not None:
            stmt = stmt.where(Partner.id != partner.id)
        others = db.session.scalar(stmt) or 0
        if others + 1 < self.threshold:
            return None
        hours = int(self.window.total_seconds() // 3600)
        return self.hit([f"{others + 1} applications from {partner.signup_ip} within "
                         f"{hours} hours"])


class NoWebPresence(SignalRule):
    code, title, weight = "no_web_presence", "No website or social profile", 10

    def evaluate(self, partner, ctx):
        if partner.website or partner.social_profile:
            return None
        return self.hit(["The application gives neither a website nor a social profile"])


REGISTRY: dict[str, SignalRule] = {rule.code: rule for rule in (
    SameEmail(), SamePayoutAccount(), SameSignupAddress(), SameWebsite(), DisposableEmail(),
    EmailDomainUnrelated(), DeniedCountry(), ApplicationBurst(), NoWebPresence(),
)}
