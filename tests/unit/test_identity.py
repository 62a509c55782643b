"""Keys that tell when two partners share a mailbox or a website."""

from __future__ import annotations

import pytest

from partner_portal.services import identity


@pytest.mark.parametrize("a, b", [
    ("John.Doe@Example.com", "john.doe@example.com"),
    ("john.doe+promo@example.com", "john.doe@example.com"),
    ("j.o.h.n.doe@gmail.com", "johndoe@gmail.com"),
    ("johndoe+x@googlemail.com", "johndoe@gmail.com"),
])
def test_aliases_of_one_mailbox_share_a_key(a, b):
    assert identity.email_key(a) == identity.email_key(b)


@pytest.mark.parametrize("a, b", [
    ("john.doe@example.com", "johndoe@example.com"),  # dots matter outside Gmail
    ("john@example.com", "john@example.org"),
])
def test_different_mailboxes_have_different_keys(a, b):
    assert identity.email_key(a) != identity.email_key(b)


@pytest.mark.parametrize("url, key", [
    ("https://www.example.com/blog", "example.com"),
    ("http://shop.example.co.uk", "example.co.uk"),
    ("example.org", "example.org"),
    ("https://alice.blogspot.com/", "alice.blogspot.com"),  # hosted blogs keep their own name
    ("https://localhost/", None),
    ("", None),
    (None, None),
])
def test_site_key_is_the_registrable_domain(url, key):
    assert identity.site_key(url) == key


@pytest.mark.parametrize("domain, free", [("gmail.com", True), ("outlook.com", True),
                                          ("acme-widgets.example", False), (None, False)])
def test_free_mail_providers(domain, free):
    assert identity.is_free_mail(domain) is free


def test_partner_keys_follow_the_values(db):
    from tests.factories import PartnerFactory

    partner = PartnerFactory(email="A.B+1@gmail.com", payout_email="Pay@Example.com",
                             website="https://www.shop.example.com/x")
    assert (partner.email_key, partner.payout_email_key, partner.website_key) == (
        "ab@gmail.com", "pay@example.com", "example.com")
    partner.website = None
    assert partner.website_key is None
