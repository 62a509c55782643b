"""Partner dashboard response time: a database holding 10 million clicks and 100,000
conversions against one holding 10 thousand clicks, side by side in one run.

    .venv/bin/python bench/dashboard.py            # full: 10M clicks (rollups and raw rows)
    .venv/bin/python bench/dashboard.py --small    # CI-sized: 1M clicks' rollups, no raw rows

Both databases are SQLite files built by the migrations and filled with bulk Core inserts:
a year of daily rollups (one row per day, offer, partner and sub-ID with any clicks, and the
same per tracking link), the conversions and their commissions, monthly standings and, in
the full run, every raw click row as well (the dashboard must not care that they are there).

The partner measured ("you") has the same year in both databases: 10,000 clicks over 5
offers and 3 sub-IDs (about 27 a day, so nearly every day, offer and sub-ID has a rollup
row) and about 100 conversions. In the small database that is all there is; in the big one
199 other partners add 10 million clicks and 100,000 conversions, split unevenly. So the
ratio shows what the size of the database costs the same page, not how much more a busier
partner has to show. The busiest partner of the big database (1.7 million clicks and
17,000 conversions a year) is measured too, for its absolute time.

Requests go through the Flask test client of two apps in one process (no network),
alternating between the databases so drift hits both; each figure is the median and p95.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZONE = ZoneInfo("America/New_York")
PARTNERS = 200
OFFERS = [("Trail Shoes", 0.35), ("Gear Box", 0.25), ("Newsletter", 0.2), ("Tents", 0.12),
          ("Socks", 0.08)]
SUBS = [("", 0.5), ("blog", 0.3), ("newsletter", 0.2)]
DAYS = 365
CONVERSION_RATE = 0.01
PASSWORD = "bench-password-1"
YOUR_CLICKS = 10_000
WHO = {"you": 0, "busiest": 1}  # partner index -> login p<i>@bench.example
CHUNK = 20_000


def partner_weights() -> list[float]:
    """Shares of the other partners' clicks (index 0, "you", has its own fixed year)."""
    raw = [0.0] + [1 / i ** 0.8 for i in range(1, PARTNERS)]
    total = sum(raw)
    return [w / total for w in raw]


def day_weights(days: list[date]) -> list[float]:
    raw = [(1.25 if d.weekday() >= 5 else 1.0) * (0.6 + 0.4 * i / len(days))
           for i, d in enumerate(days)]
    total = sum(raw)
    return [w / total for w in raw]


def stochastic_round(rng: random.Random, x: float) -> int:
    whole = math.floor(x)
    return whole + (1 if rng.random() < x - whole else 0)


def local_noon(day: date) -> datetime:
    return datetime.combine(day, dtime(12), tzinfo=ZONE).astimezone(timezone.utc)


