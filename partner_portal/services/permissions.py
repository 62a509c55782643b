"""What each staff role may do. Enforced on the server by the admin blueprint's guard.

- view: read any admin page (every staff role)
- manage: vet partners, configure offers and the program (manager, owner)
- pay: payouts and finance actions (finance, owner)
- statements: make a month's statements from the Statements page (manager, finance, owner)
- staff: invite staff, change roles and security settings (owner)
"""

from __future__ import annotations

VIEW, MANAGE, PAY, STAFF = "view", "manage", "pay", "staff"
STATEMENTS = "statements"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": frozenset({VIEW, MANAGE, PAY, STAFF, STATEMENTS}),
    "manager": frozenset({VIEW, MANAGE, STATEMENTS}),
    "finance": frozenset({VIEW, PAY, STATEMENTS}),
    "analyst": frozenset({VIEW}),
}


def can(role: str | None, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())
