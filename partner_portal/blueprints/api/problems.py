"""Problem documents (RFC 9457) for API errors."""

from __future__ import annotations

from flask import jsonify

from ...services.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied

STATUS_FOR = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (InvalidTransition, 409),
    (DomainError, 422),
]
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
          422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error"}


def problem(status: int, title: str | None = None, detail: str | None = None,
            field: str | None = None, **extra):
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"),
            "status": status, "detail": detail or title or TITLES.get(status, "Error")}
    if field:
        body["field"] = field
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


class RequestProblem(Exception):
    """A request the API refuses before any domain code runs (bad JSON, a failed schema)."""

    def __init__(self, status: int, detail: str, field: str | None = None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.field, self.extra = status, detail, field, extra

    def response(self):
        return problem(self.status, detail=self.detail, field=self.field, **self.extra)


def from_domain_error(exc: DomainError):
    status = next(code for cls, code in STATUS_FOR if isinstance(exc, cls))
    return problem(status, detail=exc.message, field=exc.field)
