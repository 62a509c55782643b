"""``flask`` commands. Each command commits once, at the end of its work."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .models.accounts import STAFF_ROLES
from .models.base import utcnow
from .services.locking import begin_write, begin_write_after_reads

users_cli = AppGroup("users", help="Staff accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
clicks_cli = AppGroup("clicks", help="Click spool.")
api_keys_cli = AppGroup("api-keys", help="API keys for the conversion and management API.")
scheduler_cli = AppGroup("scheduler", help="The scheduled-jobs process.")
payouts_cli = AppGroup("payouts", help="Payout batches.")
rollups_cli = AppGroup("rollups", help="Daily reporting rollups.")
commissions_cli = AppGroup("commissions", help="Commissions.")
caps_cli = AppGroup("caps", help="Offer caps.")
statements_cli = AppGroup("statements", help="Monthly partner statements.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice(STAFF_ROLES), default="owner", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff user (an owner unless --role says otherwise)."""
    from .services import accounts, audit
    from .services.errors import DomainError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    begin_write_after_reads()  # the duplicate check and the insert in one write transaction
    try:
        user = accounts.create_staff(email, role=role, name=name, password=password,
                                     actor=audit.Actor.system("cli"), now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@demo_cli.command("seed")
@click.option("--days", default=90, show_default=True, help="Days of click history.")
@click.option("--quiet", is_flag=True)
def demo_seed(days: int, quiet: bool) -> None:
    """Fill the database with a believable demo program (safe to run again)."""
    from .services import demo

    try:
        demo.refuse_production()  # before anything is read or written
    except demo.DemoRefused as exc:
        raise click.ClickException(exc.message) from None
    begin_write()
    result = demo.seed(days=days, now=utcnow(), progress=None if quiet else click.echo)
    db.session.commit()
    click.echo(result.summary())


@clicks_cli.command("ingest")
@click.option("--follow", is_flag=True, help="Keep draining every second until stopped.")
def clicks_ingest(follow: bool) -> None:
    """Load spooled clicks into the database now (the web workers also do it every second,
    unless CLICK_DRAIN_INTERVAL=0, in which case run this with --follow as a service)."""
    import time

    from .jobs.clicks import drain

    while True:
        result = drain(wait_for_settle=not follow)
        if result.busy and not follow:
            raise click.ClickException("Another process is draining the spool; try again shortly.")
        if result.segments or not follow:
            click.echo(f"Loaded {result.stored} new clicks from {result.segments} spool segments "
                       f"({result.read} read, {result.unreadable} unreadable lines kept aside).")
        if not follow:
            return
        time.sleep(1.0)


@rollups_cli.command("rebuild")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Rebuild from this day (program time zone) on; default: everything.")
def rollups_rebuild(since) -> None:
    """Recompute the daily rollups from the raw clicks, conversions and commissions."""
    from .services import rollups

    begin_write()
    rows = rollups.rebuild(since=since.date() if since else None)
    db.session.commit()
    click.echo(f"Rebuilt {rows} daily rollup rows.")


@api_keys_cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE",
              help="Allow only this (repeatable), e.g. conversions:write. Default: everything.")
def api_keys_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print it (it is shown this once)."""
    from .services import api_keys, audit
    from .services.errors import DomainError

    begin_write_after_reads()
    try:
        key, plain = api_keys.create(name, actor=audit.Actor.system("cli"), now=utcnow(),
                                     scopes=list(scopes))
    except DomainError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
    db.session.commit()
    click.echo(plain)
    click.echo(f"Created API key #{key.id} \"{key.name}\". Store it now: it cannot be shown again.",
               err=True)


@api_keys_cli.command("list")
def api_keys_list() -> None:
    """List API keys (prefix, name, last use, state)."""
    from .services import api_keys

    for key in api_keys.list_keys():
        state = "revoked" if key.revoked_at else "active"
        used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
        click.echo(f"#{key.id}\t{key.prefix}…\t{key.name}\t{key.scopes}\tlast used {used}\t{state}")


@api_keys_cli.command("revoke")
@click.argument("key_id", type=int)
def api_keys_revoke(key_id: int) -> None:
    """Revoke an API key at once."""
    from .services import api_keys, audit
    from .services.errors import DomainError

    begin_write_after_reads()  # read the key and revoke it in one write transaction
    try:
        key = api_keys.revoke(key_id, actor=audit.Actor.system("cli"), now=utcnow())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Revoked API key #{key.id} \"{key.name}\".")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler in this process until stopped (run it as its own service)."""
    from flask import current_app

    from .jobs import runner, scheduler
    from .services.program import program_zone

    zone = program_zone()
    db.session.remove()
    app = current_app._get_current_object()
    abandoned = runner.end_abandoned_runs(app)
    if abandoned:
        click.echo(f"{abandoned} run{'s' if abandoned != 1 else ''} left running by a stopped "
                   "process marked failed (abandoned).")
    sched = scheduler.build(app, zone)
    click.echo(f"Scheduler started ({len(sched.get_jobs())} jobs, time zone {zone.key}).")
    for job in sched.get_jobs():
        click.echo(f"  {job.id:<22} {job.trigger}")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")


