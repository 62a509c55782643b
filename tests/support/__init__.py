"""What every test may lean on: signing in (through the real form, in a test client or a
browser page), the factories (``tests/factories.py``, re-exported), and the helpers of
conversions, webhooks, statements and sign-in attempts in the modules beside this one."""

from __future__ import annotations

from .. import factories
from .sign_in import (
    DEFAULT_PASSWORD,
    client_signed_in,
    csrf_token_from,
    login,
    sign_in,
    sign_in_page,
)

__all__ = ["DEFAULT_PASSWORD", "client_signed_in", "csrf_token_from", "factories", "login",
           "sign_in", "sign_in_page"]
