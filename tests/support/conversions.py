"""Helpers for tests that record conversions the way a caller does: begin a write
transaction, call the service, commit."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import Commission, Conversion
from partner_portal.services import audit
from partner_portal.services.clickids import codec_for
from partner_portal.services.conversions import (
    ConversionInput,
    record_conversion,
    refund_conversion,
)
from partner_portal.services.locking import begin_write

API = audit.Actor.system("api key test")
NOW = datetime(2026, 3, 18, 15, 0, tzinfo=timezone.utc)


def unit_of_work(fn, *args, **kwargs):
    """Run ``fn`` as one committed write transaction, as an API view would."""
    db.session.commit()
    begin_write()
    try:
        result = fn(*args, **kwargs)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def record(offer, order_id: str, amount="100.00", *, now: datetime = NOW, **fields):
    fields.setdefault("currency", offer.currency)
    inp = ConversionInput(offer_id=offer.id, order_id=order_id, amount=Decimal(str(amount)), **fields)
    return unit_of_work(record_conversion, inp, actor=API, now=now)


def refund(offer, order_id: str, amount=None, *, now: datetime = NOW):
    return unit_of_work(refund_conversion, offer.id, order_id, amount, actor=API, now=now)


def click_token(partner, offer, clicked_at: datetime, link_id: int = 1) -> str:
    return codec_for(current_app.config).encode(partner.id, offer.id, link_id, clicked_at)


def days_before(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def commissions(**where) -> list[Commission]:
    query = select(Commission).order_by(Commission.id)
    for name, value in where.items():
        query = query.where(getattr(Commission, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def conversions(**where) -> list[Conversion]:
    query = select(Conversion).order_by(Conversion.id)
    for name, value in where.items():
        query = query.where(getattr(Conversion, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def race(app, n: int, work) -> list:
    """Run ``work(i)`` in ``n`` real threads released at the same moment, each in its own
    app context and database session; returns results (or the exceptions raised)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                begin_write()
                results[i] = work(i)
                db.session.commit()
            except Exception as exc:  # returned to the test, which asserts there are none
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    run_threads(n, run)
    return results


def no_errors(results) -> None:
    """Fail with the first few exceptions among ``race``/``parallel_requests`` results."""
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == [], errors[:3]


def parallel_requests(app, n: int, send, *, cookie=None) -> list:
    """Call ``send(client)`` from ``n`` real threads, each with its own test client (given
    ``cookie``, e.g. a signed-in session, when there is one), released at the same moment;
    returns what each returned (or the exception it raised)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            with app.test_client() as client:
                if cookie is not None:
                    client.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
                barrier.wait()
                results[i] = send(client)
        except Exception as exc:  # returned to the test, which asserts there are none
            results[i] = exc

    run_threads(n, run)
    return results


def run_threads(n: int, target) -> None:
    """Start ``target(i)`` in ``n`` threads and wait for them all."""
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def api_shop(app) -> dict:
    """A shop reporting over the API: a 10 % offer, a partner with a link, a fresh API key
    (``key`` and its ``auth`` header) and a click id from two hours ago."""
    from partner_portal.models.base import utcnow
    from partner_portal.services import api_keys

    from ..factories import LinkFactory, OfferFactory, PartnerFactory

    offer = OfferFactory(default_commission_kind="percent", default_commission_value=Decimal("10"))
    partner = PartnerFactory()
    link = LinkFactory(offer=offer, partner=partner)
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    codec = app.extensions["pp_click_codec"]
    return {"offer": offer, "partner": partner, "key": plain,
            "auth": {"Authorization": f"Bearer {plain}"},
            "click_id": codec.encode(partner.id, offer.id, link.id, utcnow() - timedelta(hours=2))}
