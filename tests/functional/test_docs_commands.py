"""The shell examples in the integration guide and the API reference work when pasted.

Each guide's ``sh`` blocks are run in order, in one bash, against the portal served over
HTTP with the demo program loaded, exactly as a developer pastes them against
``./scripts/dev`` (the only change: the address, as the guide tells them to use the one
``./scripts/dev`` printed). Every command must succeed and print the HTTP status the guide
promises, and the test click the guide sends must count as a real click.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from partner_portal.jobs.clicks import drain
from partner_portal.models import Click, Conversion
from partner_portal.models.base import utcnow

DOCS = Path(__file__).resolve().parents[2] / "docs"
DEMO_ADDRESS = "http://127.0.0.1:5000"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def shell_blocks(name: str) -> list[str]:
    """The guide's ``sh`` blocks that talk to the portal (the others run flask commands
    or the test suite, covered elsewhere)."""
    text = (DOCS / name).read_text(encoding="utf-8")
    return [b for b in BLOCK.findall(text) if "$PORTAL" in b or "$API" in b or DEMO_ADDRESS in b]


@pytest.fixture()
def demo_portal(app, db, live_server):
    from partner_portal.services import demo
    from partner_portal.services.locking import begin_write

    db.session.commit()
    begin_write()
    demo.seed(days=3, now=utcnow())
    db.session.commit()
    return live_server.url


def run_guide(name: str, url: str) -> str:
    script = "\n".join(shell_blocks(name)).replace(DEMO_ADDRESS, url)
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    assert "curl:" not in done.stderr, done.stderr
    return done.stdout


def statuses(output: str) -> list[str]:
    return re.findall(r"HTTP(?:/[\d.]+)? (\d{3})", output)


def test_the_guide_has_examples_to_run():
    assert len(shell_blocks("integration.md")) >= 5
    assert len(shell_blocks("api.md")) >= 3


def test_the_integration_guide_works_when_pasted(db, demo_portal):
    output = run_guide("integration.md", demo_portal)
    # the click, the conversion, the refund, the postback
    assert statuses(output) == ["302", "201", "200", "201"], output
    assert "click_id=" in output and "pp_click=" in output

    drain(wait_for_settle=True)
    converted = db.session.scalar(select(Conversion).where(Conversion.order_id == "A-1001"))
    assert converted.status == "attributed" and converted.refunded_amount == Decimal("29.90")
    test_clicks = db.session.scalars(select(Click).where(Click.user_agent.contains("test click"))).all()
    assert len(test_clicks) == 2, "the guide's two clicks were stored"
    assert not any(c.is_bot for c in test_clicks), "a click sent as the guide shows is no bot's"


def test_the_api_reference_works_when_pasted(demo_portal):
    output = run_guide("api.md", demo_portal)
    # offer, partner (approved at once), link, cap, balance, stats, the next page
    assert statuses(output) == ["201", "201", "201", "201", "200", "200", "200"], output
    assert '"status": "approved"' in output or '"status":"approved"' in output