def build(path: Path, others_clicks: int, raw_clicks: bool, seed: int, say) -> dict:
    """Create and fill one database: your year, and ``others_clicks`` for everyone else."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from partner_portal import create_app
    from partner_portal.extensions import db
    from partner_portal.models import (
        Announcement,
        Click,
        Commission,
        Conversion,
        DailyStat,
        LinkStat,
        Offer,
        Partner,
        Program,
        TrackingLink,
        User,
    )
    from partner_portal.models.base import utcnow
    from partner_portal.services import milestones
    from partner_portal.services.passwords import hash_password

    others, yours = random.Random(seed), random.Random(42)  # your year is the same in both
    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        now = utcnow()
        today = now.astimezone(ZONE).date()
        days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
        created = now - timedelta(days=DAYS + 30)
        program = db.session.get(Program, 1)
        program.name, program.timezone, program.currency = "Bench Outdoor", ZONE.key, "USD"
        db.session.execute(insert(Offer), [
            dict(id=i + 1, name=name, destination_url="https://shop.example.com/", currency="USD",
                 created_at=created, updated_at=created) for i, (name, _) in enumerate(OFFERS)])
        db.session.execute(insert(Partner), [
            dict(id=i + 1, ref=f"ref{i:05d}", name=f"Partner {i}", email=f"p{i}@bench.example",
                 display_name=f"Partner {i}", status="approved", created_at=created,
                 status_changed_at=created, approved_at=created) for i in range(PARTNERS)])
        password_hash = hash_password(PASSWORD)
        for index in WHO.values():
            db.session.add(User(email=f"p{index}@bench.example", role="partner",
                                partner_id=index + 1, password_hash=password_hash,
                                created_at=created))
        links, link_id = {}, 0
        link_rows = []
        for p in range(PARTNERS):
            for o in range(len(OFFERS)):
                for s, (sub, _) in enumerate(SUBS):
                    link_id += 1
                    links[(p, o, s)] = link_id
                    link_rows.append(dict(id=link_id, code=f"b{link_id:07d}", partner_id=p + 1,
                                          offer_id=o + 1, sub1=sub or None, created_at=created))
        db.session.execute(insert(TrackingLink), link_rows)
        for i, title in enumerate(("Double commission weekend", "New banners", "Payout date")):
            at = now - timedelta(days=3 + 10 * i)
            db.session.add(Announcement(title=title, body="Details for partners.", status="published",
                                        created_at=at, updated_at=at, published_at=at))

        pw, dw = partner_weights(), day_weights(days)
        stats, link_stats, conversions, commissions = [], [], [], []
        clicks_by_row: list[tuple[int, int, int, date, int]] = []
        order = 0
        for d, day in enumerate(days):
            age = (today - day).days
            for p in range(PARTNERS):
                rng = yours if p == 0 else others
                total = YOUR_CLICKS if p == 0 else others_clicks * pw[p]
                if not total:
                    continue
                for o, (_, ow) in enumerate(OFFERS):
                    for s, (sub, sw) in enumerate(SUBS):
                        n = stochastic_round(rng, total * dw[d] * ow * sw)
                        if not n:
                            continue
                        conv = sum(1 for _ in range(n) if rng.random() < CONVERSION_RATE) \
                            if n < 50 else stochastic_round(rng, n * CONVERSION_RATE)
                        revenue = commission = Decimal(0)
                        for _ in range(conv):
                            order += 1
                            number = f"Y-{order:07d}" if p == 0 else f"B-{order:07d}"
                            amount = Decimal(rng.randint(2000, 24000)) / 100
                            share = (amount / 10).quantize(Decimal("0.01"))
                            revenue += amount
                            commission += share
                            at = local_noon(day) + timedelta(minutes=rng.randint(-600, 600))
                            conversions.append(dict(
                                id=order, offer_id=o + 1, order_id=number, partner_id=p + 1,
                                amount=amount, refunded_amount=Decimal(0), currency="USD",
                                event="sale", status="attributed", occurred_at=at, created_at=at))
                            # Pending through the 30-day hold, then approved, and paid
                            # out by the monthly payout; a few are rejected.
                            status = ("rejected" if rng.random() < 0.04 else "pending"
                                      if age < 30 else "approved" if age < 60 else "paid")
                            commissions.append(dict(
                                id=order, partner_id=p + 1, offer_id=o + 1, conversion_id=order,
                                kind="conversion", amount=share, currency="USD", status=status,
                                explanation=f"10% of ${amount} (offer default)", created_at=at,
                                payable_at=at + timedelta(days=30)))
                        unique = max(0, n - n // 7)
                        stats.append(dict(day=day, offer_id=o + 1, partner_id=p + 1, sub1=sub,
                                          clicks=n, unique_clicks=unique, bot_clicks=n // 40,
                                          conversions=conv, revenue=revenue, commission=commission))
                        link_stats.append(dict(day=day, link_id=links[(p, o, s)], partner_id=p + 1,
                                               clicks=n, unique_clicks=unique, conversions=conv,
                                               commission=commission))
                        if raw_clicks:
                            clicks_by_row.append((p, o, s, day, n))
        say(f"  {path.name}: {sum(r['clicks'] for r in stats):,} clicks in {len(stats):,} rollup "
            f"rows, {len(conversions):,} conversions; inserting…")
        for model, rows in ((DailyStat, stats), (LinkStat, link_stats), (Conversion, conversions),
                            (Commission, commissions)):
            for i in range(0, len(rows), CHUNK):
                db.session.execute(insert(model), rows[i:i + CHUNK])
        db.session.commit()
        raw = 0
        if raw_clicks:
            table = Click.__table__
            batch = []
            for p, o, s, day, n in clicks_by_row:
                start = datetime.combine(day, dtime.min, tzinfo=ZONE).astimezone(timezone.utc)
                for _ in range(n):
                    raw += 1
                    batch.append(dict(token=f"t{raw}", link_id=links[(p, o, s)], partner_id=p + 1,
                                      offer_id=o + 1, created_at=start + timedelta(
                                          seconds=others.randint(0, 86_399)),
                                      sub1=SUBS[s][0] or None, is_bot=False, is_unique=True))
                    if len(batch) >= CHUNK * 5:
                        db.session.execute(insert(table), batch)
                        batch.clear()
                        if raw % 1_000_000 < CHUNK * 5:
                            say(f"    {raw:,} raw click rows…")
                            db.session.commit()
            if batch:
                db.session.execute(insert(table), batch)
            db.session.commit()
        month = today
        for _ in range(12):
            milestones.compute_standings(month, now=now)
            month = month.replace(day=1) - timedelta(days=1)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"clicks": sum(r["clicks"] for r in stats), "rollup_rows": len(stats),
            "conversions": len(conversions), "raw_clicks": raw,
            "seconds": time.perf_counter() - started, "size_mb": path.stat().st_size / 2**20}


def describe(path: Path) -> dict:
    """What a kept database holds."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"clicks": one("SELECT coalesce(sum(clicks), 0) FROM daily_stats"),
                "rollup_rows": one("SELECT count(*) FROM daily_stats"),
                "conversions": one("SELECT count(*) FROM conversions"),
                "raw_clicks": one("SELECT count(*) FROM clicks"), "seconds": 0,
                "size_mb": path.stat().st_size / 2**20}