@scheduler_cli.command("jobs")
def scheduler_jobs() -> None:
    """List the jobs and when each runs next (program time zone)."""
    from .jobs import scheduler
    from .jobs.registry import JOBS
    from .services.program import program_zone

    zone = program_zone()
    upcoming = scheduler.next_run_times(zone, utcnow())
    for job in JOBS:
        when = upcoming[job.id]
        click.echo(f"{job.id:<22} next {when.astimezone(zone).isoformat(timespec='minutes') if when else '-'}"
                   f"  {job.description}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
def scheduler_run_job(job_id: str) -> None:
    """Run one job now (skipped if a scheduler is running it at this moment)."""
    from flask import current_app

    from .jobs import registry, runner

    try:
        job = registry.get(job_id)
    except KeyError:
        raise click.ClickException(f"Unknown job {job_id!r}; see `flask scheduler jobs`.") from None
    db.session.remove()
    record = runner.run(current_app._get_current_object(), job)
    if record is None:
        raise click.ClickException(f"{job_id} is running elsewhere right now.")
    click.echo(f"{job_id}: {record.status} in {record.duration_seconds:.1f}s — "
               f"{record.result or record.error}")
    if record.status == "failed":
        raise SystemExit(1)


@payouts_cli.command("create-batch")
@click.option("--cutoff", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Pay commissions approved up to the end of this day (program time zone).")
@click.option("--currency", default=None, help="Currency of the batch (default: the program's).")
def payouts_create_batch(cutoff, currency: str | None) -> None:
    """Draft the payout batch for a cut-off date (once: running it again shows that batch)."""
    from .jobs.payouts import create_batch_once
    from .services import audit
    from .services.errors import DomainError

    try:
        batch, created = create_batch_once(cutoff.date(), actor=audit.Actor.system("cli"),
                                           now=utcnow(), currency=currency)
    except DomainError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
    from .services.money import format_money

    total = sum((p.amount for p in batch.payouts if not p.excluded), 0)
    verb = "Drafted" if created else "Already exists:"
    click.echo(f"{verb} payout batch #{batch.id} for {batch.cutoff.isoformat()} ({batch.currency}, "
               f"{batch.status}): {len(batch.payouts)} payouts, "
               f"{format_money(total, batch.currency)}; {len(batch.left_out)} partners left out.")
    for row in batch.left_out:
        click.echo(f"  left out: {row['name']} (#{row['partner_id']}): {row['reason']}")


@commissions_cli.command("approve-due")
def commissions_approve_due() -> None:
    """Approve pending commissions whose hold period is over (safe to run again)."""
    from .services import commissions

    begin_write()
    done = commissions.approve_due(utcnow())
    db.session.commit()
    click.echo(f"Approved {done} commission{'s' if done != 1 else ''}.")


@caps_cli.command("alerts")
def caps_alerts() -> None:
    """Email managers about caps at 80 % or 100 % not yet alerted (safe to run again)."""
    from .services import cap_alerts

    begin_write()
    sent = cap_alerts.scan(utcnow())
    db.session.commit()
    click.echo(f"Sent {sent} cap alert{'s' if sent != 1 else ''}.")


@statements_cli.command("generate")
@click.option("--month", required=True, metavar="YYYY-MM",
              help="Any month up to the current one (which is made month-to-date).")
@click.option("--email", is_flag=True,
              help="Email each partner their statement (once: never twice, even across runs).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Rendering processes (default: STATEMENT_WORKERS, or one per core).")
def statements_generate(month: str, email: bool, workers: int | None) -> None:
    """Make the month's statement for every partner who has none yet, then (with --email)
    send them. Safe to stop and run again: it carries on where it stopped."""
    from flask import current_app

    from .jobs import statements as runs
    from .jobs.runner import job_lock
    from .services import audit
    from .services.errors import DomainError
    from .services.program import program_zone
    from .services.statements.months import parse_month

    app = current_app._get_current_object()
    now = utcnow()
    try:
        parsed = parse_month(month, now=now, zone=program_zone())
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--month") from None
    db.session.commit()
    actor = audit.Actor.system("cli")
    with job_lock(app, runs.GENERATE_LOCK) as acquired:
        if not acquired:
            raise click.ClickException("Statements are being generated by another process "
                                       "right now; run this again when it has finished.")
        bar = None

        def plan(total: int) -> None:
            nonlocal bar
            bar = click.progressbar(length=total, label=f"Statements {parsed}",
                                    show_pos=True, show_eta=True, file=sys.stderr)
            bar.__enter__()

        try:
            summary = runs.generate(app, parsed, now=now, workers=workers,
                                    generated_by=actor.label, on_plan=plan,
                                    progress=lambda n: bar.update(n))
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        if email:
            summary.emails.update(runs.queue_emails(parsed, now=now))
            with job_lock(app, runs.EMAIL_LOCK) as sending:
                if not sending:
                    raise click.ClickException("Statement emails are being sent by another "
                                               "process right now; run this again shortly.")
                from .services.statements import outbox

                todo = outbox.count_pending(parsed)
                db.session.commit()
                with click.progressbar(length=todo, label=f"Emails {parsed}", show_pos=True,
                                       file=sys.stderr) as mails:
                    summary.emails.update(runs.deliver_emails(app, month=parsed,
                                                              progress=mails.update))
        runs.record_run(summary, actor=actor, email=email)
    click.echo(summary.line())
    for partner_id, error in summary.failed[:20]:
        click.echo(f"  partner #{partner_id}: {error}", err=True)
    if summary.failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(clicks_cli)
    app.cli.add_command(rollups_cli)
    app.cli.add_command(api_keys_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(payouts_cli)
    app.cli.add_command(commissions_cli)
    app.cli.add_command(caps_cli)
    app.cli.add_command(statements_cli)
