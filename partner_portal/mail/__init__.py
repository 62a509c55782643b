"""Mail delivery behind one small interface.

``send_after_commit`` queues a message on the database session; it is handed to the
transport only once the surrounding transaction commits, so a rolled-back action never
sends mail. With ``MAIL_SERVER`` set the transport is SMTP; otherwise each message is
written as an ``.eml`` file under ``instance/outbox/``.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING_KEY = "pending_mail"


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


class SMTPTransport:
    def __init__(self, host: str, port: int, username: str | None, password: str | None,
                 use_tls: bool, timeout: float = 30.0):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.use_tls, self.timeout = use_tls, timeout

    def deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class FileTransport:
    """Writes each message to ``<outbox>/<timestamp>-<id>.eml``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def deliver(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.eml"
        (self.directory / name).write_bytes(bytes(message))


def transport_for(app: Flask):
    cfg = app.config
    if cfg.get("MAIL_SERVER"):
        return SMTPTransport(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25),
                             cfg.get("MAIL_USERNAME"), cfg.get("MAIL_PASSWORD"),
                             bool(cfg.get("MAIL_USE_TLS")))
    return FileTransport(cfg["MAIL_OUTBOX_DIR"])


def build_message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "localhost")
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    for att in mail.attachments:
        msg.add_attachment(att.content, maintype=att.maintype, subtype=att.subtype,
                           filename=att.filename)
    return msg


def send_now(mail: Mail) -> None:
    """Deliver immediately (for jobs that track delivery state themselves)."""
    app = current_app._get_current_object()
    message = build_message(mail, app.config["MAIL_DEFAULT_SENDER"])
    transport_for(app).deliver(message)


def send_after_commit(session: Session, mail: Mail) -> None:
    session.info.setdefault(_PENDING_KEY, []).append(mail)


def _deliver_pending(session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    for mail in pending:
        try:
            send_now(mail)
        except Exception:  # delivery must never undo a committed action
            log.exception("mail delivery to %s failed", mail.to)


def _discard_pending(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING_KEY, None)


def init_app(app: Flask, session_factory) -> None:
    # The session factory is shared by every app built in a process; listen once.
    if not event.contains(session_factory, "after_commit", _deliver_pending):
        event.listen(session_factory, "after_commit", _deliver_pending)
        event.listen(session_factory, "after_soft_rollback", _discard_pending)
