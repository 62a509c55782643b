"""Where a partner's money goes: PayPal email, bank account (IBAN/BIC, checked with
schwifty) or free-form details, and whether those details can be paid to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from ..extensions import db
from ..models import Partner
from ..models.partners import PAYOUT_METHODS
from . import audit
from .errors import NotFound, ValidationError

FIELDS = ("payout_method", "payout_email", "payout_account_holder", "payout_iban",
          "payout_bic", "payout_other_details")
METHOD_LABELS = {"paypal": "PayPal", "bank_transfer": "Bank transfer (SEPA)", "other": "Other"}


@dataclass(frozen=True)
class PayoutDetails:
    method: str | None
    paypal_email: str | None = None
    account_holder: str | None = None
    iban: str | None = None
    bic: str | None = None
    other_details: str | None = None


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def clean(details: PayoutDetails) -> PayoutDetails:
    """The details normalised (IBAN/BIC compact and upper case, email normalised), or a
    ``ValidationError`` naming the first field at fault."""
    method = _blank(details.method)
    if method not in PAYOUT_METHODS:
        raise ValidationError("Choose a payout method.", field="method")
    email = _blank(details.paypal_email)
    holder = _blank(details.account_holder)
    iban = _blank(details.iban)
    bic = _blank(details.bic)
    other = _blank(details.other_details)
    if method == "paypal":
        if not email:
            raise ValidationError("Enter the PayPal account's email address.", field="paypal_email")
        try:
            # test_environment: syntax only, and the reserved ".test" domain of the demo
            # program passes (a payout to it would simply fail and return the money).
            email = validate_email(email, check_deliverability=False,
                                   test_environment=True).normalized.lower()
        except EmailNotValidError:
            raise ValidationError("Enter a valid email address.", field="paypal_email") from None
        if email[0] in "=+-@":  # would read as a formula in the PayPal payment file
            raise ValidationError("Enter a valid email address.", field="paypal_email")
    if iban or method == "bank_transfer":
        if not iban:
            raise ValidationError("Enter the IBAN.", field="iban")
        try:
            parsed = IBAN(iban)
        except SchwiftyException as exc:
            raise ValidationError(f"This IBAN is not valid ({exc}).", field="iban") from None
        if method == "bank_transfer" and not parsed.in_sepa_zone:
            raise ValidationError("SEPA transfers need an IBAN from a SEPA country.", field="iban")
        iban = parsed.compact
    if bic:
        try:
            bic = BIC(bic).compact
        except SchwiftyException as exc:
            raise ValidationError(f"This BIC is not valid ({exc}).", field="bic") from None
    if method == "bank_transfer":
        if not holder:
            raise ValidationError("Enter the account holder's name.", field="account_holder")
        if len(holder) > 70:
            raise ValidationError("Use at most 70 characters (the SEPA limit).", field="account_holder")
    if method == "other" and not other:
        raise ValidationError("Describe how this partner is paid.", field="other_details")
    return PayoutDetails(method, email, holder, iban, bic, other)


def of_partner(partner: Partner) -> PayoutDetails:
    return PayoutDetails(partner.payout_method, partner.payout_email, partner.payout_account_holder,
                         partner.payout_iban, partner.payout_bic, partner.payout_other_details)


def problem(partner: Partner) -> str | None:
    """Why the partner's payout details cannot be paid to, or None when they can."""
    if not partner.payout_method:
        return "no payout method"
    try:
        clean(of_partner(partner))
    except ValidationError as exc:
        return f"payout details: {exc.message[0].lower()}{exc.message[1:]}"
    return None


def update(partner_id: int, details: PayoutDetails, *, actor: audit.Actor,
           now: datetime) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    valid = clean(details)
    before = audit.snapshot(partner, FIELDS)
    partner.payout_method = valid.method
    partner.payout_email = valid.paypal_email if valid.method == "paypal" else partner.payout_email
    partner.payout_account_holder = valid.account_holder
    partner.payout_iban = valid.iban
    partner.payout_bic = valid.bic
    partner.payout_other_details = valid.other_details
    db.session.flush()
    audit.record(actor, "partner.payout_details_update", "partner", partner.id, before=before,
                 after=audit.snapshot(partner, FIELDS), now=now)
    return partner
