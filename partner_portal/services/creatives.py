"""Creative assets: managers publish them per offer; partners copy them with their own link.

Each kind (banner, text link, email copy, social post) is a small class in ``KINDS`` that
knows what it needs and how to turn itself into a ready snippet around a tracking link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from markupsafe import escape
from sqlalchemy import select

from ..extensions import db
from ..models import Creative, Offer
from . import audit, creative_files
from .errors import InvalidTransition, NotFound, ValidationError

LINK_PLACEHOLDER = "{link}"


class CreativeKind:
    code = ""
    label = ""
    plural = ""
    has_file = False
    has_subject = False
    body_label = "Text"
    body_max = 5000
    body_required = True
    single_line = False

    def clean_body(self, body: str | None) -> str:
        body = (body or "").replace("\r\n", "\n").strip()
        if self.body_required and not body:
            raise ValidationError(f"Write the {self.body_label.lower()}.", field="body")
        if len(body) > self.body_max:
            raise ValidationError(f"Keep the {self.body_label.lower()} to {self.body_max} characters.",
                                  field="body")
        if self.single_line and "\n" in body:
            raise ValidationError(f"The {self.body_label.lower()} is a single line.", field="body")
        return body

    def snippet(self, creative: Creative, link: str, image_url: str | None = None) -> str:
        raise NotImplementedError

    @staticmethod
    def _with_link(text: str, link: str) -> str:
        if LINK_PLACEHOLDER in text:
            return text.replace(LINK_PLACEHOLDER, link)
        return f"{text}\n\n{link}" if text else link


class Banner(CreativeKind):
    code, label, plural = "banner", "Banner", "Banners"
    has_file = True
    body_required = False
    body_label = "Description"

    def snippet(self, creative, link, image_url=None):
        alt = creative.alt_text or creative.name
        return (f'<a href="{escape(link)}" rel="sponsored noopener" target="_blank">'
                f'<img src="{escape(image_url or "")}" width="{creative.width}" '
                f'height="{creative.height}" alt="{escape(alt)}"></a>')


class TextLink(CreativeKind):
    code, label, plural = "text_link", "Text link", "Text links"
    body_label = "Link text"
    body_max = 200
    single_line = True

    def snippet(self, creative, link, image_url=None):
        return f'<a href="{escape(link)}" rel="sponsored noopener">{escape(creative.body)}</a>'


class EmailCopy(CreativeKind):
    code, label, plural = "email", "Email copy", "Email copy"
    has_subject = True
    body_label = "Message"

    def snippet(self, creative, link, image_url=None):
        return f"Subject: {creative.subject}\n\n{self._with_link(creative.body, link)}"


class SocialPost(CreativeKind):
    code, label, plural = "social", "Social post", "Social posts"
    body_label = "Post"
    body_max = 2000

    def snippet(self, creative, link, image_url=None):
        return self._with_link(creative.body, link)


KINDS: dict[str, CreativeKind] = {k.code: k for k in (Banner(), TextLink(), EmailCopy(), SocialPost())}


def kind_of(code: str) -> CreativeKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValidationError("Choose a kind of creative.", field="kind") from None


def _offer(offer_id) -> Offer:
    try:
        offer = db.session.get(Offer, int(offer_id))
    except (TypeError, ValueError):
        offer = None
    if offer is None:
        raise ValidationError("Choose an offer.", field="offer_id")
    return offer


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError("Give it a name of up to 120 characters.", field="name")
    return name


def _subject(kind: CreativeKind, subject: str | None) -> str | None:
    if not kind.has_subject:
        return None
    subject = (subject or "").strip()
    if not subject or len(subject) > 200 or "\n" in subject:
        raise ValidationError("Write a one-line subject of up to 200 characters.", field="subject")
    return subject


def _alt(kind: CreativeKind, alt_text: str | None) -> str | None:
    if not kind.has_file:
        return None
    alt_text = (alt_text or "").strip()
    if len(alt_text) > 200:
        raise ValidationError("Keep the alternative text to 200 characters.", field="alt_text")
    return alt_text or None


@dataclass
class Upload:
    """A banner file as received, and where and how big files may be kept."""

    data: bytes
    directory: Path
    max_bytes: int
    max_side: int


def _snapshot(creative: Creative) -> dict:
    return audit.snapshot(creative, ["offer_id", "kind", "name", "status", "file_name",
                                     "width", "height"])


def create(kind_code: str, offer_id, name: str, *, body: str | None = None,
           subject: str | None = None, alt_text: str | None = None, upload: Upload | None = None,
           actor: audit.Actor, now: datetime) -> Creative:
    kind = kind_of(kind_code)
    offer = _offer(offer_id)
    creative = Creative(kind=kind.code, offer_id=offer.id, name=_name(name),
                        body=kind.clean_body(body), subject=_subject(kind, subject),
                        alt_text=_alt(kind, alt_text), status="active",
                        created_by_id=actor.user_id, created_at=now, updated_at=now)
    stored = None
    if kind.has_file:
        if upload is None:
            raise ValidationError("Choose an image file to upload.", field="file")
        info = creative_files.inspect_image(upload.data, max_bytes=upload.max_bytes,
                                            max_side=upload.max_side)
        stored = creative_files.store(upload.data, info, upload.directory)
        creative.file_name, creative.content_type = stored, info.content_type
        creative.file_size, creative.width, creative.height = info.size, info.width, info.height
    try:
        db.session.add(creative)
        db.session.flush()
    except Exception:
        if stored:
            creative_files.discard(stored, upload.directory)
        raise
    audit.record(actor, "creative.create", "creative", creative.id, after=_snapshot(creative),
                 now=now)
    return creative


def get(creative_id: int) -> Creative:
    creative = db.session.get(Creative, creative_id)
    if creative is None:
        raise NotFound("No such creative.")
    return creative


def update(creative_id: int, offer_id, name: str, *, body: str | None = None,
           subject: str | None = None, alt_text: str | None = None, actor: audit.Actor,
           now: datetime) -> Creative:
    """Change the words around a creative (a banner's image is replaced by uploading a new
    banner and archiving the old one, so partners' snippets never change under them)."""
    creative = get(creative_id)
    kind = KINDS[creative.kind]
    before = audit.snapshot(creative, ["offer_id", "name", "body", "subject", "alt_text"])
    creative.offer_id = _offer(offer_id).id
    creative.name = _name(name)
    creative.body = kind.clean_body(body)
    creative.subject = _subject(kind, subject)
    creative.alt_text = _alt(kind, alt_text)
    creative.updated_at = now
    db.session.flush()
    after = audit.snapshot(creative, ["offer_id", "name", "body", "subject", "alt_text"])
    if after != before:
        audit.record(actor, "creative.update", "creative", creative.id, before=before,
                     after=after, now=now)
    return creative


def set_archived(creative_id: int, archived: bool, *, actor: audit.Actor,
                 now: datetime) -> Creative:
    creative = get(creative_id)
    wanted = "archived" if archived else "active"
    if creative.status == wanted:
        raise InvalidTransition("creative", "archive" if archived else "restore", creative.status)
    creative.status = wanted
    creative.archived_at = now if archived else None
    creative.updated_at = now
    db.session.flush()
    audit.record(actor, "creative.archive" if archived else "creative.restore", "creative",
                 creative.id, before={"status": "active" if archived else "archived"},
                 after={"status": wanted}, now=now)
    return creative


# --- lists ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    offer_id: int | None = None
    kind: str | None = None
    size: str | None = None
    status: str | None = "active"

    @classmethod
    def from_args(cls, args, *, default_status: str | None = "active") -> Filters:
        def as_int(value):
            try:
                return int(value) if value else None
            except ValueError:
                return None

        kind = args.get("kind") if args.get("kind") in KINDS else None
        size = args.get("size") or None
        if size and not _parse_size(size):
            size = None
        status = args.get("status", default_status)
        status = status if status in ("active", "archived") else None
        return cls(as_int(args.get("offer")), kind, size, status)

    def as_args(self) -> dict:
        args = {"offer": self.offer_id, "kind": self.kind, "size": self.size,
                "status": self.status}
        return {k: v for k, v in args.items() if v}


def _parse_size(size: str) -> tuple[int, int] | None:
    width, _, height = size.partition("x")
    if size.isascii() and width.isdigit() and height.isdigit() and len(size) <= 11:
        return int(width), int(height)
    return None


def statement(filters: Filters, *, offer_ids: list[int] | None = None):
    """Creatives matching ``filters``. For a partner, pass the ids of the offers they may
    promote: only active creatives of those offers are listed."""
    stmt = select(Creative).join(Offer, Offer.id == Creative.offer_id)
    if offer_ids is not None:
        stmt = stmt.where(Creative.status == "active", Creative.offer_id.in_(offer_ids))
    elif filters.status:
        stmt = stmt.where(Creative.status == filters.status)
    if filters.offer_id:
        stmt = stmt.where(Creative.offer_id == filters.offer_id)
    if filters.kind:
        stmt = stmt.where(Creative.kind == filters.kind)
    if filters.size:
        width, height = _parse_size(filters.size)
        stmt = stmt.where(Creative.width == width, Creative.height == height)
    return stmt.order_by(Offer.name, Creative.kind, Creative.name, Creative.id)


def banner_sizes(offer_ids: list[int]) -> list[str]:
    """Sizes of the active banners on these offers, largest first."""
    rows = db.session.execute(
        select(Creative.width, Creative.height)
        .where(Creative.kind == "banner", Creative.status == "active",
               Creative.offer_id.in_(offer_ids))
        .distinct()).all()
    return [f"{w}x{h}" for w, h in sorted(rows, key=lambda r: (-r[0] * r[1], r[0]))]


def for_partner(creative_id: int, offer_ids: list[int]) -> Creative:
    """A creative a partner may use: active, on one of the offers they may promote;
    otherwise ``NotFound``."""
    creative = db.session.get(Creative, creative_id)
    if creative is None or creative.status != "active" or creative.offer_id not in offer_ids:
        raise NotFound("No such creative.")
    return creative


def snippet(creative: Creative, link: str, image_url: str | None = None) -> str:
    return KINDS[creative.kind].snippet(creative, link, image_url)


def public_banner(file_name: str) -> Creative | None:
    """The active banner stored under ``file_name`` (what partners' pages embed)."""
    if not creative_files.STORED_NAME.match(file_name or ""):
        return None
    creative = db.session.scalar(select(Creative).where(Creative.file_name == file_name))
    if creative is None or creative.status != "active" or creative.kind != "banner":
        return None
    return creative
