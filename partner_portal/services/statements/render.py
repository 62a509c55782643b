"""A statement as HTML (``templates/pdf/statement.html``) and as PDF (WeasyPrint, through
``partner_portal.pdf``, which fetches nothing but our static files).

Everything the partner or a manager typed reaches the template as data and is escaped by
Jinja; nothing they typed is put into CSS or a URL. The same data renders to the same
bytes: the PDF identifier is fixed per partner and month and no clock is read here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template

from ...pdf import render_pdf
from ..program import get_program
from .data import StatementData

DEFAULT_BRAND = "#1f5eff"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Branding:
    name: str
    address_lines: list[str]
    support_email: str | None
    brand: str
    on_brand: str  # black or white, whichever reads better on the brand colour
    logo: str | None  # "static:..." URL of the configured logo, or None for the initials mark
    initials: str


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def branding() -> Branding:
    program = get_program()
    brand = program.brand_color if _HEX.match(program.brand_color or "") else DEFAULT_BRAND
    # White text on the brand colour when it gives the better contrast, else black.
    lum = _luminance(brand)
    on_brand = "#ffffff" if (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) else "#000000"
    logo = current_app.config.get("STATEMENT_LOGO")
    static_root = Path(current_app.static_folder)
    if logo and not (static_root / logo).resolve().is_relative_to(static_root.resolve()):
        logo = None
    initials = next((ch for ch in program.name or "" if ch.isalnum()), "P").upper()
    return Branding(program.name, [line.strip() for line in (program.address or "").splitlines()
                                   if line.strip()],
                    program.support_email, brand, on_brand,
                    f"static:{logo}" if logo else None, initials)


def statement_html(data: StatementData) -> str:
    return render_template("pdf/statement.html", s=data, b=branding())


def identifier(data: StatementData) -> str:
    return f"statement:{data.partner_id}:{data.month}"


def render(data: StatementData) -> bytes:
    return render_pdf(statement_html(data), static_root=current_app.static_folder,
                      identifier=identifier(data))


def sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()
