"""Partner sign-up: an application creates a partner in `applied` and its login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import pycountry
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ..extensions import db
from ..models import Partner, TermsAcceptance, User
from . import audit, autorules, notifications, risk, webhooks
from .accounts import find_user_by_email, normalise_email
from .errors import Conflict, DomainError, ValidationError, ValidationErrors
from .passwords import hash_password, password_problem
from .program import current_terms
from .referrals import find_recruiter

PROMOTION_METHODS = {
    "content": "Blog or content site",
    "social": "Social media",
    "video": "Video (YouTube, TikTok)",
    "email": "Email newsletter",
    "coupon": "Coupon or deal site",
    "comparison": "Review or comparison site",
    "paid_search": "Paid search",
    "community": "Community or forum",
    "other": "Other",
}


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


@dataclass
class Application:
    name: str
    email: str
    password: str
    website: str | None
    promotion_methods: list[str]
    country: str
    payout_email: str | None
    accepted_terms: bool
    social_profile: str | None = None
    company: str | None = None
    referrer_ref: str | None = None  # from a partner's recruitment link (/apply?ref=…)


def _clean_email(value: str, field: str) -> str:
    try:
        return normalise_email(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValidationError(f"Enter a valid email address ({exc}).", field=field) from None


def _clean_url(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if "://" not in value:
        value = "https://" + value
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise ValidationError("Enter a web address such as https://example.com.", field=field)
    return value


def new_partner_ref() -> str:
    while True:
        ref = secrets.token_hex(4)
        if db.session.scalar(select(Partner.id).where(Partner.ref == ref)) is None:
            return ref


@dataclass(frozen=True)
class CleanApplication:
    name: str
    email: str
    website: str | None
    social_profile: str | None
    country: str
    payout_email: str | None


def check_application(app: Application) -> tuple[CleanApplication | None, list[DomainError]]:
    """Every problem with an application at once (one error per field, in the order of the
    form), and the cleaned values when there is none."""
    errors: list[DomainError] = []

    def check(clean):
        try:
            return clean()
        except DomainError as exc:
            errors.append(exc)
            return None

    def name():
        value = (app.name or "").strip()
        if not value:
            raise ValidationError("Enter your name.", field="name")
        return value

    def password():
        problem = password_problem(app.password or "", email=email)
        if problem:
            raise ValidationError(problem, field="password")

    def methods():
        chosen = app.promotion_methods or []
        if not chosen or any(m not in PROMOTION_METHODS for m in chosen):
            raise ValidationError("Choose at least one way you will promote us.",
                                  field="promotion_methods")

    def country():
        value = (app.country or "").strip().upper()
        if not value or pycountry.countries.get(alpha_2=value) is None:
            raise ValidationError("Choose your country.", field="country")
        return value

    def terms():
        if not app.accepted_terms:
            raise ValidationError("You must accept the program terms to apply.",
                                  field="accept_terms")

    clean_name = check(name)
    email = check(lambda: _clean_email(app.email or "", "email"))
    check(password)
    website = check(lambda: _clean_url(app.website, "website"))
    social = check(lambda: _clean_url(app.social_profile, "social_profile"))
    check(methods)
    clean_country = check(country)
    payout_email = check(lambda: _clean_email(app.payout_email, "payout_email")) \
        if app.payout_email else None
    check(terms)
    if email and (find_user_by_email(email)
                  or db.session.scalar(select(Partner.id).where(Partner.email == email))):
        errors.append(Conflict("An account with this email already exists. Sign in or reset "
                               "your password.", field="email"))
    if errors:
        return None, errors
    return CleanApplication(clean_name, email, website, social, clean_country, payout_email), []


def submit_application(app: Application, *, ip: str | None, now: datetime) -> Partner:
    """Create the applicant as a partner in ``applied`` with their login. Bad input is a
    ``ValidationErrors`` naming every field at fault, and changes nothing."""
    clean, errors = check_application(app)
    if errors:
        raise ValidationErrors(errors)
    name, email, website, social = clean.name, clean.email, clean.website, clean.social_profile
    country, payout_email = clean.country, clean.payout_email

    recruiter = find_recruiter(app.referrer_ref)
    partner = Partner(
        ref=new_partner_ref(),
        parent_id=recruiter.id if recruiter else None,
        name=name,
        email=email,
        company=(app.company or "").strip() or None,
        website=website,
        social_profile=social,
        promotion_methods=",".join(app.promotion_methods),
        country=country,
        payout_method="paypal" if payout_email else None,
        payout_email=payout_email,
        status="applied",
        signup_ip=ip,
        created_at=now,
        status_changed_at=now,
    )
    db.session.add(partner)
    db.session.flush()
    db.session.add(User(email=email, name=name, role="partner", partner_id=partner.id,
                        password_hash=hash_password(app.password), password_changed_at=now,
                        created_at=now))
    for kind in ("terms", "guidelines"):
        terms = current_terms(kind)
        if terms is not None:
            db.session.add(TermsAcceptance(partner_id=partner.id, terms_version_id=terms.id,
                                           accepted_at=now, ip=ip))
    db.session.flush()
    audit.record(audit.Actor(None, email, ip), "partner.applied", "partner", partner.id,
                 after={"status": "applied", "email": email, "country": country,
                        "recruited_by": recruiter.id if recruiter else None}, now=now)
    notifications.application_received(partner)
    webhooks.emit("partner.applied", webhooks.partner_data(partner), now=now)
    # Screen the application now, and let the program's automatic rules decide on it.
    assessment = risk.assess(partner, now=now)
    autorules.run(partner, assessment, now=now)
    return partner


@dataclass
class NewPartner:
    """A partner a manager (or their CRM, over the API) adds directly."""

    email: str
    name: str
    status: str = "applied"  # or "approved"
    country: str | None = None
    website: str | None = None
    group_id: int | None = None


def add_partner(inp: NewPartner, *, actor: audit.Actor, now: datetime,
                link_for, invite_max_age_seconds: int) -> Partner:
    """Create a partner and their login without a password, and email them a link to
    choose one. ``status="approved"`` approves them at once, through the same decision
    (transition, audit entry, email, webhook) as approving an application."""
    from . import accounts, vetting

    name = (inp.name or "").strip()
    if not name:
        raise ValidationError("Enter the partner's name.", field="name")
    if len(name) > 120:
        raise ValidationError("Use at most 120 characters.", field="name")
    if inp.status not in ("applied", "approved"):
        raise ValidationError("Choose applied or approved.", field="status")
    email = _clean_email(inp.email, "email")
    country = None
    if inp.country:
        country = inp.country.strip().upper()
        if pycountry.countries.get(alpha_2=country) is None:
            raise ValidationError("Use an ISO 3166 country code such as US or DE.", field="country")
    website = _clean_url(inp.website, "website")
    group_id = vetting.get_group(inp.group_id).id if inp.group_id is not None else None
    if find_user_by_email(email) or db.session.scalar(select(Partner.id).where(Partner.email == email)):
        raise Conflict("A partner or user with this email already exists.", field="email")
    partner = Partner(ref=new_partner_ref(), name=name, email=email, website=website,
                      country=country, promotion_methods="", status="applied",
                      created_at=now, status_changed_at=now)
    db.session.add(partner)
    db.session.flush()
    user = User(email=email, name=name, role="partner", partner_id=partner.id, created_at=now)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "partner.create", "partner", partner.id,
                 after={"status": "applied", "email": email, "name": name}, now=now)
    webhooks.emit("partner.applied", webhooks.partner_data(partner), now=now)
    if inp.status == "approved":
        vetting.approve(partner, actor, now=now, group_id=group_id)
    elif group_id is not None:
        vetting.move_to_group(partner, group_id, actor, now=now)
    token = accounts.create_reset_token(user, now=now, max_age_seconds=invite_max_age_seconds)
    notifications.partner_invited(partner, link_for(token), invite_max_age_seconds // 60)
    return partner
