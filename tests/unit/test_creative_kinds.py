"""Each kind of creative turns into a ready snippet around the partner's own link."""

from __future__ import annotations

import pytest

from partner_portal.models import Creative
from partner_portal.services import creatives
from partner_portal.services.errors import ValidationError

LINK = "https://go.example.com/r/abc12345"
IMAGE = "https://go.example.com/creatives/AbCdEfGhIjKlMnOpQrStUvWx.png"


@pytest.mark.parametrize("kind, fields, expected", [
    ("banner", dict(width=300, height=250, alt_text='Spring "sale" <now>', name="B"),
     f'<a href="{LINK}" rel="sponsored noopener" target="_blank"><img src="{IMAGE}" width="300" '
     'height="250" alt="Spring &#34;sale&#34; &lt;now&gt;"></a>'),
    ("banner", dict(width=728, height=90, alt_text=None, name="Leaderboard"),
     f'<a href="{LINK}" rel="sponsored noopener" target="_blank"><img src="{IMAGE}" width="728" '
     'height="90" alt="Leaderboard"></a>'),
    ("text_link", dict(body="Shop <b>shoes</b> & more"),
     f'<a href="{LINK}" rel="sponsored noopener">Shop &lt;b&gt;shoes&lt;/b&gt; &amp; more</a>'),
    ("email", dict(subject="Trail season", body="Hi!\n\nHave a look: {link}\n\nBye"),
     f"Subject: Trail season\n\nHi!\n\nHave a look: {LINK}\n\nBye"),
    ("email", dict(subject="No placeholder", body="Hi!"),
     f"Subject: No placeholder\n\nHi!\n\n{LINK}"),
    ("social", dict(body="Love these {link} #ad"), f"Love these {LINK} #ad"),
    ("social", dict(body="Love these"), f"Love these\n\n{LINK}"),
])
def test_snippets(kind, fields, expected):
    creative = Creative(kind=kind, **fields)
    assert creatives.snippet(creative, LINK, IMAGE if kind == "banner" else None) == expected


@pytest.mark.parametrize("kind, body, ok", [
    ("text_link", "", False),
    ("text_link", "One line", True),
    ("text_link", "Two\nlines", False),
    ("text_link", "x" * 201, False),
    ("email", "", False),
    ("social", "x" * 2000, True),
    ("social", "x" * 2001, False),
    ("banner", "", True),  # a banner's words are its alternative text
])
def test_bodies_are_checked_per_kind(kind, body, ok):
    spec = creatives.KINDS[kind]
    if ok:
        assert spec.clean_body(body) == body
    else:
        with pytest.raises(ValidationError) as error:
            spec.clean_body(body)
        assert error.value.field == "body"


def test_every_kind_is_registered_once():
    assert list(creatives.KINDS) == ["banner", "text_link", "email", "social"]
    assert [k.has_file for k in creatives.KINDS.values()] == [True, False, False, False]
