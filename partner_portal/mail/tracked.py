"""Delivery for callers that record what happened (the statement outbox).

``transmit`` says precisely how a delivery ended, because the caller must never send the
same message twice:

- it returns: the server accepted the message (its reply to the end of DATA was 2xx);
- ``Refused``: provably not accepted — we could not connect, or the server answered with
  an error before or at the end of DATA; ``transient`` for 4xx replies and connection
  problems, which are worth another try;
- ``Unknown``: the connection broke or timed out while the message was in flight; the
  server may have accepted it, so it must not be retried without a person checking.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from . import FileTransport, Mail, build_message


class Refused(Exception):
    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


class Unknown(Exception):
    pass


def _code_transient(code: int | None) -> bool:
    return code is None or 400 <= code < 500


def build(mail: Mail, message_id: str) -> EmailMessage:
    message = build_message(mail, current_app.config["MAIL_DEFAULT_SENDER"])
    del message["Message-ID"]
    message["Message-ID"] = message_id
    return message


def transmit(mail: Mail, message_id: str) -> None:
    message = build(mail, message_id)
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        try:
            FileTransport(cfg["MAIL_OUTBOX_DIR"]).deliver(message)
        except OSError as exc:
            raise Refused(f"could not write the message: {exc}", transient=True) from exc
        return
    try:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25),
                            timeout=float(cfg.get("MAIL_TIMEOUT", 30)))
    except (OSError, smtplib.SMTPException) as exc:
        raise Refused(f"could not connect to {cfg['MAIL_SERVER']}: {exc}", transient=True) from exc
    try:
        try:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        except smtplib.SMTPResponseException as exc:
            raise Refused(f"{exc.smtp_code} {exc.smtp_error!r}",
                          transient=_code_transient(exc.smtp_code)) from exc
        except (OSError, smtplib.SMTPException) as exc:  # nothing of the message was sent yet
            raise Refused(f"before sending: {exc}", transient=True) from exc
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise Refused(f"recipient refused: {exc.recipients}",
                          transient=all(_code_transient(c) for c in codes)) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise Refused(f"{exc.smtp_code} {exc.smtp_error!r}",
                          transient=_code_transient(exc.smtp_code)) from exc
        except Exception as exc:
            raise Unknown(f"connection lost while sending: {exc!r}") from exc
    finally:
        try:
            smtp.quit()  # the message is accepted or not by now; QUIT changes nothing
        except Exception:
            smtp.close()
