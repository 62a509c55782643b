"""Click path throughput: /r/<code> under gunicorn against a bare Flask 302, side by side.

    .venv/bin/python bench/clicks.py            # full: 3 rounds of 15 s each
    .venv/bin/python bench/clicks.py --small    # CI-sized: 1 round of 3 s

Both apps run under the same gunicorn settings (sync workers, -w 2) and are loaded with
`wrk -t1 -c32 --latency`; rounds alternate bare/portal so drift hits both. The portal runs
as in production: each click appended to the spool before the redirect, and a separate
drainer process (`flask clicks ingest --follow`) loading the spool into the database every
second on the same two cores. After the runs every click wrk was answered for must be in
the database.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_wrk(output: str) -> dict:
    def latency_ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency_ms("50"), "p99": latency_ms("99"), "requests": requests,
        "bad": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "none",
    }


def start_drainer(env: dict) -> subprocess.Popen:
    """The production drainer: its own process, loading the spool every second."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "clicks", "ingest",
                             "--follow"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            start_new_session=True)


def start(app_spec: str, env: dict, port: int, workers: int = 2) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except urllib.error.HTTPError:
            return proc  # the bare app has no /healthz: a 404 means it is up
        except OSError:
            time.sleep(0.2)
            continue
        return proc
    raise RuntimeError(f"{app_spec} did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def prepare_portal(tmp: Path) -> tuple[dict, str]:
    env = {**os.environ, "APP_ENV": "development", "INSTANCE_DIR": str(tmp),
           "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp / 'bench.db'}"),
           "CLICK_SPOOL_DIR": str(tmp / "clicks"), "CLICK_DRAIN_INTERVAL": "0",
           "PYTHONPATH": str(ROOT)}
    script = (
        "from flask_migrate import upgrade\n"
        "from partner_portal import create_app\n"
        "from partner_portal.extensions import db\n"
        "from partner_portal.models import Offer, Partner, TrackingLink\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "    o = Offer(name='Bench', destination_url='https://shop.example.com/landing?src=aff')\n"
        "    p = Partner(ref='bench', name='Bench', email='bench@example.test', status='approved')\n"
        "    db.session.add_all([o, p]); db.session.flush()\n"
        "    db.session.add(TrackingLink(code='bench1', partner_id=p.id, offer_id=o.id))\n"
        "    db.session.commit()\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return env, "bench1"


def count_clicks(env: dict) -> int:
    script = (
        "from partner_portal import create_app\n"
        "from partner_portal.extensions import db\n"
        "from partner_portal.jobs.clicks import drain\n"
        "from partner_portal.models import Click\n"
        "from sqlalchemy import func, select\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    drain(wait_for_settle=True)\n"
        "    print(db.session.scalar(select(func.count()).select_from(Click)))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="one 3-second round (CI)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=int)
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.small else 3)
    seconds = args.seconds or (3 if args.small else 15)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian package 'wrk')")

    tmp = Path(tempfile.mkdtemp(prefix="pp-bench-clicks-"))
    env, code = prepare_portal(tmp)
    bare_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = {"bare": [], "portal": []}
    served_by_portal = 0
    for r in range(rounds):
        for name in ("bare", "portal"):
            port = free_port()
            proc = start("bench.bare_app:app" if name == "bare" else "partner_portal:create_app()",
                         bare_env if name == "bare" else env, port)
            drainer = start_drainer(env) if name == "portal" else None
            try:
                res = wrk(f"http://127.0.0.1:{port}/r/{code}", seconds)
            finally:
                stop(proc)
                if drainer is not None:
                    stop(drainer)
            results[name].append(res)
            if name == "portal":
                served_by_portal += res["requests"] - res["bad"]
            print(f"round {r + 1} {name:6} {res['rps']:8.0f} req/s  p50 {res['p50']:.2f} ms  "
                  f"p99 {res['p99']:.2f} ms  non-3xx {res['bad']}  socket errors {res['socket_errors']}")
    recorded = count_clicks(env)
    med = {k: {m: statistics.median(x[m] for x in v) for m in ("rps", "p50", "p99")}
           for k, v in results.items()}
    ratio = med["portal"]["rps"] / med["bare"]["rps"]
    print()
    print(f"bare Flask 302 : {med['bare']['rps']:.0f} req/s, p50 {med['bare']['p50']:.2f} ms, "
          f"p99 {med['bare']['p99']:.2f} ms (median of {rounds})")
    print(f"portal /r/code : {med['portal']['rps']:.0f} req/s, p50 {med['portal']['p50']:.2f} ms, "
          f"p99 {med['portal']['p99']:.2f} ms (median of {rounds})")
    print(f"throughput ratio portal/bare: {ratio:.2f} (target >= 0.80)")
    print(f"clicks answered by the portal: {served_by_portal}; clicks in the database: {recorded}")
    shutil.rmtree(tmp, ignore_errors=True)
    if recorded < served_by_portal:
        sys.exit("clicks were lost")


if __name__ == "__main__":
    main()
