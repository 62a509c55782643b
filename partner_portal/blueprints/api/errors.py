from __future__ import annotations

from ...extensions import db
from ...services.errors import DomainError
from . import bp
from .problems import from_domain_error


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()  # bad input changes nothing
    return from_domain_error(exc)
