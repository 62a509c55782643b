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
