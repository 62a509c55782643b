"""Typed domain errors. Views map them to form errors, flash messages or status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class. ``field`` names the input at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Bad input: nothing was changed."""


class ValidationErrors(ValidationError):
    """Several bad inputs found at once, so a form can name every one of them in a single
    round. ``errors`` holds one error per field; the first one is also this error's own
    message and field, for callers that show only one."""

    def __init__(self, errors: list[DomainError]):
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = list(errors)


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class Conflict(DomainError):
    """The request clashes with existing state (a duplicate email, say)."""


class InvalidTransition(DomainError):
    """A lifecycle change the transition table does not allow."""

    def __init__(self, lifecycle: str, action: str, current: str):
        super().__init__(
            f"Cannot {action.replace('_', ' ')} a {lifecycle} that is {current}.", field=None
        )
        self.lifecycle = lifecycle
        self.action = action
        self.current = current


class Throttled(DomainError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class AuthenticationFailed(DomainError):
    pass
