"""Loading spooled clicks into the database: dedupe, bot flags, uniqueness, rollups."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

import crawleruseragents
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Click
from .rollups import RollupBatch

SUBS = ("sub1", "sub2", "sub3", "sub4", "sub5")


@lru_cache(maxsize=8192)
def is_bot(user_agent: str | None) -> bool:
    """Known crawlers, previewers and scripted clients (the maintained
    crawler-user-agents list); an empty user agent counts as a bot too."""
    if not user_agent or not user_agent.strip():
        return True
    return bool(crawleruseragents.is_crawler(user_agent))


def _row(record: dict) -> dict:
    ua = (record.get("ua") or "")[:500] or None
    return {
        "token": record["t"],
        "link_id": record.get("l"),
        "partner_id": record["p"],
        "offer_id": record["o"],
        "created_at": datetime.fromtimestamp(record["ts"], timezone.utc),
        "ip": (record.get("ip") or "")[:45] or None,
        "user_agent": ua,
        "referer": (record.get("ref") or "")[:2000] or None,
        **{s: (record.get(s) or None) for s in SUBS},
        "is_bot": bool(record.get("pf")) or is_bot(ua),
        "is_unique": bool(record.get("u", True)),
        "paid_click_param": (record.get("ps") or None) and str(record["ps"])[:16],
    }


def _drop_orphans(rows: list[dict]) -> list[dict]:
    """Keep clicks whose partner and offer exist; a removed link only loses its link id."""
    from sqlalchemy import select

    from ..models import Offer, Partner, TrackingLink

    def existing(model, ids):
        ids = {i for i in ids if i is not None}
        return set(db.session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()

    partners = existing(Partner, (r["partner_id"] for r in rows))
    offers = existing(Offer, (r["offer_id"] for r in rows))
    links = existing(TrackingLink, (r["link_id"] for r in rows))
    kept = []
    for row in rows:
        if row["partner_id"] in partners and row["offer_id"] in offers:
            if row["link_id"] not in links:
                row["link_id"] = None
            kept.append(row)
    return kept


def ingest(records: list[dict]) -> int:
    """Insert the clicks not yet stored (by token) and add them to the rollups.

    Idempotent: a record already in the database is skipped, so a segment can be loaded
    again after a crash between commit and deletion without double counting.
    """
    if not records:
        return 0
    rows = _drop_orphans([_row(r) for r in records])
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    batch = RollupBatch()
    stored = 0
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        stmt = (insert(Click).values(chunk).on_conflict_do_nothing(index_elements=["token"])
                .returning(Click.created_at, Click.offer_id, Click.partner_id, Click.sub1,
                           Click.is_bot, Click.is_unique))
        for at, offer_id, partner_id, sub1, bot, unique in db.session.execute(stmt):
            stored += 1
            batch.add(at=at, offer_id=offer_id, partner_id=partner_id, sub1=sub1,
                      clicks=0 if bot else 1, unique_clicks=1 if unique and not bot else 0,
                      bot_clicks=1 if bot else 0)
    batch.flush()
    db.session.flush()
    return stored
