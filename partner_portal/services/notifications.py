"""Emails the domain sends. Each is rendered from ``templates/email/`` and queued to go
out once the current transaction commits."""

from __future__ import annotations

from flask import render_template

from ..extensions import db
from ..mail import Mail, send_after_commit
from ..public_urls import public_url
from .program import get_program


def _build(to: str, template: str, subject: str, **context) -> Mail:
    program = get_program()
    context.setdefault("program", program)
    return Mail(
        to=to,
        subject=f"{program.name}: {subject}",
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
    )


def _queue(to: str, template: str, subject: str, **context) -> Mail:
    mail = _build(to, template, subject, **context)
    send_after_commit(db.session, mail)
    return mail


def application_received(partner) -> Mail:
    return _queue(partner.email, "application_received", "we received your application",
                  partner=partner)


def password_reset(user, reset_url: str, valid_minutes: int) -> Mail:
    return _queue(user.email, "password_reset", "reset your password", user=user,
                  reset_url=reset_url, valid_minutes=valid_minutes)


def staff_invited(user, set_password_url: str, valid_minutes: int) -> Mail:
    return _queue(user.email, "staff_invited", "you have been invited", user=user,
                  set_password_url=set_password_url, valid_minutes=valid_minutes)


def partner_invited(partner, set_password_url: str, valid_minutes: int) -> Mail:
    return _queue(partner.email, "partner_invited", "your partner account", partner=partner,
                  set_password_url=set_password_url, valid_minutes=valid_minutes)


# --- partner decisions ------------------------------------------------------------------
# One email per decision; ``message`` is the optional note staff wrote for the partner.

def _decision(partner, template: str, subject: str, message: str | None) -> Mail:
    return _queue(partner.email, template, subject, partner=partner, message=message,
                  login_url=public_url("auth.login"))


def partner_approved(partner, message: str | None = None) -> Mail:
    return _decision(partner, "partner_approved", "your application is approved", message)


def partner_rejected(partner, message: str | None = None) -> Mail:
    return _decision(partner, "partner_rejected", "your application", message)


def partner_suspended(partner, message: str | None = None) -> Mail:
    return _decision(partner, "partner_suspended", "your partner account is suspended", message)


def partner_reinstated(partner, message: str | None = None) -> Mail:
    return _decision(partner, "partner_reinstated", "your partner account is active again",
                     message)


def partner_banned(partner, message: str | None = None) -> Mail:
    return _decision(partner, "partner_banned", "your partner account is closed", message)

def payout_paid(payout) -> Mail:
    partner = payout.partner
    return _queue(partner.email, "payout_paid", "your payout has been paid", partner=partner,
                  payout=payout)


def cap_alert(user, *, cap, offer, partner, level: int, used: str, limit: str, what: str) -> Mail:
    subject = (f"cap reached on {offer.name}" if level >= 100
               else f"cap at {level}% on {offer.name}")
    return _queue(user.email, "cap_alert", subject, user=user, cap=cap, offer=offer,
                  partner=partner, level=level, used=used, limit=limit, what=what,
                  caps_url=public_url("admin.offer_caps", offer_id=offer.id))


def statement_ready(partner, statement) -> Mail:
    """The monthly statement with its PDF attached. Not queued: the statement outbox
    (``services/statements/outbox.py``) delivers it and records that it did, once."""
    from ..mail import Attachment
    from .statements.months import Month

    month = Month(int(statement.month[:4]), int(statement.month[5:]))
    mail = _build(partner.email, "statement_ready", f"your statement for {month.label}",
                  partner=partner, statement=statement, month_label=month.label,
                  statements_url=public_url("partner.statements"))
    mail.attachments.append(Attachment(statement.filename, statement.pdf, "application", "pdf"))
    return mail


# --- partner account and announcements --------------------------------------------------

def email_change_confirm(user, new_email: str, confirm_url: str, valid_hours: int) -> Mail:
    """To the new address: the link that proves it is theirs."""
    return _queue(new_email, "email_change_confirm", "confirm your new email address",
                  user=user, new_email=new_email, confirm_url=confirm_url,
                  valid_hours=valid_hours)


def email_changed(old_email: str, user, new_email: str) -> Mail:
    """To the old address, once the change is done."""
    return _queue(old_email, "email_changed", "your sign-in email was changed", user=user,
                  old_email=old_email, new_email=new_email)


def announcement(partner, item, url: str) -> Mail:
    """An announcement, to a partner who wants announcements (``preferences``)."""
    return _queue(partner.email, "announcement", item.title, partner=partner, item=item,
                  url=url)
