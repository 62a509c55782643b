"""The program's payout settings: minimum payout, second approver, SEPA account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from . import audit
from .errors import ValidationError
from .money import parse_amount
from .program import get_program

FIELDS = ("min_payout", "payout_second_approver", "sepa_debtor_name", "sepa_debtor_iban",
          "sepa_debtor_bic")


@dataclass(frozen=True)
class PayoutSettings:
    min_payout: str
    payout_second_approver: bool
    sepa_debtor_name: str | None = None
    sepa_debtor_iban: str | None = None
    sepa_debtor_bic: str | None = None


def update(settings: PayoutSettings, *, actor: audit.Actor, now: datetime):
    program = get_program()
    minimum = parse_amount(settings.min_payout, program.currency, field="min_payout")
    name = (settings.sepa_debtor_name or "").strip() or None
    iban = (settings.sepa_debtor_iban or "").strip() or None
    bic = (settings.sepa_debtor_bic or "").strip() or None
    if iban:
        try:
            iban = IBAN(iban).compact
        except SchwiftyException as exc:
            raise ValidationError(f"This IBAN is not valid ({exc}).", field="sepa_debtor_iban") from None
        if not name:
            raise ValidationError("Enter the account name that goes with the IBAN.",
                                  field="sepa_debtor_name")
    if bic:
        try:
            bic = BIC(bic).compact
        except SchwiftyException as exc:
            raise ValidationError(f"This BIC is not valid ({exc}).", field="sepa_debtor_bic") from None
    before = audit.snapshot(program, FIELDS)
    program.min_payout = minimum
    program.payout_second_approver = bool(settings.payout_second_approver)
    program.sepa_debtor_name, program.sepa_debtor_iban, program.sepa_debtor_bic = name, iban, bic
    audit.record(actor, "program.payout_settings_update", "program", program.id, before=before,
                 after=audit.snapshot(program, FIELDS), now=now)
    return program
