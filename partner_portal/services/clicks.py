"""Loading spooled clicks into the database: dedupe, bot flags, uniqueness, rollups; then
the conversions that arrived before their click are linked to it and screened."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

import crawleruseragents
from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Click, Conversion
from ..models.tracking import AWAITING_CLICK
from . import rollups
from .fraud import screening
from .locking import begin_write_after_reads
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
    # A write transaction from the start (SQLite: BEGIN IMMEDIATE), so a load that reads and
    # then writes while conversions are being recorded waits its turn instead of failing
    # with "database is locked".
    begin_write_after_reads()
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


# How far back the loader looks for conversions still waiting for their click. A click is
# loaded within seconds of its redirect; the margin covers a scheduler that was down.
AWAITING_DAYS = 30


def link_arrived_clicks(*, now: datetime) -> int:
    """Link every recent conversion that was credited through a click id before its click
    was loaded to the click, now that it is stored, and run the fraud rules that look at
    the click (``screening.screen_arrived_click``): the same outcome as if the click had
    been there first. Each conversion is handled once: linking it takes it off the list,
    and the link is claimed with a conditional update, so two loaders never both screen
    it. Returns how many conversions were linked.

    It looks at every waiting conversion, not only the clicks just loaded, so a conversion
    whose transaction was still open while its click was loaded is caught by the next run.
    It reads first, and takes the write lock only when there is something to link."""
    since = now - timedelta(days=AWAITING_DAYS)
    waiting = db.session.execute(
        select(Conversion.id, Conversion.offer_id, Conversion.click_token)
        # The partial index answers this (no ORDER BY: SQLite would scan by id instead).
        .where(text(AWAITING_CLICK), Conversion.created_at >= since)).all()
    found: dict[int, int] = {}
    for start in range(0, len(waiting), 1000):
        chunk = waiting[start:start + 1000]
        clicks = {token: (click_id, offer_id) for token, click_id, offer_id in db.session.execute(
            select(Click.token, Click.id, Click.offer_id)
            .where(Click.token.in_({row.click_token for row in chunk})))}
        for row in chunk:
            click_id, offer_id = clicks.get(row.click_token, (None, None))
            if click_id is not None and offer_id == row.offer_id:
                found[row.id] = click_id
    if not found:
        return 0
    begin_write_after_reads()
    linked = 0
    for conversion_id, click_id in sorted(found.items()):
        claimed = db.session.execute(
            update(Conversion).where(Conversion.id == conversion_id,
                                     Conversion.click_row_id.is_(None))
            .values(click_row_id=click_id)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue  # another loader linked it first
        conversion = db.session.get(Conversion, conversion_id, populate_existing=True)
        rollups.conversion_linked(conversion)
        screening.screen_arrived_click(conversion, db.session.get(Click, click_id), now=now)
        linked += 1
    db.session.flush()
    return linked