def signed_in_client(path: Path, who: str = "busiest"):
    from partner_portal import create_app

    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                     WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post("/login", data={"email": f"p{WHO[who]}@bench.example",
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return app, client


def measure(clients: dict, pages: list[tuple[str, str, str]], rounds: int) -> dict:
    """``clients`` by (database, who); ``pages`` as (label, who, path). The busiest
    partner's pages are measured in the big database only (the small one has no traffic
    but yours)."""
    def databases(who):
        return ("big",) if who == "busiest" else ("small", "big")

    timings = {}
    for label, who, path in pages:
        for db_name in databases(who):
            timings[(db_name, label)] = []
            for _ in range(3):  # warm caches and compiled templates
                assert clients[(db_name, who)][1].get(path).status_code == 200, (db_name, path)
    for r in range(rounds):
        for label, who, path in pages:
            order = databases(who) if r % 2 == 0 else tuple(reversed(databases(who)))
            for db_name in order:
                client = clients[(db_name, who)][1]
                started = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (db_name, path, response.status_code)
                timings[(db_name, label)].append(elapsed)
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true",
                        help="CI-sized: 1M clicks' rollups against 10k, no raw click rows")
    parser.add_argument("--no-raw-clicks", action="store_true",
                        help="full size, without loading the raw click rows")
    parser.add_argument("--rounds", type=int, help="requests per page and database")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", metavar="DIR", help="measure again on databases kept by --keep")
    args = parser.parse_args()
    big_clicks = 1_000_000 if args.small else 10_000_000
    raw = not (args.small or args.no_raw_clicks)
    rounds = args.rounds or (30 if args.small else 100)

    tmp = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="pp-bench-dash-"))
    os.environ["INSTANCE_DIR"] = str(tmp)
    os.environ.setdefault("APP_ENV", "development")
    say = print
    if args.reuse:
        small, big = describe(tmp / "small.db"), describe(tmp / "big.db")
    else:
        say(f"Building databases in {tmp} (big: {big_clicks:,} clicks, raw click rows "
            f"{'loaded' if raw else 'SKIPPED: rollups only'})")
        small = build(tmp / "small.db", 0, raw, 1, say)
        big = build(tmp / "big.db", big_clicks, raw, 2, say)
    for name, info in (("small", small), ("big", big)):
        say(f"  {name}: {info['clicks']:,} clicks ({info['raw_clicks']:,} raw rows), "
            f"{info['rollup_rows']:,} rollup rows, {info['conversions']:,} conversions, "
            f"{info['size_mb']:,.0f} MB, built in {info['seconds']:.0f} s")

    clients = {(db_name, who): signed_in_client(tmp / f"{db_name}.db", who)
               for db_name in ("small", "big") for who in WHO}
    today = datetime.now(ZONE).date()
    year = f"range=custom&from={today - timedelta(days=364)}&to={today}"
    pages = [
        ("dashboard, last 30 days", "you", "/partner/?range=30d"),
        ("dashboard, this month", "you", "/partner/?range=this_month"),
        ("dashboard, a whole year", "you", f"/partner/?{year}"),
        ("CSV by day for a year", "you", f"/partner/reports/day.csv?{year}"),
        ("links (30-day figures)", "you", "/partner/links"),
        ("earnings list", "you", "/partner/earnings"),
        ("milestones", "you", "/partner/milestones"),
        ("dashboard 30 days, busiest", "busiest", "/partner/?range=30d"),
        ("dashboard a year, busiest", "busiest", f"/partner/?{year}"),
        ("earnings list, busiest", "busiest", "/partner/earnings"),
    ]
    load_before = os.getloadavg()[0]
    timings = measure(clients, pages, rounds)
    load_after = os.getloadavg()[0]
    say("")
    say(f"{rounds} requests per page and database, alternating; times in ms "
        f"(load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores)")
    say(f"{'page':30} {'10k median':>10} {'p95':>7} {'big median':>11} {'p95':>7} {'ratio':>6}")
    for label, who, _ in pages:
        b = timings[("big", label)]
        if who == "busiest":
            say(f"{label:30} {'—':>10} {'—':>7} {statistics.median(b):11.1f} {p95(b):7.1f} {'—':>6}")
            continue
        s = timings[("small", label)]
        say(f"{label:30} {statistics.median(s):10.1f} {p95(s):7.1f} {statistics.median(b):11.1f} "
            f"{p95(b):7.1f} {statistics.median(b) / statistics.median(s):6.2f}")
    s, b = timings[("small", pages[0][0])], timings[("big", pages[0][0])]
    busiest = timings[("big", "dashboard 30 days, busiest")]
    say("")
    say(f"dashboard (last 30 days): ratio {statistics.median(b) / statistics.median(s):.2f} "
        f"(target <= 1.2); p95 {p95(b):.1f} ms with {big['clicks']:,} clicks, "
        f"{p95(busiest):.1f} ms for the busiest partner (target < 100 ms on SQLite)")
    if not (args.keep or args.reuse):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        say(f"databases kept in {tmp}")


if __name__ == "__main__":
    main()
