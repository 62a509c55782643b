"""A partner with a known March 2025 ledger (program zone America/New_York), and small
helpers for the statement tests.

Opening balance 100.00 (a February bonus). In March (NY): a paid commission 20.00 and an
approved 12.50 (its order refunded by −2.50), one approved at 23:00 on 31 March NY
(03:00 UTC on 1 April) for 9.99, a payout of 50.00; pending 7.25 and on hold 4.00 (not in
the balance), rejected 3.00. Closing balance 89.99.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from decimal import Decimal

from pypdf import PdfReader

from partner_portal.extensions import db
from partner_portal.models import Commission, Conversion, Offer, Payout, PayoutBatch
from partner_portal.services.program import get_program

from .. import factories

MONTH = "2025-03"
NY = "America/New_York"
EXPECTED = {"opening": Decimal("100.00"), "commissions": Decimal("42.49"),
            "adjustments": Decimal("-2.50"), "payouts": Decimal("-50.00"),
            "closing": Decimal("89.99"), "pending": Decimal("11.25")}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def program(**fields):
    p = get_program()
    p.timezone = fields.pop("timezone", NY)
    p.name = fields.pop("name", "Northwind Outfitters")
    p.address = fields.pop("address", "100 Summit Street\nDenver, CO 80202\nUSA")
    p.support_email = fields.pop("support_email", "partners@northwind.example")
    for key, value in fields.items():
        setattr(p, key, value)
    db.session.flush()
    return p


def offers():
    summer = Offer(name="Summer Sale", destination_url="https://shop.example.com/", currency="USD")
    winter = Offer(name="Winter Boots", destination_url="https://shop.example.com/", currency="USD")
    db.session.add_all([summer, winter])
    db.session.flush()
    return summer, winter


def _commission(partner, offer, amount, status, created, approved=None, order=None, kind="conversion",
                explanation=None, **extra):
    conversion_id = None
    if order:
        conversion = Conversion(offer_id=offer.id, order_id=order, partner_id=partner.id,
                                amount=Decimal(amount) * 10, currency="USD", occurred_at=created,
                                created_at=created)
        db.session.add(conversion)
        db.session.flush()
        conversion_id = conversion.id
    c = Commission(partner_id=partner.id, offer_id=offer.id if offer else None,
                   conversion_id=conversion_id, kind=kind, amount=Decimal(amount), currency="USD",
                   status=status, created_at=created, approved_at=approved,
                   explanation=explanation or f"10% of ${Decimal(amount) * 10:.2f} (offer default)",
                   **extra)
    db.session.add(c)
    db.session.flush()
    return c


def seeded_partner(summer=None, winter=None, **partner_fields):
    """The partner described in the module docstring."""
    if summer is None:
        summer, winter = offers()
    partner_fields.setdefault("approved_at", utc(2025, 1, 2))
    partner = factories.PartnerFactory(**partner_fields)
    _commission(partner, None, "100.00", "approved", utc(2025, 2, 10), utc(2025, 2, 10),
                kind="bonus", explanation="Welcome bonus")
    _commission(partner, winter, "20.00", "paid", utc(2025, 3, 2, 15), utc(2025, 3, 3, 15),
                order=f"WB-{partner.id}-0001")
    first = _commission(partner, summer, "12.50", "approved", utc(2025, 3, 5, 10),
                        utc(2025, 3, 6, 10), order=f"ORDER-2025-A{partner.id:03d}9")
    _commission(partner, summer, "7.25", "pending", utc(2025, 3, 10, 12), order=f"P-{partner.id}-7")
    _commission(partner, winter, "3.00", "rejected", utc(2025, 3, 11, 12), order=f"R-{partner.id}-3")
    _commission(partner, winter, "4.00", "hold", utc(2025, 3, 12, 12), order=f"H-{partner.id}-4")
    _commission(partner, summer, "-2.50", "approved", utc(2025, 3, 20, 9), utc(2025, 3, 20, 9),
                kind="adjustment", explanation="Refund of order ****", reverses_id=first.id)
    _commission(partner, winter, "9.99", "approved", utc(2025, 3, 31, 15), utc(2025, 4, 1, 3),
                order=f"LATE-{partner.id}-99")
    batch = PayoutBatch(key=f"2025-03-24:USD:{partner.id}", cutoff=datetime(2025, 3, 24).date(),
                        currency="USD", status="completed", approved_at=utc(2025, 3, 25, 12))
    db.session.add(batch)
    db.session.flush()
    db.session.add(Payout(batch_id=batch.id, partner_id=partner.id, amount=Decimal("50.00"),
                          currency="USD", status="paid", method="paypal",
                          recipient_name=partner.name, paypal_email=partner.email,
                          approved_at=utc(2025, 3, 25, 12), paid_at=utc(2025, 3, 27, 12)))
    db.session.flush()
    return partner


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
