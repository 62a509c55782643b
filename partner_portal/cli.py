"""``flask`` commands. Each command commits once, at the end of its work."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .models.accounts import STAFF_ROLES
from .models.base import utcnow

users_cli = AppGroup("users", help="Staff accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
clicks_cli = AppGroup("clicks", help="Click spool.")
rollups_cli = AppGroup("rollups", help="Daily reporting rollups.")


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
    try:
        user = accounts.create_staff(email, role=role, name=name, password=password,
                                     actor=audit.Actor.system("cli"), now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@demo_cli.command("seed")
@click.option("--days", default=90, show_default=True, help="Days of click history.")
@click.option("--quiet", is_flag=True)
def demo_seed(days: int, quiet: bool) -> None:
    """Fill the database with a believable demo program (safe to run again)."""
    from .services import demo

    result = demo.seed(days=days, now=utcnow(), progress=None if quiet else click.echo)
    db.session.commit()
    click.echo(result.summary())


@clicks_cli.command("ingest")
def clicks_ingest() -> None:
    """Load spooled clicks into the database now (the web workers also do it every second)."""
    from .jobs.clicks import drain

    result = drain(wait_for_settle=True)
    if result.busy:
        raise click.ClickException("Another process is draining the spool; try again shortly.")
    click.echo(f"Loaded {result.stored} new clicks from {result.segments} spool segments "
               f"({result.read} read, {result.unreadable} unreadable lines kept aside).")


@rollups_cli.command("rebuild")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Rebuild from this day (program time zone) on; default: everything.")
def rollups_rebuild(since) -> None:
    """Recompute the daily rollups from the raw clicks, conversions and commissions."""
    from .services import rollups
    from .services.locking import begin_write

    begin_write()
    rows = rollups.rebuild(since=since.date() if since else None)
    db.session.commit()
    click.echo(f"Rebuilt {rows} daily rollup rows.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(clicks_cli)
    app.cli.add_command(rollups_cli)
