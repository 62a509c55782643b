"""What one POST /api/v1/conversions costs inside the database transaction: the SQL
statements it runs, and the time from its first statement to its commit (on SQLite, the
time the write lock is held), measured in one process through the Flask test client with
the same offer, cap and partner as bench/conversions.py. On SQLite the time counted starts
at BEGIN IMMEDIATE (reads made before it, in their own transaction, hold no lock).

    .venv/bin/python bench/conversion_statements.py                  # SQLite, 500 conversions
    .venv/bin/python bench/conversion_statements.py --list           # print the statements
    .venv/bin/python bench/conversion_statements.py --database-url postgresql://postgres@127.0.0.1/pp_stmts
    .venv/bin/python bench/conversion_statements.py --code /work/main   # another checkout's code

With ``--code`` the app is imported from another checkout (e.g. the main branch), so
before and after can be measured side by side with the same script. Use an empty
PostgreSQL database for each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversions", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--code", default=str(ROOT), help="checkout whose app is measured")
    parser.add_argument("--list", action="store_true", help="print each statement")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="also profile the timed conversions (cProfile) and print the N "
                             "functions with the most cumulative time")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pp-bench-stmts-"))
    os.environ.update(APP_ENV="development", INSTANCE_DIR=str(tmp),
                      DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.db'}")
    sys.path.insert(0, str(Path(args.code).resolve()))

    import logging

    logging.disable(logging.INFO)
    from flask_migrate import upgrade
    from sqlalchemy import event

    from partner_portal import create_app
    from partner_portal.extensions import db
    from partner_portal.models import Offer, Partner
    from partner_portal.models.base import utcnow
    from partner_portal.models.caps import Cap
    from partner_portal.services import api_keys, audit

    app = create_app()
    with app.app_context():
        upgrade()
        offer = Offer(name="Bench", destination_url="https://shop.example.com/", currency="USD",
                      hold_days=30)
        partner = Partner(ref="bench", name="Bench", email="bench@example.test", status="approved")
        db.session.add_all([offer, partner])
        db.session.flush()
        db.session.add(Cap(offer_id=offer.id, metric="conversions", period="lifetime",
                           scope="offer", limit_value=Decimal(10**6), caps_conversions=True,
                           redirects_clicks=False))
        _key, plain = api_keys.create("bench", actor=audit.Actor.system("bench"), now=utcnow())
        db.session.commit()
        offer_id = offer.id
        engine = db.engine

    statements: list[str] = []
    held: list[float] = []
    began: list[float | None] = [None]

    sqlite = engine.dialect.name == "sqlite"
    first_write: list[int | None] = [None]  # index of the write transaction's first statement

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        # SQLite: the write lock is held from BEGIN IMMEDIATE (reads before it run in a
        # plain transaction of their own); elsewhere, from the transaction's first statement.
        if began[0] is None and (statement.startswith("BEGIN IMMEDIATE") or not sqlite):
            began[0] = time.perf_counter()
            first_write[0] = len(statements)
        statements.append(statement)

    def on_commit(conn):  # the real COMMIT (not a savepoint's release), as it is sent
        if began[0] is not None:
            held.append(time.perf_counter() - began[0])
            began[0] = None

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    event.listen(engine, "commit", on_commit)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}

    def post(order_id: str) -> int:
        response = client.post("/api/v1/conversions", headers=headers, json={
            "order_id": order_id, "amount": "120.00", "currency": "USD", "partner_ref": "bench",
            "offer_id": offer_id})
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.status_code

    for i in range(30):  # warm up: caches, compiled statements, the counters' rows
        post(f"W-{i}")
    statements.clear()
    post("ONE")
    one = list(statements)
    in_write = len(one) - (first_write[0] or 0)
    statements.clear()
    assert post("W-1") == 200
    replay = len(statements)
    held.clear()
    load = os.getloadavg()[0]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(args.conversions):
        post(f"R-{i}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(args.profile)
    n = args.conversions
    print(f"code: {args.code}; database: {engine.dialect.name}")
    print(f"statements per new conversion: {len(one)}, {in_write} of them in the write "
          f"transaction (a replay: {replay})")
    if args.list:
        for statement in one:
            print("   ", " ".join(statement.split())[:150])
    print(f"in the write transaction (from {'BEGIN IMMEDIATE' if sqlite else 'its first statement'} "
          f"to COMMIT): median {statistics.median(held) * 1000:.2f} ms, "
          f"p90 {statistics.quantiles(held, n=10)[-1] * 1000:.2f} ms")
    print(f"whole request in one process: {wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU "
          f"({n} conversions; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)")


if __name__ == "__main__":
    main()
