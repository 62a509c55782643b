"""The scheduler: jobs declared once, next run times in the program zone, one run at a time."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from partner_portal.jobs import registry, runner, scheduler
from partner_portal.jobs.registry import JobSpec
from partner_portal.models import JobRun

NY = ZoneInfo("America/New_York")


def test_every_job_has_a_unique_stable_id_and_an_importable_function():
    ids = [job.id for job in registry.JOBS]
    assert len(ids) == len(set(ids))
    for job in registry.JOBS:
        assert callable(job.load())


@pytest.mark.parametrize("after, trigger_args, expected_local", [
    # A monthly job at 06:00 on the 1st, asked on the last evening of a 31-day month...
    (datetime(2026, 1, 31, 23, 0, tzinfo=NY), {"day": 1, "hour": 6}, datetime(2026, 2, 1, 6, 0)),
    # ... of February in a non-leap year, and across the year end.
    (datetime(2027, 2, 28, 12, 0, tzinfo=NY), {"day": 1, "hour": 6}, datetime(2027, 3, 1, 6, 0)),
    (datetime(2026, 12, 31, 22, 0, tzinfo=NY), {"day": 1, "hour": 6}, datetime(2027, 1, 1, 6, 0)),
    # DST starts 2026-03-08 in New York (02:00 → 03:00): 06:00 local is still 06:00 local.
    (datetime(2026, 3, 7, 12, 0, tzinfo=NY), {"hour": 6}, datetime(2026, 3, 8, 6, 0)),
    # DST ends 2026-11-01 (02:00 → 01:00).
    (datetime(2026, 10, 31, 12, 0, tzinfo=NY), {"hour": 6}, datetime(2026, 11, 1, 6, 0)),
])
def test_next_run_time_in_the_program_zone(after, trigger_args, expected_local):
    job = JobSpec("t", "partner_portal.jobs.tasks:rollup_upkeep", "test", "cron", trigger_args)
    fire = scheduler.trigger_for(job, NY).get_next_fire_time(None, after)
    assert fire.astimezone(NY).replace(tzinfo=None) == expected_local
    # and the UTC instant moves with DST: 06:00 EST is 11:00 UTC, 06:00 EDT is 10:00 UTC
    assert fire.astimezone(timezone.utc).hour == (11 if fire.astimezone(NY).dst().total_seconds() == 0 else 10)


def test_a_run_is_recorded_with_its_result(app, db):
    record = runner.run(app, registry.get("rollup-upkeep"))
    assert record.status == "succeeded" and record.result.endswith(record.result.split()[-1])
    assert record.finished_at >= record.started_at
    assert db.session.scalar(select(JobRun.status)) == "succeeded"


def test_a_failing_job_is_recorded_with_its_error(app, db):
    job = JobSpec("boom", "tests.functional.test_scheduler:_explode", "fails", "interval", {"seconds": 1})
    record = runner.run(app, job)
    assert record.status == "failed" and "RuntimeError: kaboom" in record.error


def _explode(now):
    raise RuntimeError("kaboom")


_gate = threading.Event()
_calls = []


def _slow(now):
    _calls.append(now)
    _gate.wait(timeout=10)
    return "done"


def test_two_schedulers_at_once_run_a_job_once(app, db):
    job = JobSpec("slow", "tests.functional.test_scheduler:_slow", "slow", "interval", {"seconds": 1})
    _calls.clear()
    _gate.clear()
    results = []
    first = threading.Thread(target=lambda: results.append(runner.run(app, job)))
    first.start()
    while not _calls:
        threading.Event().wait(0.01)
    second = runner.run(app, job)  # another scheduler fires while the first still runs
    _gate.set()
    first.join()
    assert second is None
    assert len(_calls) == 1
    assert results[0].status == "succeeded"


def test_jobs_page_shows_last_run_and_next_run(client, login_as, app, db):
    runner.run(app, registry.get("rollup-upkeep"))
    login_as("analyst")
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "rollup-upkeep" in html and "Succeeded" in html and "drain-clicks" in html


def test_cli_lists_jobs_and_runs_one(app, db):
    runner_ = app.test_cli_runner()
    listing = runner_.invoke(args=["scheduler", "jobs"])
    assert listing.exit_code == 0 and "drain-clicks" in listing.output and "next" in listing.output
    ran = runner_.invoke(args=["scheduler", "run-job", "drain-clicks"])
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output


@pytest.mark.parametrize("job_id", ["approve-commissions", "cap-alerts", "rollup-upkeep",
                                    "drain-clicks", "webhook-deliveries", "statement-emails"])
def test_every_frequent_job_runs_clean_on_an_empty_program(app, db, job_id):
    record = runner.run(app, registry.get(job_id))
    assert record.status == "succeeded", record.error


def test_a_failed_run_ends_its_row_and_logs_one_line_scripts_dev_reports(app, db, caplog):
    """The run row ends (failed, error, finished_at) and the log has the line scripts/dev
    turns into a one-line warning (its pattern: ``job <id> failed``)."""
    import re
    from pathlib import Path

    job = JobSpec("boom", "tests.functional.test_scheduler:_explode", "fails", "interval", {"seconds": 1})
    with caplog.at_level("ERROR", logger="partner_portal.jobs.runner"):
        runner.run(app, job)
    row = db.session.scalars(select(JobRun).where(JobRun.job_id == "boom")).one()
    assert (row.status, row.finished_at is not None) == ("failed", True)
    assert "RuntimeError: kaboom" in row.error
    pattern = re.search(r"grep --line-buffered -oE '([^']+)'",
                        (Path(app.root_path).parent / "scripts" / "dev").read_text()).group(1)
    lines = [m for r in caplog.records if (m := re.search(pattern, r.getMessage()))]
    assert [m.group(0) for m in lines] == ["job boom failed: RuntimeError: kaboom"]


def test_rows_left_running_by_a_stopped_process_end_as_abandoned(app, db):
    """A run row still "running" while nobody holds the job's lock was left by a process
    that died: the next run of that job, and the scheduler's start, end it as failed."""
    from partner_portal.models.base import utcnow

    db.session.add_all([JobRun(job_id="rollup-upkeep", status="running", started_at=utcnow()),
                        JobRun(job_id="standings", status="running", started_at=utcnow())])
    db.session.commit()
    runner.run(app, registry.get("rollup-upkeep"))
    rows = {(r.job_id, r.status, r.error is not None and "Abandoned" in r.error)
            for r in db.session.scalars(select(JobRun))}
    assert rows == {("rollup-upkeep", "failed", True), ("rollup-upkeep", "succeeded", False),
                    ("standings", "running", False)}
    db.session.commit()  # the test's own read ends: it sees the runner's commits
    assert runner.end_abandoned_runs(app) == 1
    db.session.commit()
    assert db.session.scalar(select(JobRun.status).where(JobRun.job_id == "standings")) == "failed"
    assert db.session.scalar(select(func.count()).where(JobRun.status == "running")) == 0


