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
    # One statement, many parameter sets: SQLAlchemy batches them ("insertmanyvalues") and
    # RETURNING yields only the rows that were new.
    table = Click.__table__  # Core, not the ORM: no per-row object bookkeeping
    stmt = (insert(table).on_conflict_do_nothing(index_elements=["token"])
            .returning(table.c.created_at, table.c.offer_id, table.c.partner_id, table.c.sub1,
                       table.c.link_id, table.c.is_bot, table.c.is_unique))
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        for at, offer_id, partner_id, sub1, link_id, bot, unique in db.session.execute(stmt, chunk):
            stored += 1
            batch.add(at=at, offer_id=offer_id, partner_id=partner_id, sub1=sub1, link_id=link_id,
                      clicks=0 if bot else 1, unique_clicks=1 if unique and not bot else 0,
                      bot_clicks=1 if bot else 0)
    batch.flush()
    db.session.flush()
    return stored
