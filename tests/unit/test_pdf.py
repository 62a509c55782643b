"""The PDF adapter fetches nothing but our static files and renders deterministically."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from pypdf import PdfReader

from partner_portal.pdf import StaticOnlyFetcher, font_configuration, render_pdf

STATIC = Path(__file__).resolve().parents[2] / "static"


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_same_input_gives_the_same_bytes():
    html = "<h1>Statement</h1><p>Total 1,234.50</p>"
    a = render_pdf(html, static_root=STATIC, identifier="statement:1:2026-10")
    b = render_pdf(html, static_root=STATIC, identifier="statement:1:2026-10")
    assert a == b and a.startswith(b"%PDF")
    assert "Total 1,234.50" in text_of(a)


def test_the_reused_font_configuration_changes_no_byte():
    """Each thread keeps one font configuration for every document it renders; a document
    comes out the same from a fresh one as from one that has rendered others."""
    html = "<h1>Statement</h1><p>Total 1,234.50 — café, über, €</p>"
    for other in ("<p><b>Bold</b> and <i>italic</i> 0123456789</p>", "<pre>mono</pre>" * 40):
        render_pdf(other, static_root=STATIC, identifier="other")
    reused = render_pdf(html, static_root=STATIC, identifier="statement:7:2026-10")
    fresh, configs = [], []

    def in_a_new_thread():
        configs.append(font_configuration())
        fresh.append(render_pdf(html, static_root=STATIC, identifier="statement:7:2026-10"))
        configs.append(font_configuration())

    thread = threading.Thread(target=in_a_new_thread)
    thread.start()
    thread.join()
    assert fresh == [reused]
    assert configs[0] is configs[1] and configs[0] is not font_configuration()


def test_our_static_files_are_served(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "x.css").write_text("h1 { color: red }")
    fetcher = StaticOnlyFetcher(tmp_path)
    response = fetcher.fetch("static:css/x.css")
    assert b"color: red" in response.read()


def test_nothing_else_is_fetched(tmp_path):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    port = server.server_address[1]
    hostile = (f'<img src="http://127.0.0.1:{port}/img.png">'
               f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
               f'<img src="file://{secret}"><object data="file://{secret}"></object>'
               f'<iframe src="file:///etc/passwd"></iframe>'
               f'<style>@import url("http://127.0.0.1:{port}/imp.css");'
               f' body {{ background: url("file://{secret}") }}</style>'
               f'<img src="static:../config.py"><img src="static:/../../etc/passwd">'
               f'<a href="file://{secret}">link</a><p>ok</p>')
    try:
        pdf = render_pdf(hostile, static_root=STATIC, identifier="hostile")
    finally:
        server.shutdown()
    assert hits == []
    assert "TOP-SECRET-CONTENT" not in text_of(pdf)
    assert b"TOP-SECRET" not in pdf
