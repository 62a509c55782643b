"""Each request is one kind of unit of work, decided once, before its first query
(``register``: the last of the app's request hooks, before the blueprints' guards).

- A request that may write (any method but GET, HEAD and OPTIONS, or a view marked
  ``@writes``) is a write session from its first query (``locking.write_session``): on
  SQLite every transaction it begins is ``BEGIN IMMEDIATE``, queued on the write-queue
  lock, so another writer committing meanwhile can never make it fail with "database is
  locked". On PostgreSQL nothing changes (row locks do that work).
- A view marked ``@reads_first`` reads (an API key, its input) before it takes the write
  lock itself with ``locking.begin_write_after_reads``, so writers hold the lock for less
  time; the conversion API does, as it is the hot path.
- Any other request only reads; a write in it is refused in tests and logged elsewhere
  (``locking._refuse_writes_in_reads``).

Inside a write request a view runs its use case in ``unit_of_work``: one commit, a
rollback on failure, a ``DomainError`` shown on the form or flashed
(docs/architecture.md, "The unit of work").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, flash, request

from ..extensions import db
from ..services import locking
from ..services.errors import DomainError
from .forms import apply_error

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view):
    """Mark a view that writes although it answers a GET (an export that is audited)."""
    view.unit_of_work = "write"
    return view


def reads_first(view):
    """Mark a view that begins its own write transaction after reading
    (``locking.begin_write_after_reads``)."""
    view.unit_of_work = "reads_first"
    return view


def unit_for(endpoint: str | None, method: str) -> str:
    """"write", "reads_first" or "read" for a request to ``endpoint``."""
    view = current_app.view_functions.get(endpoint or "")
    declared = getattr(view, "unit_of_work", None)
    if declared == "write":
        return "write"
    if method in READING_METHODS:
        return "read"
    return declared or "write"


def _begin_unit_of_work() -> None:
    if request.endpoint is None:
        return  # no view: 404 or 405, nothing to run
    unit = unit_for(request.endpoint, request.method)
    session = db.session()
    session.info[locking.UNIT] = unit
    if unit == "write":
        locking.write_session(session)


def _end_unit_of_work(exc: BaseException | None = None) -> None:
    session = db.session()
    session.info.pop(locking.UNIT, None)
    locking.end_write_session(session)


def register(app: Flask) -> None:
    """Begin the unit after the app's own request checks (foreign host, CSRF, NUL bytes:
    none reads the database, and a refused request never takes the lock) and before the
    blueprints' guards, which load the user. End it with the request (the app context's
    end removes the session too; this matters where a session outlives a request, as in
    some tests)."""
    app.before_request(_begin_unit_of_work)
    app.teardown_request(_end_unit_of_work)


class Outcome:
    """What a ``unit_of_work`` block ended with: ``error`` is the ``DomainError`` it
    raised (already shown), or None when it was committed; ``ok`` says the latter."""

    def __init__(self) -> None:
        self.error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def unit_of_work(form=None, *, flash_error: bool | Callable[[DomainError], str] = False,
                 category: str = "error", hold: bool = False) -> Iterator[Outcome]:
    """Run a view's use case as one unit of work: commit once when the block ends, roll
    back when it raises. A ``DomainError`` is shown, not raised: on ``form`` (the field it
    names, or the form as a whole) for a view that re-renders, or flashed for a view that
    redirects (``flash_error=True`` flashes its message; a callable formats it); with
    ``hold=True`` it is only kept on the outcome, for a view that shows it its own way.
    Told none of these, the block lets a ``DomainError`` propagate like any other
    exception, after the rollback.

        with unit_of_work(form) as done:
            group = groups.create(...)
        if done:
            flash("Group created.", "success")
            return redirect(...)
        return render_template(..., form=form), 422

    The request hook above has already begun the write (the write lock on SQLite), so
    the block needs no ``begin_write``."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        db.session.rollback()
        if form is None and not flash_error and not hold:
            raise
        outcome.error = exc
        if form is not None:
            apply_error(form, exc)
        if flash_error:
            flash(flash_error(exc) if callable(flash_error) else exc.message, category)
        return
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
