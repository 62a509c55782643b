from __future__ import annotations

from flask import g

from ...extensions import db
from ...models.base import utcnow
from ...services import api_keys
from ...services.errors import DomainError
from ...services.locking import begin_write
from . import bp
from .problems import RequestProblem, from_domain_error


def _refused() -> None:
    db.session.rollback()  # bad input changes nothing …
    key = getattr(g, "api_key", None)
    if key is not None:  # … but the key was still used
        begin_write()
        api_keys.touch(key.id, now=utcnow())
        db.session.commit()


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    _refused()
    return from_domain_error(exc)


@bp.errorhandler(RequestProblem)
def request_problem(exc: RequestProblem):
    _refused()
    return exc.response()
