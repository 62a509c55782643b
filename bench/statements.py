"""Monthly statements: statements per second through the portal (ledger read, render,
store, one commit each) against WeasyPrint rendering the same HTML alone, with the same
number of worker processes; and peak memory, to show it stays flat as partners grow.

    .venv/bin/python bench/statements.py              # full: 10,000 partners
    .venv/bin/python bench/statements.py --small      # CI-sized: 200 partners
    .venv/bin/python bench/statements.py --partners 2000 --email

Each phase runs in its own process so peak memory (ru_maxrss) belongs to that phase:
seed (not timed) → portal run (the same code as `flask statements generate`) → baseline
(the HTML of every statement is written to disk first, untimed; then the same pool size
renders it with WeasyPrint, as its documentation shows it, through the same static-only
fetcher). The portal reuses one font configuration per rendering process, which
WeasyPrint's default does not; --shared-fonts-baseline times WeasyPrint alone doing the
same, for the like-for-like figure. With --email the portal
run also sends every statement to a local SMTP server (aiosmtpd) and times that.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MONTH = "2025-03"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
STATUSES = ("approved", "approved", "paid", "pending", "hold", "rejected")


def _app(url: str):
    from partner_portal import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url)


def seed(url: str, partners: int) -> None:
    from sqlalchemy import insert

    from partner_portal.extensions import db
    from partner_portal.models import Commission, Conversion, Offer, Partner
    from partner_portal.services.program import get_program

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        program = get_program()
        program.name, program.timezone = "Northwind Outfitters", "America/New_York"
        program.address = "100 Summit Street\nDenver, CO 80202\nUSA"
        offers = [Offer(name=n, destination_url="https://shop.example.com/", currency="USD")
                  for n in ("Summer Sale", "Winter Boots", "Gift Cards")]
        db.session.add_all(offers)
        db.session.commit()
        approved = datetime(2025, 1, 2, tzinfo=timezone.utc)
        for start in range(0, partners, 1000):
            ids = range(start + 1, min(partners, start + 1000) + 1)
            db.session.execute(insert(Partner), [dict(
                id=i, ref=f"b{i:06d}", name=f"Partner {i}", email=f"p{i}@example.test",
                status="approved", promotion_methods="content", approved_at=approved,
                created_at=approved, status_changed_at=approved, statement_emails=True)
                for i in ids])
            conversions, commissions = [], []
            for i in ids:
                for k in range(6):
                    cid = (i - 1) * 6 + k + 1
                    at = datetime(2025, 3, 2 + 4 * k, 15, tzinfo=timezone.utc)
                    amount = Decimal(100 + (i * 7 + k * 13) % 400)
                    conversions.append(dict(id=cid, offer_id=offers[k % 3].id,
                                            order_id=f"ORD-{i}-{k}", partner_id=i,
                                            amount=amount, refunded_amount=0, currency="USD",
                                            event="sale", status="attributed", occurred_at=at,
                                            created_at=at))
                    status = STATUSES[k]
                    commissions.append(dict(
                        partner_id=i, offer_id=offers[k % 3].id, conversion_id=cid,
                        kind="conversion", amount=amount / 10, currency="USD", status=status,
                        explanation=f"10% of ${amount:.2f} (offer default)", created_at=at,
                        approved_at=at if status in ("approved", "paid") else None))
            db.session.execute(insert(Conversion), conversions)
            db.session.execute(insert(Commission), commissions)
            db.session.commit()


def _peak() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"parent_peak_mb": round(own, 1), "worker_peak_mb": round(children, 1)}


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) used so far by this process and by its ended children
    (the pool's workers, once joined)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def portal(url: str, workers: int, email: bool) -> dict:
    from partner_portal.extensions import db
    from partner_portal.jobs import statements as runs
    from partner_portal.services.statements.months import Month

    app = _app(url)
    result = {}
    with app.app_context():
        db.session.remove()
        cpu_parent, cpu_workers = _cpu()
        started = time.perf_counter()
        summary = runs.generate(app, Month(2025, 3), now=NOW, workers=workers)
        result["seconds"] = time.perf_counter() - started
        parent_now, workers_now = _cpu()
        result["cpu_parent"] = parent_now - cpu_parent
        result["cpu_workers"] = workers_now - cpu_workers
        result["generated"] = summary.generated
        result["failed"] = len(summary.failed)
        if email:
            from aiosmtpd.controller import Controller

            class Sink:
                count = 0

                async def handle_DATA(self, server, session, envelope):
                    Sink.count += 1
                    return "250 OK"

            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            controller = Controller(Sink(), hostname="127.0.0.1", port=port)
            controller.start()
            app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
            started = time.perf_counter()
            runs.queue_emails(Month(2025, 3), now=NOW)
            counts = runs.deliver_emails(app, month=Month(2025, 3))
            result["email_seconds"] = time.perf_counter() - started
            result["emails_sent"] = counts.get("sent", 0)
            result["smtp_received"] = Sink.count
            controller.stop()
    result.update(_peak())
    return result


def write_html(url: str, directory: str) -> int:
    from zoneinfo import ZoneInfo

    from partner_portal.extensions import db
    from partner_portal.models import Partner
    from partner_portal.services.statements import data, render
    from partner_portal.services.statements.months import Month

    app = _app(url)
    n = 0
    with app.app_context():
        for pid in db.session.scalars(db.select(Partner.id).order_by(Partner.id)):
            d = data.build(pid, Month(2025, 3), now=NOW, zone=ZoneInfo("America/New_York"),
                           currency="USD")
            Path(directory, f"{pid}.html").write_text(render.statement_html(d))
            n += 1
            db.session.rollback()
    return n


def _render_file(task: tuple[str, bool]) -> int:
    """WeasyPrint as its documentation shows it (``HTML(...).write_pdf()``), through the
    same static-only fetcher, with the same fixed identifier and the same tagged PDF/UA
    variant as the portal; with ``shared_fonts``, reusing one font configuration per
    process as the portal does."""
    from weasyprint import HTML

    from partner_portal.pdf import PDF_VARIANT, SCHEME, StaticOnlyFetcher, font_configuration, pdf_identifier

    path, shared_fonts = task
    html = HTML(string=Path(path).read_text(), base_url=SCHEME,
                url_fetcher=StaticOnlyFetcher(ROOT / "static"))
    options = {"font_config": font_configuration()} if shared_fonts else {}
    return len(html.write_pdf(pdf_identifier=pdf_identifier(path), pdf_variant=PDF_VARIANT,
                              **options))


def baseline(directory: str, workers: int, shared_fonts: bool = False) -> dict:
    files = sorted(str(p) for p in Path(directory).glob("*.html"))
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for _ in pool.imap_unordered(_render_file, [(f, shared_fonts) for f in files], chunksize=4):
            pass
    cpu_parent, cpu_workers = _cpu()
    result = {"seconds": time.perf_counter() - started, "rendered": len(files),
              "cpu_parent": cpu_parent, "cpu_workers": cpu_workers}
    result.update(_peak())
    return result


def _phase(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", *map(str, args)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--small", action="store_true", help="200 partners (CI-sized)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--email", action="store_true", help="also email every statement")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--shared-fonts-baseline", action="store_true",
                        help="also time WeasyPrint alone reusing one font configuration per "
                             "process, as the portal does (a third phase)")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "seed":
            seed(rest[0], int(rest[1]))
            print("{}")
        elif name == "portal":
            print(json.dumps(portal(rest[0], int(rest[1]), rest[2] == "1")))
        elif name == "html":
            print(json.dumps({"written": write_html(rest[0], rest[1])}))
        elif name == "baseline":
            print(json.dumps(baseline(rest[0], int(rest[1]), rest[2] == "1")))
        return

    n = 200 if args.small else args.partners
    tmp = Path(tempfile.mkdtemp(prefix="pp-bench-statements-"))
    os.environ.setdefault("INSTANCE_DIR", str(tmp))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    print(f"Statements for {n} partners, {args.workers} worker processes, database {url.split('://')[0]}")
    t = time.perf_counter()
    _phase("seed", url, n)
    print(f"  seeded in {time.perf_counter() - t:.1f}s")
    ours = _phase("portal", url, args.workers, "1" if args.email else "0")
    html_dir = tmp / "html"
    html_dir.mkdir()
    _phase("html", url, html_dir)
    alone = _phase("baseline", html_dir, args.workers, "0")
    alike = _phase("baseline", html_dir, args.workers, "1") if args.shared_fonts_baseline else None
    ours_rate = ours["generated"] / ours["seconds"]
    alone_rate = alone["rendered"] / alone["seconds"]
    print(f"  portal:     {ours['generated']} statements in {ours['seconds']:.1f}s = {ours_rate:.1f}/s "
          f"({ours_rate / args.workers:.1f}/s per core); peak RSS parent {ours['parent_peak_mb']} MB, "
          f"largest worker {ours['worker_peak_mb']} MB")
    print(f"  WeasyPrint: {alone['rendered']} PDFs in {alone['seconds']:.1f}s = {alone_rate:.1f}/s "
          f"({alone_rate / args.workers:.1f}/s per core); largest worker {alone['worker_peak_mb']} MB")
    print(f"  ratio portal / WeasyPrint alone: {ours_rate / alone_rate:.2f}")
    ours_total = ours["cpu_parent"] + ours["cpu_workers"]
    alone_total = alone["cpu_parent"] + alone["cpu_workers"]
    ours_cpu, alone_cpu = ours_total / ours["generated"] * 1000, alone_total / alone["rendered"] * 1000
    print(f"  CPU per statement: portal {ours_cpu:.0f} ms (parent {ours['cpu_parent'] / ours['generated'] * 1000:.0f}, "
          f"workers {ours['cpu_workers'] / ours['generated'] * 1000:.0f}), WeasyPrint alone {alone_cpu:.0f} ms; "
          f"per-core ratio {alone_cpu / ours_cpu:.2f}; cores busy: portal {ours_total / ours['seconds']:.2f}, "
          f"WeasyPrint alone {alone_total / alone['seconds']:.2f}")
    if alike:
        alike_rate = alike["rendered"] / alike["seconds"]
        alike_cpu = (alike["cpu_parent"] + alike["cpu_workers"]) / alike["rendered"] * 1000
        print(f"  WeasyPrint alone, one font configuration per process (as the portal): "
              f"{alike_rate:.1f}/s, CPU {alike_cpu:.0f} ms per statement; ratio portal / it: "
              f"{ours_rate / alike_rate:.2f}, per core {alike_cpu / ours_cpu:.2f}")
    if args.email:
        print(f"  email: {ours['emails_sent']} sent ({ours['smtp_received']} received by the SMTP "
              f"server) in {ours['email_seconds']:.1f}s = "
              f"{ours['emails_sent'] / ours['email_seconds']:.1f}/s")
    if ours["failed"]:
        sys.exit(f"{ours['failed']} statements failed")


if __name__ == "__main__":
    main()
