"""Sharing: the partner's referral link and their tracking links, with a message they can
personalise, as ready share links for email, X, LinkedIn and WhatsApp."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .errors import ValidationError

MESSAGE_MAX = 500


class ShareTarget:
    code = ""
    label = ""

    def url(self, message: str, link: str, subject: str) -> str:
        raise NotImplementedError

    @staticmethod
    def _text(message: str, link: str) -> str:
        return f"{message} {link}".strip() if message else link


class Email(ShareTarget):
    code, label = "email", "Email"

    def url(self, message, link, subject):
        body = f"{message}\n\n{link}" if message else link
        return f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


class X(ShareTarget):
    code, label = "x", "X"

    def url(self, message, link, subject):
        params = {"text": message, "url": link} if message else {"url": link}
        return "https://twitter.com/intent/tweet?" + urlencode(params, quote_via=quote)


class LinkedIn(ShareTarget):
    code, label = "linkedin", "LinkedIn"

    def url(self, message, link, subject):
        # LinkedIn takes only the address; the post text is written on LinkedIn.
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link},
                                                                              quote_via=quote)


class WhatsApp(ShareTarget):
    code, label = "whatsapp", "WhatsApp"

    def url(self, message, link, subject):
        return "https://wa.me/?" + urlencode({"text": self._text(message, link)}, quote_via=quote)


TARGETS: tuple[ShareTarget, ...] = (Email(), X(), LinkedIn(), WhatsApp())


def clean_message(message: str | None) -> str:
    message = (message or "").replace("\r\n", "\n").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationError(f"Keep the message to {MESSAGE_MAX} characters.", field="message")
    if any(ord(c) < 32 and c != "\n" for c in message):
        raise ValidationError("The message cannot contain control characters.", field="message")
    return message


@dataclass(frozen=True)
class ShareLink:
    target: ShareTarget
    url: str


def share_links(message: str, link: str, subject: str) -> list[ShareLink]:
    return [ShareLink(t, t.url(message, link, subject)) for t in TARGETS]


def default_message(program_name: str, *, recruiting: bool, offer_name: str | None = None) -> str:
    if recruiting:
        return (f"I earn commissions as a partner of {program_name}. "
                "Apply through my link to join the program:")
    return f"I recommend {offer_name or program_name}. Have a look:"
