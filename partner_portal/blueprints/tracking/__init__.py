"""The hot path: /r/<code>. Kept small: cached link lookup, a signed click id, one line
appended to the click spool, a redirect."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)

from . import postback, views  # noqa: E402,F401
