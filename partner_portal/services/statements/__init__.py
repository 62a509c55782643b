"""Monthly commission statements: what they say (``data``), how they look (``render``),
where they are kept (``store``) and how they are emailed once (``outbox``). Runs over many
partners, with a process pool and commits, live in ``partner_portal/jobs/statements.py``."""
