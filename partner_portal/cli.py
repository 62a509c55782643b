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
commissions_cli = AppGroup("commissions", help="Commissions.")
caps_cli = AppGroup("caps", help="Offer caps.")


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
    from .services.locking import begin_write

    begin_write()
    result = demo.seed(days=days, now=utcnow(), progress=None if quiet else click.echo)
    db.session.commit()
    click.echo(result.summary())


@commissions_cli.command("approve-due")
def commissions_approve_due() -> None:
    """Approve pending commissions whose hold period is over (safe to run again)."""
    from .services import commissions
    from .services.locking import begin_write

    begin_write()
    done = commissions.approve_due(utcnow())
    db.session.commit()
    click.echo(f"Approved {done} commission{'s' if done != 1 else ''}.")


@caps_cli.command("alerts")
def caps_alerts() -> None:
    """Email managers about caps at 80 % or 100 % not yet alerted (safe to run again)."""
    from .services import cap_alerts
    from .services.locking import begin_write

    begin_write()
    sent = cap_alerts.scan(utcnow())
    db.session.commit()
    click.echo(f"Sent {sent} cap alert{'s' if sent != 1 else ''}.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(commissions_cli)
    app.cli.add_command(caps_cli)
