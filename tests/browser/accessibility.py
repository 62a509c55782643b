"""axe-core on every page the browser tests show, at desktop and at phone width.

While a test runs, every HTML page the live server sends to a browser is recorded (through
Flask's ``request_finished`` signal, so form posts, redirect targets and error pages are
kept too). When the test body has passed, each recorded page is shown again, exactly as it
was served, in a fresh Chromium context (its stylesheets and scripts load from the live
server as before), and the vendored axe-core (``vendor/axe-core/axe.min.js``) checks it at
desktop and at phone width; so is every page still open, in the state the test left it
(menus opened, fields filled). Any violation fails the test, naming the rule, the element,
the page and the width.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import request as flask_request
from flask import request_finished

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844}))
KEPT_HEADERS = ("content-type", "content-security-policy")

RUN_AXE = r"""async () => {
  if (typeof window.axe === "undefined") { return null; }
  const results = await window.axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact || "", help: v.help,
    targets: v.nodes.map(n => n.target.join(" ") + " (" +
      (n.failureSummary || "").replace(/\s+/g, " ")
        .replace(/^Fix (any|all) of the following: /, "").slice(0, 160) + ")"),
  }));
}"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    target: str
    page: str
    width: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) on {self.page} at {self.width} width: {self.target} — {self.help}"


@dataclass(frozen=True)
class Served:
    """An HTML page as the live server sent it."""

    method: str
    url: str
    status: int
    headers: dict
    body: bytes

    @property
    def key(self) -> tuple:
        return self.url, hashlib.sha256(self.body).hexdigest()


class Auditor:
    """Records one test's pages and checks them with axe-core."""

    def __init__(self, app, base_url: str):
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.served: list[Served] = []
        self.contexts = []
        self.violations: list[Violation] = []
        self.pages_checked = 0
        self._lock = threading.Lock()

    # --- recording ---------------------------------------------------------------------

    def start(self) -> None:
        request_finished.connect(self._record, self.app)

    def stop(self) -> None:
        request_finished.disconnect(self._record, self.app)

    def _record(self, sender, response, **extra) -> None:
        if response.mimetype != "text/html" or response.direct_passthrough:
            return
        if 300 <= response.status_code < 400:
            return  # redirects: the page they lead to is recorded itself
        if flask_request.host_url.rstrip("/") != self.base_url:
            return  # the test's own client, not a browser
        headers = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        with self._lock:
            self.served.append(Served(flask_request.method, flask_request.url,
                                      response.status_code, headers, response.get_data()))

    def watch(self, context, *, script: bool = True) -> None:
        """A context the test drives: axe is loaded into each of its documents. Pages of a
        context without script are checked as served only (axe needs script to run)."""
        if script:
            context.add_init_script(path=str(AXE_SCRIPT))
            self.contexts.append(context)

    # --- checking ----------------------------------------------------------------------

    def _page_name(self, method: str, url: str) -> str:
        path = url[len(self.base_url):] if url.startswith(self.base_url) else url
        return f"{method} {path or '/'}"

    def _check(self, page, name: str) -> None:
        viewport = page.viewport_size
        try:
            for width, size in WIDTHS:
                page.set_viewport_size(size)
                found = page.evaluate(RUN_AXE)
                if found is None:
                    raise AssertionError(f"axe-core did not load on {name}")
                for v in found:
                    for target in v["targets"]:
                        self.violations.append(
                            Violation(v["id"], v["impact"], v["help"], target, name, width))
        finally:
            if viewport:
                page.set_viewport_size(viewport)
        self.pages_checked += 1

    def _check_open_pages(self) -> None:
        for context in self.contexts:
            for page in context.pages:
                if page.is_closed() or not page.url.startswith(self.base_url):
                    continue
                page.wait_for_load_state()
                self._check(page, self._page_name("open page", page.url))

    def _check_served(self, browser) -> None:
        seen, pages = set(), []
        for served in self.served:
            if served.key not in seen:
                seen.add(served.key)
                pages.append(served)
        if not pages:
            return
        context = browser.new_context(viewport=WIDTHS[0][1])
        context.set_default_timeout(10_000)
        context.add_init_script(path=str(AXE_SCRIPT))
        showing: list[Served] = []

        def serve(route, req):
            if req.is_navigation_request() and showing and req.url == showing[0].url:
                shown = showing[0]
                route.fulfill(status=shown.status, headers=shown.headers, body=shown.body)
            else:
                route.fallback()

        context.route("**/*", serve)
        try:
            page = context.new_page()
            for served in pages:
                showing[:] = [served]
                page.goto(served.url)
                self._check(page, self._page_name(served.method, served.url))
        finally:
            context.close()

    def finish(self, browser) -> None:
        """Check the pages still open and every page served; fail on any violation."""
        self._check_open_pages()
        self._check_served(browser)
        if not self.pages_checked:
            raise AssertionError("axe-core checked no page: the browser saw none of the portal's")
        if self.violations:
            unique = list(dict.fromkeys(str(v) for v in self.violations))
            raise AssertionError(f"axe-core found {len(unique)} accessibility violation(s):\n  "
                                 + "\n  ".join(unique))
