from __future__ import annotations

from datetime import datetime, timezone

import pytest

from partner_portal.services.clickids import ClickIdCodec, InvalidClickId

AT = datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)


def test_round_trip_carries_partner_offer_link_and_time():
    codec = ClickIdCodec(["k1"])
    token = codec.encode(12, 34, 56, AT)
    claims = codec.decode(token)
    assert (claims.partner_id, claims.offer_id, claims.link_id, claims.clicked_at) == (12, 34, 56, AT)
    assert len(token) < 80 and token.isascii()


def test_each_click_gets_a_distinct_id():
    codec = ClickIdCodec(["k1"])
    assert codec.encode(1, 1, 1, AT) != codec.encode(1, 1, 1, AT)


@pytest.mark.parametrize("mangle", [
    # a character inside the signature (the last one carries padding bits, so changing
    # it can leave the decoded signature as it was)
    lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],
    lambda t: "x" + t,
    lambda t: t.split(".")[0],
    lambda t: "",
    lambda t: "not.a-token",
])
def test_forged_or_damaged_ids_are_refused(mangle):
    codec = ClickIdCodec(["k1"])
    with pytest.raises(InvalidClickId):
        codec.decode(mangle(codec.encode(1, 2, 3, AT)))


def test_payload_cannot_be_swapped_between_tokens():
    codec = ClickIdCodec(["k1"])
    a, b = codec.encode(1, 2, 3, AT), codec.encode(9, 9, 9, AT)
    with pytest.raises(InvalidClickId):
        codec.decode(b.split(".")[0] + "." + a.split(".")[1])


def test_key_rotation_keeps_old_ids_valid_and_signs_with_the_new_key():
    old = ClickIdCodec(["old"])
    rotated = ClickIdCodec(["old", "new"])
    token = old.encode(1, 2, 3, AT)
    assert rotated.decode(token).partner_id == 1
    fresh = rotated.encode(4, 5, 6, AT)
    with pytest.raises(InvalidClickId):
        old.decode(fresh)
    assert ClickIdCodec(["new"]).decode(fresh).partner_id == 4
