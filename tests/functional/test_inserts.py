"""insert_loaded: one INSERT, and an object the session treats as if it had flushed it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, inspect, select

from partner_portal.models import Conversion, Partner
from partner_portal.models.base import utcnow
from partner_portal.services.inserts import insert_loaded

from .. import factories


def _conversion(offer, partner, order_id="A-1", **values):
    now = utcnow()
    return Conversion(offer_id=offer.id, order_id=order_id, partner_id=partner.id,
                      amount=Decimal("120.00"), currency="USD", occurred_at=now, created_at=now,
                      **values)


def test_the_row_is_stored_and_the_object_is_persistent_and_loaded(db):
    offer, partner = factories.OfferFactory(), factories.PartnerFactory(status="approved")
    db.session.commit()
    conversion = _conversion(offer, partner)
    assert insert_loaded(conversion) is True
    assert conversion.id is not None
    assert conversion in db.session and not db.session.new and not db.session.dirty
    # Unset columns took their defaults, on the object and in the row.
    assert (conversion.status, conversion.event, conversion.refunded_amount) == (
        "attributed", "sale", Decimal(0))
    conversion.status = "capped"  # later changes flush as usual
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Conversion, conversion.id)
    assert (stored.status, stored.order_id, stored.amount) == ("capped", "A-1", Decimal("120.00"))


def test_pending_changes_are_flushed_first_as_in_a_flush(db):
    offer, partner = factories.OfferFactory(), factories.PartnerFactory(status="approved")
    db.session.commit()
    partner.name = "Renamed before the insert"
    insert_loaded(_conversion(offer, partner))
    stored = db.session.connection().execute(
        select(Partner.name).where(Partner.id == partner.id)).scalar()
    assert stored == "Renamed before the insert" and not db.session.dirty


def test_a_duplicate_is_skipped_and_the_transaction_carries_on(db):
    offer, partner = factories.OfferFactory(), factories.PartnerFactory(status="approved")
    db.session.commit()
    assert insert_loaded(_conversion(offer, partner)) is True
    again = _conversion(offer, partner)
    assert insert_loaded(again, skip_duplicate=True) is False
    assert again not in db.session and again.id is None
    assert insert_loaded(_conversion(offer, partner, order_id="A-2"), skip_duplicate=True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 2


def test_a_rollback_makes_the_object_new_again_as_after_a_flush(db):
    offer, partner = factories.OfferFactory(), factories.PartnerFactory(status="approved")
    db.session.commit()
    first = _conversion(offer, partner)
    insert_loaded(first)
    db.session.rollback()
    assert first not in db.session and inspect(first).transient
    second = _conversion(offer, partner)  # may be given the same id again
    assert insert_loaded(second)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 1


def test_defaults_are_filled_in_as_a_flush_would_and_required_columns_must_be_set(db):
    offer, partner = factories.OfferFactory(), factories.PartnerFactory(status="approved")
    db.session.commit()
    before = utcnow()
    conversion = Conversion(offer_id=offer.id, order_id="A-3", partner_id=partner.id,
                            amount=Decimal("1"), currency="USD")  # no occurred_at, created_at
    insert_loaded(conversion)
    assert conversion.occurred_at >= before and conversion.created_at >= before
    with pytest.raises(ValueError, match="amount"):
        insert_loaded(Conversion(offer_id=offer.id, order_id="A-4", currency="USD"))
    with pytest.raises(ValueError, match="new object"):
        insert_loaded(conversion)
