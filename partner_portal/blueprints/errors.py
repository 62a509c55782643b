"""Error pages (HTML) and JSON errors for the API."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in required", "Please sign in to continue."),
    403: ("Not allowed", "Your role does not allow this action."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    410: ("Gone", "This link is no longer valid."),
    413: ("Too large", "The upload is larger than allowed."),
    429: ("Slow down", "Too many requests. Try again in a little while."),
    500: ("Something went wrong", "The error has been logged. Please try again."),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    if request.path.startswith("/api/") or request.path.startswith("/postback"):
        from .api.problems import problem

        return problem(code, title, detail or message)
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def _refuse_nul_bytes():
    """No text field anywhere may carry a NUL byte (PostgreSQL cannot store one)."""
    query = request.query_string
    if b"%00" in query or b"\x00" in query:
        return _render(400, "The request contains a character that is not allowed.")
    if request.method in ("GET", "HEAD"):
        return None
    for source in (request.args, request.form):
        for _key, values in source.lists():
            if any("\x00" in value for value in values):
                return _render(400, "The request contains a character that is not allowed.")
    return None


def register(app: Flask) -> None:
    app.before_request(_refuse_nul_bytes)

    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: _render(code))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(400, "The form expired or was not sent from this site. "
                            "Reload the page and try again.")
