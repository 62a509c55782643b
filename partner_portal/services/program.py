"""The program's settings row and its time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..extensions import db
from ..models import Program, TermsVersion
from ..models.program import PROGRAM_ID


def get_program() -> Program:
    """The settings row. Migration 0012 creates it, so requests only read it; should it have
    been deleted by hand, it is created again with defaults (INSERT … ON CONFLICT DO NOTHING,
    safe when several requests ask at once)."""
    program = db.session.get(Program, PROGRAM_ID)
    if program is None:
        from .counters import insert_ignore

        insert_ignore(Program, id=PROGRAM_ID)
        program = db.session.get(Program, PROGRAM_ID)
    return program


@dataclass(frozen=True)
class ProgramSettings:
    """What the conversion path reads of the settings row, cached per worker."""

    zone: ZoneInfo
    subaffiliate_share: Decimal
    subaffiliate_levels: int


def _load_settings() -> ProgramSettings:
    program = get_program()
    return ProgramSettings(ZoneInfo(program.timezone), Decimal(program.subaffiliate_share),
                           program.subaffiliate_levels)


def program_settings() -> ProgramSettings:
    from .settings_cache import cached

    return cached("program", _load_settings)


def program_zone() -> ZoneInfo:
    return program_settings().zone


def to_local(value: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(zone or program_zone())


def current_terms(kind: str = "terms") -> TermsVersion | None:
    return db.session.scalars(
        select(TermsVersion).where(TermsVersion.kind == kind).order_by(TermsVersion.version.desc()).limit(1)
    ).first()
