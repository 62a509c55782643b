"""Payment files: the SEPA file validates against the official pain.001 schema, the PayPal
file has PayPal's documented columns, and every amount — in each file, on the pages and in
the partner's email — is the same number."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from lxml import etree

from partner_portal.models import Payout
from partner_portal.services import audit, payout_exports, payouts
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, PartnerFactory

PAIN_001 = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
EARNED = datetime(2026, 10, 3, 12, 0, tzinfo=timezone.utc)
SYSTEM = audit.Actor.system("test")


@pytest.fixture()
def batch(db):
    program = get_program()
    program.currency, program.min_payout = "EUR", Decimal("25")
    program.name = "Ölwerk Partner Program"
    program.sepa_debtor_name, program.sepa_debtor_iban = "Ölwerk GmbH", "DE89370400440532013000"
    program.sepa_debtor_bic = "COBADEFFXXX"
    partners = [
        PartnerFactory(name="Jürgen Bank", payout_method="bank_transfer",
                       payout_account_holder="Jürgen Groß", payout_iban="FR1420041010050500013M02606",
                       payout_bic=None),
        PartnerFactory(name="Anke Konto", payout_method="bank_transfer",
                       payout_account_holder="Anke Konto", payout_iban="DE02120300000000202051",
                       payout_bic="BYLADEM1001"),
        PartnerFactory(name="=HYPERLINK(\"http://evil\")", payout_method="paypal",
                       payout_email="pal@example.com"),
        PartnerFactory(name="Pia Pal", payout_method="paypal", payout_email="pia@example.com"),
    ]
    amounts = [("10.10", "20.20", "0.05"), ("1234.56",), ("99.99", "-10.00"), ("25.00",)]
    for partner, parts in zip(partners, amounts):
        for amount in parts:
            CommissionFactory(partner=partner, amount=Decimal(amount), currency="EUR",
                              kind="adjustment" if amount.startswith("-") else "conversion",
                              created_at=EARNED, approved_at=EARNED)
    db.session.commit()
    from partner_portal.jobs.payouts import create_batch_once

    made, _ = create_batch_once(date(2026, 10, 31), actor=SYSTEM,
                                now=datetime(2026, 11, 2, tzinfo=timezone.utc))
    payouts.approve_batch(made.id, actor=SYSTEM, now=datetime(2026, 11, 2, 1, tzinfo=timezone.utc))
    db.session.commit()
    return made


EXPECTED = {"Jürgen Bank": Decimal("30.35"), "Anke Konto": Decimal("1234.56"),
            "=HYPERLINK(\"http://evil\")": Decimal("89.99"), "Pia Pal": Decimal("25.00")}


def _download(client, batch, name):
    response = client.get(f"/admin/payouts/batches/{batch.id}/export/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_sepa_file_validates_against_the_pain_001_schema(client, login_as, batch):
    login_as("finance")
    response = _download(client, batch, "sepa")
    assert response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    xml = response.data
    xmlschema.XMLSchema(str(PAIN_001)).validate(xml.decode())
    assert etree.XMLSchema(etree.parse(str(PAIN_001))).validate(etree.fromstring(xml))

    doc = etree.fromstring(xml)
    txs = doc.findall(".//p:CdtTrfTxInf", NS)
    paid = {tx.findtext("p:Cdtr/p:Nm", namespaces=NS): (
        Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
        tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
        tx.find("p:Amt/p:InstdAmt", NS).get("Ccy")) for tx in txs}
    # Names are transliterated to the SEPA character set by sepaxml.
    assert paid == {"Jurgen Gross": (Decimal("30.35"), "FR1420041010050500013M02606", "EUR"),
                    "Anke Konto": (Decimal("1234.56"), "DE02120300000000202051", "EUR")}
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert Decimal(doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS)) == Decimal("1264.91")
    assert doc.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
    ends = {tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for tx in txs}
    assert ends == {f"PAYOUT-{p.id}" for p in batch.payouts if p.method == "bank_transfer"}


def test_paypal_file_has_the_documented_columns(client, login_as, batch):
    login_as("owner")
    rows = list(csv.reader(io.StringIO(_download(client, batch, "paypal").get_data(as_text=True))))
    # PayPal Payouts Web: no header; recipient, amount, currency, customer id, note, wallet.
    assert all(len(row) == 6 for row in rows)
    by_email = {row[0]: row for row in rows}
    assert set(by_email) == {"pal@example.com", "pia@example.com"}
    assert [by_email["pal@example.com"][i] for i in (1, 2, 5)] == ["89.99", "EUR", "PAYPAL"]
    assert [by_email["pia@example.com"][i] for i in (1, 2, 5)] == ["25.00", "EUR", "PAYPAL"]
    for row in rows:
        assert re.fullmatch(r"PAYOUT-\d+", row[3]) and len(row[3]) <= 30
        assert row[4] == "Ölwerk Partner Program partner commissions to 2026-10-31"


def test_generic_csv_lists_every_payout_and_is_spreadsheet_safe(client, login_as, batch):
    login_as("finance")
    text = _download(client, batch, "csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() >= {"payout_id", "partner_name", "method", "iban", "paypal_email",
                              "amount", "currency"}
    assert {r["partner_name"]: Decimal(r["amount"]) for r in rows} == {
        ("'" + k if k.startswith("=") else k): v for k, v in EXPECTED.items()}
    assert all(r["currency"] == "EUR" for r in rows)


def test_amounts_are_the_same_in_files_pages_and_email(client, login_as, batch, db, outbox):
    login_as("finance")
    files = {}
    for row in csv.DictReader(io.StringIO(_download(client, batch, "csv").get_data(as_text=True))):
        files[int(row["payout_id"])] = Decimal(row["amount"])
    for row in csv.reader(io.StringIO(_download(client, batch, "paypal").get_data(as_text=True))):
        assert Decimal(row[1]) == files[int(row[3].split("-")[1])]
    doc = etree.fromstring(_download(client, batch, "sepa").data)
    for tx in doc.findall(".//p:CdtTrfTxInf", NS):
        payout_id = int(tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS).split("-")[1])
        assert Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)) == files[payout_id]

    page = client.get(f"/admin/payouts/batches/{batch.id}").get_data(as_text=True)
    for payout_id, amount in files.items():
        row = re.search(rf'<tr id="payout-{payout_id}".*?</tr>', page, re.S).group(0)
        assert f"€{amount:,.2f}" in row
    assert f"€{sum(files.values()):,.2f}" in re.search(r'id="batch-total">([^<]+)<', page).group(1)

    pia = db.session.scalar(db.select(Payout).where(Payout.paypal_email == "pia@example.com"))
    assert client.post(f"/admin/payouts/{pia.id}/sent", data={"reference": "PPB-77"}).status_code == 302
    assert client.post(f"/admin/payouts/{pia.id}/paid", data={"reference": ""}).status_code == 302
    [mail] = outbox.messages()
    assert mail["To"] == pia.partner.email
    assert f"€{files[pia.id]:,.2f}" in mail.get_body(("plain",)).get_content()
    assert f"€{files[pia.id]:,.2f}" in mail.get_body(("html",)).get_content()
    assert "PPB-77" in mail.get_body(("plain",)).get_content()
    ledger_page = client.get(f"/admin/payouts/partners/{pia.partner_id}?range=custom"
                             "&start=2026-10-01&end=2026-11-30").get_data(as_text=True)
    assert f"−€{files[pia.id]:,.2f}" in ledger_page or f"-€{files[pia.id]:,.2f}" in ledger_page


@pytest.mark.parametrize("name", sorted(payout_exports.EXPORTERS))
def test_no_file_before_the_batch_is_approved(db, name):
    earned = CommissionFactory(partner=PartnerFactory(), amount=Decimal("80"), currency="EUR",
                               created_at=EARNED, approved_at=EARNED)
    program = get_program()
    program.currency = "EUR"
    program.sepa_debtor_name, program.sepa_debtor_iban = "Us", "DE89370400440532013000"
    db.session.commit()
    from partner_portal.jobs.payouts import create_batch_once

    draft, _ = create_batch_once(date(2026, 10, 31), actor=SYSTEM,
                                 now=datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert earned.partner_id == draft.payouts[0].partner_id
    reason = payout_exports.EXPORTERS[name].unavailable(draft, program)
    assert reason is not None
    if name != "sepa":
        assert reason == "Approve the batch first."


def test_sepa_needs_euros_and_a_debtor_account(db, batch):
    program = get_program()
    sepa = payout_exports.EXPORTERS["sepa"]
    assert sepa.unavailable(batch, program) is None
    program.sepa_debtor_iban = None
    assert "SEPA account" in sepa.unavailable(batch, program)
    batch.currency = "USD"
    assert "euros" in sepa.unavailable(batch, program)
    db.session.rollback()


@pytest.mark.parametrize("role, status", [("manager", 403), ("analyst", 403), ("finance", 200)])
def test_only_paying_staff_download_payment_files(client, login_as, batch, role, status):
    login_as(role)
    assert client.get(f"/admin/payouts/batches/{batch.id}/export/csv").status_code == status
    assert client.get(f"/admin/payouts/batches/{batch.id}").status_code == 200


def test_unknown_format_and_batch_are_404(client, login_as, batch):
    login_as("owner")
    assert client.get(f"/admin/payouts/batches/{batch.id}/export/xlsx").status_code == 404
    assert client.get("/admin/payouts/batches/999/export/csv").status_code == 404
    assert client.get("/admin/payouts/batches/999").status_code == 404


def test_exports_are_audited(client, login_as, batch, db):
    from partner_portal.models import AuditEntry

    login_as("finance")
    _download(client, batch, "paypal")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "payout_batch.export"))
    assert entry.after["format"] == "paypal" and entry.after["payouts"] == 2
    assert Decimal(entry.after["total"]) == Decimal("114.99")
