"""Drafting a payout batch as one unit of work: safe to run twice, or at the same moment
from two places (the admin page, the CLI, a scheduler)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import PayoutBatch
from ..services import audit, payout_batches
from ..services.locking import begin_write


def create_batch_once(cutoff: date, *, actor: audit.Actor, now: datetime,
                      currency: str | None = None) -> tuple[PayoutBatch, bool]:
    """Draft and commit the batch for ``cutoff``, or return the one that exists.

    The write lock and the advisory lock make concurrent callers take turns; the unique
    batch key is the last line of defence: a caller that still loses the race gets the
    winner's batch. Raises the service's ``DomainError`` (after a rollback) on bad input.
    """
    db.session.rollback()  # the unit of work must start with the write lock
    begin_write()
    try:
        batch, created = payout_batches.create_batch(cutoff, actor=actor, now=now,
                                                     currency=currency)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        batch = payout_batches.find_batch(cutoff, currency or _program_currency())
        if batch is None:
            raise
        return batch, False
    except Exception:
        db.session.rollback()
        raise
    return batch, created


def _program_currency() -> str:
    from ..services.program import get_program

    return get_program().currency
