"""What every test may lean on: signing in (through the real form, in a test client or a
browser page) and the factories."""

from __future__ import annotations

from .sign_in import (
    DEFAULT_PASSWORD,
    client_signed_in,
    csrf_token_from,
    login,
    sign_in,
    sign_in_page,
)

__all__ = ["DEFAULT_PASSWORD", "client_signed_in", "csrf_token_from", "factories", "login", "sign_in",
           "sign_in_page"]


def __getattr__(name: str):
    # The factories import the app's models, which conftest may load only after it has set
    # up the environment; hand them out on first use.
    if name == "factories":
        from .. import factories

        return factories
    raise AttributeError(name)