def test_a_failed_last_run_is_shown_on_the_jobs_page_and_the_overview(client, login_as, app, db):
    """Badge and error on the Scheduled jobs page; a banner linking to it on the overview,
    gone once the job has run clean again."""
    import partner_portal.jobs.tasks as tasks

    login_as("analyst")
    assert 'id="failing-jobs"' not in client.get("/admin/").get_data(as_text=True)
    real = tasks.rollup_upkeep
    tasks.rollup_upkeep = _explode
    try:
        runner.run(app, registry.get("rollup-upkeep"))
    finally:
        tasks.rollup_upkeep = real
    home = client.get("/admin/").get_data(as_text=True)
    banner = home[home.index('id="failing-jobs"'):].split("</div>")[0]
    assert "rollup-upkeep" in banner and 'href="/admin/jobs"' in banner
    page = client.get("/admin/jobs").get_data(as_text=True)
    row = page[page.index('<tr id="job-rollup-upkeep"'):].split("</tr>")[0]
    assert '<span class="badge failed">Failed</span>' in row and "RuntimeError: kaboom" in row
    assert 'href="#job-rollup-upkeep"' in page
    runner.run(app, registry.get("rollup-upkeep"))
    assert 'id="failing-jobs"' not in client.get("/admin/").get_data(as_text=True)
