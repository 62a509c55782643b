"""Demo content for the partner side: banners (drawn with Pillow), text creatives,
announcements, a few more links for the demo partner, and this season's standings."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from ..extensions import db
from ..models import Announcement, Creative, Offer, Partner, TrackingLink
from . import creative_files
from .program import get_program

BANNER_SIZES = [(300, 250), (728, 90), (160, 600), (320, 50)]
PALETTES = [((31, 79, 209), (15, 27, 61)), ((19, 108, 52), (10, 50, 28)),
            ((161, 26, 26), (70, 12, 12))]

TEXTS = [
    ("text_link", "Plain text link", None, "Shop the Trailblazer running shoes"),
    ("email", "Newsletter blurb", "Trail season is here: my favourite shoes",
     "Hi friends,\n\nI have been running in the Trailblazer shoes all season and they are "
     "the best I have tried. Have a look here: {link}\n\nSee you on the trail!"),
    ("social", "Instagram caption", None,
     "New trail shoes, same muddy me. Grip for days, and they dried overnight. {link} #ad"),
]
ANNOUNCEMENTS = [
    ("Double commission on subscriptions this weekend",
     "From Friday to Sunday every new Basecamp Gear subscriber pays double the usual bounty. "
     "Use the new 728×90 banner or the newsletter blurb in Creatives.", True, 2),
    ("New spring banners",
     "Fresh banners in four sizes are in the creative library, each with your link inside.",
     False, 9),
    ("Payouts move to the 5th of the month",
     "From next month, payouts are sent on the 5th instead of the 1st, so late refunds are "
     "settled first.", False, 24),
]
EXTRA_LINKS = [("instagram", None), ("trail-guide", "https://blog.example.com/trail-guide")]


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def banner_png(width: int, height: int, title: str, cta: str, palette) -> bytes:
    """A simple, legible banner: a two-tone background, the offer name and a button."""
    light, dark = palette
    image = Image.new("RGB", (width, height), dark)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # vertical gradient
        t = y / max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(light[i] * (1 - t) + dark[i] * t)
                                                   for i in range(3)))
    wide = width > height * 2
    title_size = max(12, min(height // 3 if wide else width // 9, 34))
    font, small = _font(title_size), _font(max(10, title_size * 2 // 3))
    margin = max(6, min(width, height) // 12)
    lines = [title] if wide else title.split(" ", 1) if len(title) > 14 else [title]
    y = margin if not wide else (height - title_size * len(lines)) // 2 - 2
    for line in lines:
        draw.text((margin, y), line, font=font, fill="white")
        y += int(title_size * 1.2)
    box_w, box_h = draw.textlength(cta, font=small) + 2 * margin, int(title_size * 1.4)
    if wide:
        x0, y0 = width - box_w - margin, (height - box_h) // 2
    else:
        x0, y0 = margin, height - box_h - margin
    draw.rounded_rectangle([x0, y0, x0 + box_w, y0 + box_h], radius=box_h // 3, fill="#f2b705")
    draw.text((x0 + margin, y0 + (box_h - small.size) // 2 - 1), cta, font=small, fill=(15, 27, 61))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def seed_content(offers: list[Offer], demo_partner: Partner | None, now: datetime,
                 result, code_maker) -> list[TrackingLink]:
    """Creatives, announcements and the demo partner's extra links; returns new links."""
    program = get_program()
    program.leaderboard_enabled = True
    directory = current_app.config["CREATIVES_DIR"]
    active = [o for o in offers if o.status == "active"]
    for index, offer in enumerate(active[:2]):
        palette = PALETTES[index % len(PALETTES)]
        for width, height in BANNER_SIZES:
            name = f"{offer.name} {width}×{height}"
            if db.session.scalar(select(Creative.id).where(Creative.offer_id == offer.id,
                                                           Creative.name == name)):
                continue
            data = banner_png(width, height, offer.name, "Shop now" if index == 0 else "Subscribe",
                              palette)
            info = creative_files.inspect_image(data, max_bytes=10 * 1024 * 1024, max_side=4000)
            stored = creative_files.store(data, info, directory)
            db.session.add(Creative(
                offer_id=offer.id, kind="banner", name=name, body="", status="active",
                alt_text=f"{offer.name}: {'shop now' if index == 0 else 'subscribe'}",
                file_name=stored, content_type=info.content_type, file_size=info.size,
                width=info.width, height=info.height, created_at=now - timedelta(days=30)))
            result.add("creatives")
    if active:
        for kind, name, subject, body in TEXTS:
            if db.session.scalar(select(Creative.id).where(Creative.offer_id == active[0].id,
                                                           Creative.name == name)):
                continue
            db.session.add(Creative(offer_id=active[0].id, kind=kind, name=name, subject=subject,
                                    body=body, status="active", created_at=now - timedelta(days=20)))
            result.add("creatives")
    for title, body, pinned, days_ago in ANNOUNCEMENTS:
        if db.session.scalar(select(Announcement.id).where(Announcement.title == title)):
            continue
        at = now - timedelta(days=days_ago)
        db.session.add(Announcement(title=title, body=body, pinned=pinned, status="published",
                                    created_at=at, updated_at=at, published_at=at))
        result.add("announcements")
    made = []
    if demo_partner is not None and active:
        for sub1, deep_link in EXTRA_LINKS:
            exists = db.session.scalar(select(TrackingLink.id).where(
                TrackingLink.partner_id == demo_partner.id, TrackingLink.sub1 == sub1))
            if exists:
                continue
            link = TrackingLink(code=code_maker(), partner_id=demo_partner.id,
                                offer_id=active[0].id, sub1=sub1, deep_link_url=deep_link,
                                created_at=(demo_partner.approved_at or now) + timedelta(days=5))
            db.session.add(link)
            made.append(link)
            result.add("tracking links")
    db.session.flush()
    return made


def rank(now: datetime) -> None:
    """Standings for this month and every month before it (badges and the leaderboard)."""
    from ..jobs.tasks import standings

    standings(now)
