"""Playwright driving Debian's Chromium. Skips, saying why, where Chromium is absent.

Every page a test opens with ``new_page`` is checked with axe-core at desktop and phone
width (``accessibility.py``); a test with any violation fails, naming the rule, the
element, the page and the width."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .accessibility import Auditor

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
AUDITOR = pytest.StashKey[Auditor]()
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
                    "(CI does) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test body passes, check the pages it left open and fail on any violation."""
    result = yield
    auditor = item.stash.get(AUDITOR, None)
    if auditor is not None:
        auditor.finish(item.funcargs["browser"])
    return result


@pytest.fixture()
def new_page(browser, live_server, app, request):
    contexts = []
    auditor = request.node.stash.setdefault(AUDITOR, Auditor(app, live_server.url))
    auditor.start()

    def make(viewport=DESKTOP, **kwargs):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **kwargs)
        context.set_default_timeout(10_000)
        auditor.watch(context, script=kwargs.get("java_script_enabled", True))
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield make
    auditor.stop()
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_menu(page) -> None:
    """On a phone, unfold the Menu (the navigation and Sign out) if it is folded."""
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def nav_to(page, name: str) -> None:
    """Follow a link of the main navigation, opening the phone's Menu first if it is folded."""
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def sign_out(page) -> None:
    open_menu(page)
    page.locator(".user-menu").get_by_role("button", name="Sign out").click()
