"""Click ids: compact signed tokens that carry partner, offer, link and time.

A conversion can be attributed from the token alone, even if the click row was never
written. Signing uses itsdangerous (HMAC-SHA256); ``CLICK_ID_KEYS`` may hold several keys
so the key can be rotated: new tokens are signed with the last key, every key verifies.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from datetime import datetime, timezone

from itsdangerous import BadSignature, Signer

_FORMAT = ">BIIIII"  # version, partner, offer, link, unix time, nonce
_VERSION = 1


@dataclass(frozen=True)
class ClickClaims:
    partner_id: int
    offer_id: int
    link_id: int
    clicked_at: datetime


class InvalidClickId(Exception):
    pass


class ClickIdCodec:
    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("at least one click id key is required")
        self._signer = Signer(keys, salt="click-id", digest_method=hashlib.sha256, sep=".")

    def encode(self, partner_id: int, offer_id: int, link_id: int, clicked_at: datetime,
               nonce: int | None = None) -> str:
        if nonce is None:
            nonce = int.from_bytes(os.urandom(4), "big")
        payload = struct.pack(_FORMAT, _VERSION, partner_id, offer_id, link_id,
                              int(clicked_at.timestamp()), nonce)
        body = base64.urlsafe_b64encode(payload).rstrip(b"=")
        return self._signer.sign(body).decode()

    def decode(self, token: str) -> ClickClaims:
        try:
            body = self._signer.unsign((token or "").encode())
            raw = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
            version, partner_id, offer_id, link_id, ts, _nonce = struct.unpack(_FORMAT, raw)
        except (BadSignature, ValueError, struct.error, UnicodeError) as exc:
            raise InvalidClickId("click_id is not a valid, signed click id") from exc
        if version != _VERSION:
            raise InvalidClickId("click_id has an unknown version")
        return ClickClaims(partner_id, offer_id, link_id, datetime.fromtimestamp(ts, timezone.utc))


def codec_for(config) -> ClickIdCodec:
    keys = config.get("CLICK_ID_KEYS") or [config["SECRET_KEY"]]
    return ClickIdCodec(list(keys))
