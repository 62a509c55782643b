"""Share links for each target: the message and the link, encoded for that service."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from partner_portal.services import sharing
from partner_portal.services.errors import ValidationError

LINK = "https://partners.example.com/apply?ref=ab12cd34"
MESSAGE = "Join me & earn: 10% off = great!"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("code, check", [
    ("email", lambda u: u.startswith("mailto:?") and _query(u)["body"] == [f"{MESSAGE}\n\n{LINK}"]
     and _query(u)["subject"] == ["Join us"]),
    ("x", lambda u: u.startswith("https://twitter.com/intent/tweet?")
     and _query(u) == {"text": [MESSAGE], "url": [LINK]}),
    ("linkedin", lambda u: u.startswith("https://www.linkedin.com/sharing/share-offsite/?")
     and _query(u) == {"url": [LINK]}),
    ("whatsapp", lambda u: u.startswith("https://wa.me/?") and _query(u) == {"text": [f"{MESSAGE} {LINK}"]}),
])
def test_each_target_carries_the_message_and_the_link(code, check):
    target = next(t for t in sharing.TARGETS if t.code == code)
    url = target.url(MESSAGE, LINK, "Join us")
    assert check(url), url
    assert " " not in url and "&earn" not in url  # everything is encoded


@pytest.mark.parametrize("code", [t.code for t in sharing.TARGETS])
def test_an_empty_message_shares_just_the_link(code):
    target = next(t for t in sharing.TARGETS if t.code == code)
    url = target.url("", LINK, "Hi")
    values = [v for k, vs in _query(url).items() if k != "subject" for v in vs]
    assert values == [LINK], url


def test_the_referral_link_carries_the_partner_ref(app, monkeypatch):
    from partner_portal.services import referrals

    class P:
        ref = "ab12cd34"

    monkeypatch.setitem(app.config, "BASE_URL", "https://partners.example.com")
    with app.app_context():
        assert referrals.recruitment_url(P()) == LINK


@pytest.mark.parametrize("message, ok", [
    ("Hello\r\nthere", True), ("x" * 500, True), ("x" * 501, False), ("bell\x07", False)])
def test_messages_are_checked(message, ok):
    if ok:
        assert "\r" not in sharing.clean_message(message)
    else:
        with pytest.raises(ValidationError) as error:
            sharing.clean_message(message)
        assert error.value.field == "message"
