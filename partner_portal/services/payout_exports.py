"""Payment files for an approved batch, one exporter per format (a registry).

- ``paypal``: the PayPal Payouts Web payment file — no header row, one row per payout:
  recipient email, amount, currency, customer ID (our payout id, at most 30 characters),
  note to recipient, recipient wallet (``PAYPAL``). One currency per file.
- ``sepa``: a SEPA credit transfer initiation, ISO 20022 ``pain.001.001.03``, built and
  checked against the official schema by ``sepaxml`` (EUR only).
- ``csv``: every payout with its destination, for any other bank or a spreadsheet.

Every amount is the payout's stored amount, written with the currency's minor units:
the same number the pages and the partner's email show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..models import Payout, PayoutBatch, Program
from .errors import ValidationError
from .money import minor_units, round_money
from .spreadsheet import csv_bytes

EXPORTED_STATUSES = ("approved", "sent", "paid")


def plain_amount(amount: Decimal, currency: str) -> str:
    """``1234.5`` → ``"1234.50"``: no symbol, no grouping, a dot before the minor units."""
    return format(round_money(amount, currency), "f")


def payment_note(program: Program, batch: PayoutBatch) -> str:
    return f"{program.name} partner commissions to {batch.cutoff.isoformat()}"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    content: bytes
    payouts: list[Payout]


class Exporter:
    name = ""
    label = ""
    methods: tuple[str, ...] = ()
    extension = "csv"
    mimetype = "text/csv; charset=utf-8"

    def payouts(self, batch: PayoutBatch) -> list[Payout]:
        return [p for p in batch.payouts if p.status in EXPORTED_STATUSES
                and (not self.methods or p.method in self.methods)]

    def unavailable(self, batch: PayoutBatch, program: Program) -> str | None:
        """Why this file cannot be made for the batch, or None."""
        if batch.status not in ("approved", "completed"):
            return "Approve the batch first."
        if not self.payouts(batch):
            return "No payouts in this batch use this method."
        return None

    def export(self, batch: PayoutBatch, program: Program, *, today: date) -> ExportFile:
        reason = self.unavailable(batch, program)
        if reason:
            raise ValidationError(reason, field="format")
        payouts = self.payouts(batch)
        return ExportFile(f"payouts-batch{batch.id}-{batch.cutoff.isoformat()}-{self.name}."
                          f"{self.extension}", self.mimetype,
                          self.render(batch, payouts, program, today), payouts)

    def render(self, batch, payouts, program, today) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError


class PayPalPayouts(Exporter):
    name, label, methods = "paypal", "PayPal Payouts file (CSV)", ("paypal",)

    def render(self, batch, payouts, program, today) -> bytes:
        note = payment_note(program, batch)
        rows = [(p.paypal_email, plain_amount(p.amount, p.currency), p.currency,
                 f"PAYOUT-{p.id}", note, "PAYPAL") for p in payouts]
        return csv_bytes(None, rows)


class SepaCreditTransfer(Exporter):
    name, label, methods = "sepa", "SEPA credit transfer (pain.001 XML)", ("bank_transfer",)
    extension, mimetype = "xml", "application/xml"
    schema = "pain.001.001.03"

    def unavailable(self, batch, program) -> str | None:
        if batch.currency != "EUR":
            return "SEPA transfers are in euros; this batch is in " + batch.currency + "."
        if not (program.sepa_debtor_name and program.sepa_debtor_iban):
            return "Set the program's SEPA account (name and IBAN) in payout settings."
        return super().unavailable(batch, program)

    def render(self, batch, payouts, program, today) -> bytes:
        from sepaxml import SepaTransfer

        config = {"name": program.sepa_debtor_name, "IBAN": program.sepa_debtor_iban,
                  "batch": True, "currency": "EUR"}
        if program.sepa_debtor_bic:
            config["BIC"] = program.sepa_debtor_bic
        sepa = SepaTransfer(config, schema=self.schema, clean=True)
        note = payment_note(program, batch)
        scale = 10 ** minor_units("EUR")
        for p in payouts:
            payment = {"name": p.recipient_name, "IBAN": p.iban,
                       "amount": int(round_money(p.amount, "EUR") * scale),
                       "execution_date": today, "description": note,
                       "endtoend_id": f"PAYOUT-{p.id}"}
            if p.bic:
                payment["BIC"] = p.bic
            sepa.add_payment(payment)
        return sepa.export(validate=True)


class GenericCsv(Exporter):
    name, label = "csv", "All payouts (CSV)"
    HEADER = ["batch", "payout_id", "partner_id", "partner_ref", "partner_name", "method",
              "recipient_name", "paypal_email", "iban", "bic", "other_details", "amount",
              "currency", "status", "reference"]

    def render(self, batch, payouts, program, today) -> bytes:
        rows = [(batch.id, p.id, p.partner_id, p.partner.ref, p.partner.name, p.method,
                 p.recipient_name, p.paypal_email, p.iban, p.bic, p.other_details,
                 plain_amount(p.amount, p.currency), p.currency, p.status, p.reference)
                for p in payouts]
        return csv_bytes(self.HEADER, rows)


EXPORTERS: dict[str, Exporter] = {e.name: e for e in (PayPalPayouts(), SepaCreditTransfer(),
                                                      GenericCsv())}


def get_exporter(name: str) -> Exporter:
    exporter = EXPORTERS.get(name)
    if exporter is None:
        raise ValidationError("Unknown export format.", field="format")
    return exporter
