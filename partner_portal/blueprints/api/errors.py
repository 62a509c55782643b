from __future__ import annotations

from flask import g

from ...extensions import db
from ...models.base import utcnow
from ...services import api_keys
from ...services.errors import DomainError
from ...services.locking import begin_write
from . import bp
from .problems import from_domain_error


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()  # bad input changes nothing …
    key = getattr(g, "api_key", None)
    if key is not None:  # … but the key was still used
        begin_write()
        api_keys.touch(key.id, now=utcnow())
        db.session.commit()
    return from_domain_error(exc)
