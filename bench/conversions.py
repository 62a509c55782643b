"""Conversions per second through POST /api/v1/conversions, with commission rules and a cap
on, under gunicorn (sync workers, -w 2 unless --workers says otherwise), loaded by wrk with a
unique order id per request.

    .venv/bin/python bench/conversions.py            # 15 s
    .venv/bin/python bench/conversions.py --workers 4
    .venv/bin/python bench/conversions.py --small    # 3 s (CI-sized)
    .venv/bin/python bench/conversions.py --database-url postgresql://postgres@127.0.0.1/pp_bench

Afterwards it checks exactness: every 201 is one stored conversion, and the offer's
conversion cap accepted exactly its limit (the rest are recorded as capped). Use an empty
PostgreSQL database for each run (dropdb/createdb). The load average is printed before
and after: on a shared machine, compare only runs made side by side.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.clicks import free_port, parse_wrk, start, stop  # noqa: E402

LUA = r"""
counter = 0
math.randomseed(os.time())
local run = tostring(math.random(1, 1000000000))
request = function()
  counter = counter + 1
  local body = string.format('{"order_id": "B-%s-%d-%d", "amount": "120.00", "currency": "USD", '
    .. '"partner_ref": "bench", "offer_id": OFFER}', run, math.random(1, 1000000000), counter)
  return wrk.format("POST", "/api/v1/conversions",
    {["Authorization"] = "Bearer KEY", ["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status ~= 201 then errors = (errors or 0) + 1 end
end
"""

SETUP = """
from decimal import Decimal
from flask_migrate import upgrade
from partner_portal import create_app
from partner_portal.extensions import db
from partner_portal.models import Offer, Partner, CommissionRule
from partner_portal.models.caps import Cap
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit
app = create_app()
with app.app_context():
    upgrade()
    o = Offer(name='Bench', destination_url='https://shop.example.com/', currency='USD', hold_days=30)
    p = Partner(ref='bench', name='Bench', email='bench@example.test', status='approved')
    db.session.add_all([o, p]); db.session.flush()
    db.session.add(Cap(offer_id=o.id, metric='conversions', period='lifetime', scope='offer',
                       limit_value=Decimal(CAP), caps_conversions=True, redirects_clicks=False))
    key, plain = api_keys.create('bench', actor=audit.Actor.system('bench'), now=utcnow())
    db.session.commit()
    print(o.id, plain)
"""

CHECK = """
from sqlalchemy import func, select
from partner_portal import create_app
from partner_portal.extensions import db
from partner_portal.models import Conversion, Commission
app = create_app()
with app.app_context():
    rows = dict(db.session.execute(select(Conversion.status, func.count()).group_by(Conversion.status)).all())
    commissions = db.session.scalar(select(func.count()).select_from(Commission))
    print(rows.get('attributed', 0), rows.get('capped', 0), sum(rows.values()), commissions)
"""


def cpu_by_process() -> dict[int, tuple[str, float, float]]:
    """Every process's command name and its user and system CPU seconds so far."""
    tick = os.sysconf("SC_CLK_TCK")
    seen = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        seen[int(stat.parent.name)] = (name, int(fields[11]) / tick, int(fields[12]) / tick)
    return seen


def cpu_spent(before: dict, after: dict) -> dict[str, tuple[float, float]]:
    """User and system CPU seconds spent between two readings, by command name (processes
    that started in between count from zero)."""
    spent: dict[str, list[float]] = {}
    for pid, (name, user, system) in after.items():
        name0, user0, system0 = before.get(pid, (name, 0.0, 0.0))
        if name0 != name:  # the pid was reused by another process
            user0 = system0 = 0.0
        total = spent.setdefault(name, [0.0, 0.0])
        total[0] += user - user0
        total[1] += system - system0
    return {name: (u, s) for name, (u, s) in spent.items() if u + s >= 0.05}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--cap", type=int, default=1000)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.small else 15)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian package 'wrk')")
    tmp = Path(tempfile.mkdtemp(prefix="pp-bench-conv-"))
    env = {**os.environ, "APP_ENV": "development", "INSTANCE_DIR": str(tmp), "PYTHONPATH": str(ROOT),
           "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.db'}"}
    offer_id, key = subprocess.run([sys.executable, "-c", SETUP.replace("CAP", str(args.cap))],
                                   cwd=ROOT, env=env, check=True, capture_output=True,
                                   text=True).stdout.strip().splitlines()[-1].split()
    script = tmp / "conversions.lua"
    script.write_text(LUA.replace("KEY", key).replace("OFFER", offer_id))
    load_before = os.getloadavg()[0]
    port = free_port()
    proc = start("partner_portal:create_app()", env, port, args.workers)
    cpu_before = cpu_by_process()
    try:
        out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", str(script),
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
        cpu_after = cpu_by_process()
    finally:
        stop(proc)
    load_after = os.getloadavg()[0]
    result = parse_wrk(out)
    attributed, capped, total, commissions = map(int, subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True).stdout.split())
    ok = result["requests"] - result["bad"]
    print(f"conversions through the API: {result['rps']:.0f}/s, p50 {result['p50']:.1f} ms, "
          f"p99 {result['p99']:.1f} ms over {seconds} s, {args.workers} workers (target >= 500/s); "
          f"load average {load_before:.2f} before, {load_after:.2f} after (2 cores)")
    print(f"answered 201: {ok}; stored: {total} (attributed {attributed}, capped {capped}); "
          f"commissions: {commissions}; cap limit {args.cap}")
    exact = attributed == min(args.cap, total) and commissions == attributed
    print("cap exact:", "yes" if exact else "NO")
    answered = max(result["requests"], 1)
    print("CPU per request by process (user + system ms), the whole machine during the run:")
    for name, (user, system) in sorted(cpu_spent(cpu_before, cpu_after).items(),
                                       key=lambda item: -sum(item[1])):
        print(f"  {name:<16} {user / answered * 1000:6.2f} + {system / answered * 1000:6.2f}")
    shutil.rmtree(tmp, ignore_errors=True)
    if not exact or total < ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
