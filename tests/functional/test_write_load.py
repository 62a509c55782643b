"""Ordinary load on a live server: the conversion API from 4 threads while people sign in,
revoke API keys, archive announcements, export payouts and apply, and the scheduler runs
its jobs. Nothing may answer 5xx, nothing may log "database is locked", and no job run
may stay "running". Real HTTP, real threads, the suite's database (a SQLite file or
PostgreSQL).
Run with ``-s`` to see the figures per kind of request; docs/architecture.md has them
for this code and the code before.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal

import requests
from sqlalchemy import func, select

from partner_portal.jobs import registry, runner
from partner_portal.models import ApiKey, JobRun
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit, payouts

from ..factories import AnnouncementFactory, CommissionFactory, OfferFactory, PartnerFactory
from ..support import DEFAULT_PASSWORD

SYSTEM = audit.Actor.system("load test")
CONVERSION_THREADS = 4
# LOAD_CONVERSIONS_PER_THREAD makes it longer, to measure (docs/architecture.md).
CONVERSIONS_PER_THREAD = int(os.environ.get("LOAD_CONVERSIONS_PER_THREAD", "60"))
KEYS_TO_REVOKE = 30


def build_program(db, make_user) -> dict:
    """An offer and partner to convert for, a manager, keys to revoke, announcements and an
    approved payout batch to export."""
    from partner_portal.jobs.payouts import create_batch_once

    offer = OfferFactory(default_commission_kind="percent", default_commission_value=Decimal("10"))
    partner = PartnerFactory(status="approved", payout_method="paypal",
                             payout_email="load@example.com")
    earned = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
    CommissionFactory(partner=partner, amount=Decimal("80.00"), currency=offer.currency,
                      created_at=earned, approved_at=earned)
    _key, plain = api_keys.create("Shop", actor=SYSTEM, now=utcnow())
    revocable = [api_keys.create(f"Old {i}", actor=SYSTEM, now=utcnow())[0]
                 for i in range(KEYS_TO_REVOKE)]
    announcements = [AnnouncementFactory() for _ in range(3)]
    db.session.commit()
    owner = make_user("owner")
    batch, _ = create_batch_once(date(2026, 1, 31), actor=SYSTEM,
                                 now=datetime(2026, 2, 2, tzinfo=timezone.utc))
    payouts.approve_batch(batch.id, actor=SYSTEM, now=datetime(2026, 2, 2, 1, tzinfo=timezone.utc))
    db.session.commit()
    return {"offer": offer.id, "partner_ref": partner.ref, "currency": offer.currency,
            "key": plain, "owner": owner.email, "revocable": [k.id for k in revocable],
            "announcements": [a.id for a in announcements], "batch": batch.id}


def signed_in(base: str, email: str) -> requests.Session:
    http = requests.Session()
    response = http.post(f"{base}/login", data={"email": email, "password": DEFAULT_PASSWORD},
                         allow_redirects=False, timeout=60)
    assert response.status_code == 302, response.status_code
    return http


def run_load(app, base: str, program: dict) -> dict:
    """Run the load; returns the status counts per kind of request and the job runs."""
    statuses: dict[str, Counter] = {}
    lock = threading.Lock()
    done = threading.Event()
    problems: list[BaseException] = []

    def note(kind: str, status: int | str) -> None:
        with lock:
            statuses.setdefault(kind, Counter())[status] += 1

    def guarded(work):
        def target(*args):
            try:
                work(*args)
            except BaseException as exc:  # reported by the test, never lost in a thread
                problems.append(exc)
        return target

    def convert(n: int) -> None:
        http = requests.Session()
        headers = {"Authorization": f"Bearer {program['key']}"}
        for i in range(CONVERSIONS_PER_THREAD):
            body = {"order_id": f"LOAD-{n}-{i}", "amount": "25.00",
                    "currency": program["currency"], "partner_ref": program["partner_ref"],
                    "offer_id": program["offer"]}
            note("conversion", http.post(f"{base}/api/v1/conversions", json=body,
                                         headers=headers, timeout=60).status_code)

    def sign_in() -> None:
        while not done.is_set():
            response = requests.post(f"{base}/login", data={
                "email": program["owner"], "password": DEFAULT_PASSWORD},
                allow_redirects=False, timeout=60)
            note("sign-in", response.status_code)

    def revoke() -> None:
        http = signed_in(base, program["owner"])
        for key_id in program["revocable"]:
            if done.is_set():
                break
            note("revoke", http.post(f"{base}/admin/api-keys/{key_id}/revoke",
                                     allow_redirects=False, timeout=60).status_code)

    def archive() -> None:
        http = signed_in(base, program["owner"])
        action = "archive"
        while not done.is_set():
            for announcement_id in program["announcements"]:
                note("archive", http.post(f"{base}/admin/announcements/{announcement_id}/{action}",
                                          allow_redirects=False, timeout=60).status_code)
            action = "restore" if action == "archive" else "archive"

    def export() -> None:
        http = signed_in(base, program["owner"])
        while not done.is_set():
            note("export", http.get(f"{base}/admin/payouts/batches/{program['batch']}/export/paypal",
                                    allow_redirects=False, timeout=60).status_code)

    def apply() -> None:
        n = 0
        while not done.is_set():
            n += 1
            note("apply", requests.post(f"{base}/apply", data={
                "name": f"Applicant {n}", "email": f"applicant-{n}-{time.monotonic_ns()}@analytical.example",
                "password": "engines-and-numbers", "confirm": "engines-and-numbers",
                "website": "https://analytical.example", "promotion_methods": ["content"],
                "country": "GB", "accept_terms": "y"},
                allow_redirects=False, timeout=60).status_code)

    def schedule() -> None:
        while not done.is_set():
            for job in registry.JOBS:
                try:
                    run = runner.run(app, job)
                except Exception as exc:  # counted: the test expects none
                    note("job", f"raised {type(exc).__name__}")
                else:
                    note("job", run.status if run is not None else "skipped")

    converters = [threading.Thread(target=guarded(convert), args=(n,))
                  for n in range(CONVERSION_THREADS)]
    others = [threading.Thread(target=guarded(work))
              for work in (sign_in, revoke, archive, export, apply, schedule)]
    started = time.monotonic()
    for thread in converters + others:
        thread.start()
    for thread in converters:
        thread.join(timeout=300)
    statuses["seconds"] = Counter({"load": round(time.monotonic() - started, 1)})
    done.set()
    for thread in others:
        thread.join(timeout=300)
    assert problems == [], problems[:3]
    return statuses


def server_errors(statuses: dict[str, Counter]) -> dict:
    return {kind: {s: n for s, n in counts.items() if isinstance(s, int) and s >= 500}
            for kind, counts in statuses.items() if kind != "seconds"
            if any(isinstance(s, int) and s >= 500 for s in counts)}


def report(statuses: dict[str, Counter], locked: int, running: int) -> str:
    """One line per kind of request (run with ``-s`` to see it)."""
    lines = [f"{CONVERSION_THREADS * CONVERSIONS_PER_THREAD} conversions in "
             f"{statuses['seconds']['load']} s"]
    for kind, counts in sorted(statuses.items()):
        if kind == "seconds":
            continue
        total = sum(counts.values())
        failed = sum(n for s, n in counts.items()
                     if (isinstance(s, int) and s >= 500) or str(s).startswith(("raised", "failed")))
        lines.append(f"{kind:<10} {total:>5} requests/runs, {failed:>4} failed "
                     f"({100 * failed / total:.1f}%)  {dict(counts)}")
    lines.append(f"'database is locked' in the log: {locked}; job runs left running: {running}")
    return "\n".join(lines)


def test_writes_under_ordinary_load_never_fail(app, db, make_user, live_server, caplog):
    program = build_program(db, make_user)
    with caplog.at_level("WARNING"):
        statuses = run_load(app, live_server.url, program)
    locked = [r.getMessage() for r in caplog.records
              if "database is locked" in r.getMessage() + (r.exc_text or "")]
    db.session.commit()  # see what the server committed
    running = db.session.scalar(select(func.count()).where(JobRun.status == "running"))
    print("\n" + report(statuses, len(locked), running))
    assert server_errors(statuses) == {}, statuses
    assert locked == []
    assert running == 0
    assert statuses["conversion"][201] == CONVERSION_THREADS * CONVERSIONS_PER_THREAD
    assert statuses["revoke"] == Counter({302: KEYS_TO_REVOKE})
    assert db.session.scalar(select(func.count()).select_from(ApiKey).where(
        ApiKey.id.in_(program["revocable"]), ApiKey.revoked_at.is_(None))) == 0
    assert set(statuses["sign-in"]) == {302} and set(statuses["export"]) == {200}
    assert set(statuses["archive"]) == {302} and set(statuses["apply"]) == {302}
    runs = Counter(db.session.scalars(select(JobRun.status)))
    assert set(runs) == {"succeeded"}, runs
    assert statuses["job"]["succeeded"] >= len(registry.JOBS)
