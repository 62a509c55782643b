"""JSON bodies read exactly: a JSON number with a fraction or an exponent becomes a
``Decimal``, never a float, so an amount sent as ``49.90`` is the amount that was sent and
a huge number (``1e400``) is an input to refuse, not an infinity."""

from __future__ import annotations

from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


def _integer(text: str) -> int | Decimal:
    # Python refuses to read integers of more than 4300 digits (a ValueError deep in the
    # parser); no field takes more than a few digits, so a long one stays a Decimal for
    # the field's own check to refuse.
    return int(text) if len(text) <= 30 else Decimal(text)


class ExactJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        kwargs.setdefault("parse_int", _integer)
        return super().loads(s, **kwargs)
