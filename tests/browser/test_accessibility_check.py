"""The accessibility check itself: a violation fails with the rule, the element, the page
and both widths; a page as the portal serves it passes."""

from __future__ import annotations

import pytest

from .accessibility import Auditor

pytestmark = pytest.mark.browser


def test_a_violation_is_reported_with_rule_element_page_and_width(browser, app, db, live_server):
    auditor = Auditor(app, live_server.url)
    context = browser.new_context()
    try:
        auditor.watch(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
        with pytest.raises(AssertionError) as failed:
            auditor.finish(browser)
        message = str(failed.value)
        assert "image-alt (critical) on open page /login at desktop width: img (" in message
        assert "image-alt (critical) on open page /login at phone width: img (" in message
        assert page.viewport_size == {"width": 1280, "height": 720}  # the test's own size back
    finally:
        context.close()


def test_served_pages_are_checked_as_served(browser, app, db, live_server):
    auditor = Auditor(app, live_server.url)
    auditor.start()
    context = browser.new_context()
    try:
        auditor.watch(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.goto(f"{live_server.url}/no-such-page")  # the 404 page is a page too
        page.goto(f"{live_server.url}/apply")
    finally:
        auditor.stop()
    try:
        auditor.finish(browser)
    finally:
        context.close()
    assert [s.url[len(live_server.url):] for s in auditor.served] == ["/login", "/no-such-page",
                                                                       "/apply"]
    assert [s.status for s in auditor.served] == [200, 404, 200]
    assert auditor.pages_checked == 4  # three served, one still open
