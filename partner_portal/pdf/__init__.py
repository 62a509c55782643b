"""PDF rendering with WeasyPrint behind a URL fetcher that serves our own static files and
nothing else: no network, no ``file:`` paths, no data the template did not put there.

Templates refer to assets as ``static:css/pdf.css`` or ``static:img/logo.svg`` (relative
URLs resolve against ``static:`` too). Rendering is deterministic: the same HTML and the
same ``identifier`` give the same bytes.

Every PDF is tagged, as PDF/UA-1 (``pdf_variant="pdf/ua-1"``): a structure tree
(``StructTreeRoot``, ``MarkInfo /Marked true``) that screen readers follow, the document
language and title, and the PDF/UA identification in the XMP metadata. WeasyPrint writes
no clock or random value for that variant, so the bytes stay reproducible.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
from pathlib import Path

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)
SCHEME = "static:"
PDF_VARIANT = "pdf/ua-1"


class StaticOnlyFetcher(URLFetcher):
    """Resolves ``static:<path>`` inside one directory; refuses every other URL."""

    def __init__(self, static_root: str | Path):
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.root = Path(static_root).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not url.startswith(SCHEME):
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]!r}: only our static files are allowed")
        relative = url[len(SCHEME):].split("?", 1)[0].split("#", 1)[0].lstrip("/")
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]!r}: not a static file")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's font configuration, kept for every document it renders.

    ``write_pdf`` builds a new one per document unless given one, and with it Pango's font
    map, so every document loaded and measured the same fonts again: reusing it costs a
    statement 14% less CPU (docs/benchmarks.md) and gives the same bytes. One per thread,
    as Pango's font maps are not shared between threads."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def pdf_identifier(identifier: str) -> bytes:
    """The PDF document id for ``identifier``: fixed, so the same input gives the same bytes."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:32].encode()


def render_pdf(html: str, *, static_root: str | Path, identifier: str) -> bytes:
    """The PDF for ``html``. ``identifier`` (e.g. "statement:42:2026-10") fixes the PDF's
    document id so identical input renders to identical bytes."""
    fetcher = StaticOnlyFetcher(static_root)
    document = HTML(string=html, base_url=SCHEME, url_fetcher=fetcher)
    pdf = document.write_pdf(pdf_identifier=pdf_identifier(identifier),
                             pdf_variant=PDF_VARIANT, font_config=font_configuration())
    if fetcher.refused:
        log.warning("PDF %s: refused %d outside URL(s)", identifier, len(fetcher.refused))
    return pdf
