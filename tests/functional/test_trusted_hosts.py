"""In production with BASE_URL set, the portal answers only to its own host name: any other
``Host`` gets a 400 before anything reads the request. The health check and live tracking
links answer whatever the Host (see partner_portal/security.py for why)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from partner_portal import create_app
from partner_portal.models import PasswordResetToken

from ..factories import LinkFactory, OfferFactory, StaffFactory

PUBLIC = "partners.example.com"


@pytest.fixture()
def production(app, db, tmp_path):
    """The portal as production runs it (SECRET_KEY comes from the environment)."""

    def build(**settings):
        built = create_app("production", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                           MAIL_OUTBOX_DIR=tmp_path / "outbox", **settings)
        built.test_client_class = type(app.test_client())
        return built

    return build


def sent_mail(tmp_path) -> list:
    outbox = tmp_path / "outbox"
    return list(outbox.glob("*.eml")) if outbox.exists() else []


@pytest.mark.parametrize("host", ["evil.test", "partners.example.com.evil.test",
                                  "evil.test:443", "127.0.0.1:8000", "xpartners.example.com"])
def test_a_foreign_host_is_refused_with_400(production, host):
    client = production(BASE_URL=f"https://{PUBLIC}").test_client()
    for method, path in (("GET", "/login"), ("GET", "/"), ("GET", "/api/v1/openapi.json"),
                         ("POST", "/api/v1/conversions"), ("GET", "/r/no-such-link"),
                         ("GET", "/static/css/app.css")):
        response = client.open(path, method=method, headers={"Host": host})
        assert response.status_code == 400, (method, path, response.status_code)
        assert response.get_data(as_text=True) == "Unknown host name.\n"
        assert response.headers["X-Frame-Options"] == "DENY"  # still every security header


@pytest.mark.parametrize("host", [PUBLIC, f"{PUBLIC}:443", "Partners.Example.COM"])
def test_the_portals_own_host_is_served(production, host):
    client = production(BASE_URL=f"https://{PUBLIC}").test_client()
    assert client.get("/login", headers={"Host": host}).status_code == 200
    forwarded = client.get("/login", headers={"Host": host, "X-Forwarded-Host": "evil.test"})
    assert forwarded.status_code == 200  # X-Forwarded-Host is never read


def test_a_refused_request_changes_nothing_and_sends_nothing(production, db, tmp_path):
    staff = StaffFactory(email="owner@example.test")
    db.session.commit()
    client = production(BASE_URL=f"https://{PUBLIC}", WTF_CSRF_ENABLED=False).test_client()
    response = client.post("/password/forgot", data={"email": staff.email},
                           headers={"Host": "evil.test"})
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert sent_mail(tmp_path) == []
    # The same request to the real host works (so the check above is not vacuous).
    assert client.post("/password/forgot", data={"email": staff.email},
                       headers={"Host": PUBLIC}).status_code == 302
    assert len(sent_mail(tmp_path)) == 1


def test_more_host_names_can_be_trusted(production):
    client = production(BASE_URL=f"https://{PUBLIC}",
                        EXTRA_TRUSTED_HOSTS=["old-partners.example.com", ".cdn.example.net"]).test_client()
    for host in ("old-partners.example.com", "edge1.cdn.example.net", PUBLIC):
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    assert client.get("/login", headers={"Host": "evil.test"}).status_code == 400


def test_the_health_check_answers_any_host(production):
    """Load balancers probe by address (an AWS target group sends the target's IP as Host)."""
    client = production(BASE_URL=f"https://{PUBLIC}").test_client()
    response = client.get("/healthz", headers={"Host": "10.0.3.7:8000"})
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_live_tracking_links_answer_any_host(production, db):
    """A click builds nothing from the Host and a lost click is lost money: a live link
    redirects whatever name reached it (a dead one gets the 400, as any page)."""
    LinkFactory(code="anyhost1", offer=OfferFactory(destination_url="https://shop.example.com/x"))
    db.session.commit()
    client = production(BASE_URL=f"https://{PUBLIC}").test_client()
    response = client.get("/r/anyhost1", headers={"Host": "old-name.example.org"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://shop.example.com/x?click_id=")


def test_production_without_base_url_checks_no_host_and_says_so(production, caplog):
    with caplog.at_level(logging.WARNING, logger="partner_portal.config"):
        client = production(BASE_URL=None).test_client()
    assert "BASE_URL is not set" in caplog.text
    assert client.get("/login", headers={"Host": "anything.example"}).status_code == 200


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_check_no_host_unless_asked(app, tmp_path, env):
    options = dict(INSTANCE_DIR=tmp_path, BASE_URL="http://127.0.0.1:5000",
                   SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    built = create_app(env, **options)
    assert built.test_client().get("/login", headers={"Host": "localhost:5001"}).status_code == 200
    # Asked to check, they trust the listed names and BASE_URL's.
    checking = create_app(env, EXTRA_TRUSTED_HOSTS=["dev.example.test"], **options).test_client()
    assert checking.get("/login", headers={"Host": "dev.example.test"}).status_code == 200
    assert checking.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert checking.get("/login", headers={"Host": "evil.test"}).status_code == 400


@pytest.mark.parametrize("value", ["partners.example.com", "ftp://partners.example.com",
                                   "https://", "https://partners.example.com/?x=1",
                                   "https://user:pw@partners.example.com"])
def test_a_base_url_that_is_not_an_address_stops_the_start(production, value):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        production(BASE_URL=value)
