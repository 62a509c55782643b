"""Webhooks reach public addresses only: refused when saved, refused again when delivered,
no redirect followed, and the delivery log never shows what a non-public target said.

Nothing here sends a packet anywhere but loopback test servers: the receiver runs on
127.0.0.2, the one address the tests allow; 127.0.0.1 plays a service inside the network
that must never be reached. DNS is the outgoing module's ``resolve`` function, stubbed.
"""

from __future__ import annotations

import html
import re
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from partner_portal.models import WebhookDelivery, WebhookEndpoint
from partner_portal.models.base import utcnow
from partner_portal.services import audit, outgoing, webhooks

from ..support.webhooks import RECEIVER_HOST, Receiver, allow, deliver, internal, receiver  # noqa: F401

SYSTEM = audit.Actor.system("test")


class StubDNS:
    """Answers for names, changeable during a test; counts the lookups."""

    def __init__(self):
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port):
        self.lookups.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = self.answers[host]
        return answer.pop(0) if answer and isinstance(answer[0], list) else answer


@pytest.fixture()
def dns(monkeypatch):
    stub = StubDNS()
    monkeypatch.setattr(outgoing, "resolve", stub)
    return stub


def endpoint_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def the_delivery(db) -> WebhookDelivery:
    db.session.rollback()
    return db.session.scalar(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()))


def emit_one(db, event="payout.paid"):
    webhooks.emit(event, {"payout_id": 1}, now=utcnow())
    db.session.commit()


def url_error(page: str) -> str:
    """The error shown under the form's URL field (the field it names)."""
    found = re.search(r'<div class="error" id="url-error"[^>]*>(.*?)</div>', page, re.S)
    assert found, "no error on the URL field"
    return html.unescape(found.group(1))


def log_page(client, endpoint_id) -> str:
    return client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)


# --- when saved --------------------------------------------------------------------------

@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1/hooks", "127.0.0.1 is a loopback address"),
    ("http://2130706433/hooks", "127.0.0.1 is a loopback address"),
    ("http://0x7f.0.0.1:8080/hooks", "127.0.0.1 is a loopback address"),
    ("http://[::ffff:7f00:1]/hooks", "is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "is a link-local address"),
    ("http://10.0.0.5/", "10.0.0.5 is a private address"),
    ("http://LOCALHOST./hooks", "localhost is a loopback address"),
    ("http://crm.localhost/hooks", "crm.localhost is a loopback address"),
    ("http://example.com@127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("https://intranet.example.test/hooks", "intranet.example.test resolves to 10.0.0.5, a private address"),
])
def test_a_non_public_url_is_refused_when_saved_naming_the_field(client, login_as, db, dns, url, says):
    dns.answers["intranet.example.test"] = ["10.0.0.5"]
    login_as("manager")
    response = client.post("/admin/webhooks", data={"url": url, "events": ["payout.paid"]})
    assert response.status_code == 200
    error = url_error(response.get_data(as_text=True))
    assert "Webhooks go to public addresses only" in error and says in error
    assert endpoint_count(db) == 0


def test_editing_an_endpoint_to_a_private_address_is_refused_and_changes_nothing(
        client, login_as, db, dns):
    dns.answers["hooks.example.test"] = ["93.184.215.14"]
    endpoint = webhooks.create_endpoint("https://hooks.example.test/in", ["*"], "", actor=SYSTEM,
                                        now=utcnow())
    db.session.commit()
    login_as("manager")
    response = client.post(f"/admin/webhooks/{endpoint.id}", data={
        "url": "http://[fd00::1]/in", "events": ["payout.paid"], "is_active": "y"})
    assert "fd00::1 is a private address" in url_error(response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(WebhookEndpoint, endpoint.id).url == "https://hooks.example.test/in"


def test_an_endpoint_whose_name_now_resolves_inside_can_still_be_switched_off(
        client, login_as, db, dns):
    dns.answers["hooks.example.test"] = ["93.184.215.14"]
    endpoint = webhooks.create_endpoint("https://hooks.example.test/in", ["*"], "", actor=SYSTEM,
                                        now=utcnow())
    db.session.commit()
    dns.answers["hooks.example.test"] = ["10.0.0.7"]
    login_as("manager")
    form = {"url": "https://hooks.example.test/in", "events": ["payout.paid"]}
    kept_on = client.post(f"/admin/webhooks/{endpoint.id}", data={**form, "is_active": "y"})
    assert "resolves to 10.0.0.7, a private address" in url_error(kept_on.get_data(as_text=True))
    switched_off = client.post(f"/admin/webhooks/{endpoint.id}", data=form)
    assert switched_off.status_code == 302
    db.session.rollback()
    assert db.session.get(WebhookEndpoint, endpoint.id).is_active is False


def test_a_name_that_does_not_resolve_yet_is_accepted(client, login_as, db, dns):
    login_as("manager")
    response = client.post("/admin/webhooks", data={
        "url": "https://hooks.not-live-yet.example/in", "events": ["payout.paid"]})
    assert response.status_code == 302
    assert endpoint_count(db) == 1


# --- when delivered ----------------------------------------------------------------------

def test_a_redirect_is_not_followed_and_is_a_failed_attempt(app, client, login_as, db, receiver, internal):
    endpoint = webhooks.create_endpoint(receiver.url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
    emit_one(db)
    receiver.status = 302
    receiver.headers = {"Location": f"http://127.0.0.1:{internal.port}/steal"}
    receiver.body = b"moved to the internal service"
    deliver(app)
    assert len(receiver.requests) == 1
    assert internal.requests == []
    delivery = the_delivery(db)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_outcome == "redirect" and delivery.last_status_code == 302
    login_as("manager")
    page = log_page(client, endpoint.id)
    assert "HTTP 302" in page and "Redirect not followed" in page
    assert "/steal" not in page and "moved to the internal service" not in page


@pytest.mark.parametrize("status", [301, 303, 307, 308])
def test_no_kind_of_redirect_is_followed(app, db, receiver, internal, status):
    webhooks.create_endpoint(receiver.url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
    emit_one(db)
    receiver.status = status
    receiver.headers = {"Location": f"http://127.0.0.1:{internal.port}/steal"}
    deliver(app)
    assert internal.requests == [] and the_delivery(db).last_outcome == "redirect"


def test_a_url_saved_before_the_guard_is_refused_at_delivery(app, client, login_as, db, internal):
    """An endpoint row that points inside the network (saved by an older version, or
    written to the database directly): nothing is sent, the log says why."""
    endpoint = WebhookEndpoint(url=f"http://127.0.0.1:{internal.port}/admin", events="*",
                               secrets=["whsec_x"], created_at=utcnow())
    db.session.add(endpoint)
    db.session.commit()
    emit_one(db)
    summary = deliver(app)
    assert internal.requests == []
    assert summary.retrying == 1
    delivery = the_delivery(db)
    assert delivery.last_outcome == "refused" and delivery.last_status_code is None
    assert delivery.last_response is None
    login_as("manager")
    page = log_page(client, endpoint.id)
    assert "Refused" in page and "127.0.0.1 is a loopback address" in page
    assert "internal secret" not in page


def receivers_on_one_port(app):
    """A receiver on 127.0.0.2 and an inside service on 127.0.0.1, on the same port (so a
    rebound name would reach the inside one through the URL's port)."""
    for _ in range(50):
        outside = Receiver()
        try:
            return outside, Receiver(host="127.0.0.1", port=outside.port)
        except OSError:  # that port is taken on 127.0.0.1: try another
            outside.close()
    raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")


def test_a_name_that_resolves_elsewhere_at_delivery_is_refused(app, client, login_as, db, dns):
    """DNS rebinding between the save and the delivery: checked again, nothing sent."""
    receiver, inside = receivers_on_one_port(app)
    try:
        with allow(app):
            dns.answers["hooks.rebind.test"] = ["127.0.0.2"]
            url = f"http://hooks.rebind.test:{receiver.port}/hooks"
            endpoint = webhooks.create_endpoint(url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
            emit_one(db)
            deliver(app)
            assert len(receiver.requests) == 1
            assert receiver.requests[0][0]["Host"] == f"hooks.rebind.test:{receiver.port}"
            dns.answers["hooks.rebind.test"] = ["127.0.0.1"]
            emit_one(db)
            deliver(app)
        assert len(receiver.requests) == 1 and inside.requests == []
        delivery = the_delivery(db)
        assert delivery.last_outcome == "refused" and delivery.status == "pending"
        login_as("manager")
        page = log_page(client, endpoint.id)
        assert "hooks.rebind.test resolves to 127.0.0.1, a loopback address" in page
    finally:
        receiver.close()
        inside.close()


def test_the_request_goes_to_the_address_that_was_checked(app, db, receiver, dns):
    """One lookup per attempt, and the connection is made to the address it returned: a
    DNS server answering the check with one address and the connection with another
    gets no say (the second answer here would be 127.0.0.1)."""
    dns.answers["hooks.pinned.test"] = [["127.0.0.2"], ["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1"]]
    webhooks.create_endpoint(f"http://hooks.pinned.test:{receiver.port}/hooks", ["payout.paid"], "",
                             actor=SYSTEM, now=utcnow())  # uses the first answer
    emit_one(db)
    deliver(app)  # the delivery's one lookup uses the second
    assert len(receiver.requests) == 1 and the_delivery(db).status == "delivered"
    assert dns.lookups == ["hooks.pinned.test", "hooks.pinned.test"]


def test_an_answer_mixing_an_allowed_and_a_private_address_is_refused(app, db, receiver, internal, dns):
    dns.answers["hooks.mixed.test"] = ["127.0.0.2"]
    webhooks.create_endpoint(f"http://hooks.mixed.test:{receiver.port}/hooks", ["payout.paid"], "",
                             actor=SYSTEM, now=utcnow())
    dns.answers["hooks.mixed.test"] = ["127.0.0.2", "127.0.0.1"]
    emit_one(db)
    deliver(app)
    assert receiver.requests == [] and internal.requests == []
    delivery = the_delivery(db)
    assert delivery.last_outcome == "refused"
    assert "127.0.0.1, a loopback address" in delivery.last_error


def test_what_a_non_public_target_answered_is_never_kept_or_shown(app, client, login_as, db, receiver):
    """Even an allowed receiver on a non-public address: its status is recorded, never
    its body."""
    endpoint = webhooks.create_endpoint(receiver.url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
    emit_one(db)
    receiver.status = 500
    receiver.body = b"Traceback: internal-db-password=hunter2"
    deliver(app)
    delivery = the_delivery(db)
    assert delivery.last_status_code == 500 and delivery.last_response is None
    login_as("manager")
    page = log_page(client, endpoint.id)
    assert "HTTP 500" in page and "hunter2" not in page


def test_a_receiver_that_never_finishes_answering_is_cut_off(app, db):
    """The whole attempt has one deadline, however slowly a receiver drips its answer."""
    stop = threading.Event()

    class Drip(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(0.05):
                try:
                    self.wfile.write(b"X")
                    self.wfile.flush()
                except OSError:
                    return

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((RECEIVER_HOST, 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with allow(app):
            webhooks.create_endpoint(f"http://{RECEIVER_HOST}:{server.server_address[1]}/",
                                     ["payout.paid"], "", actor=SYSTEM, now=utcnow())
            emit_one(db)
            deliver(app, timeout=0.5)
        delivery = the_delivery(db)
        assert delivery.last_outcome == "network_error" and delivery.status == "pending"
        assert "No response within 0.5 seconds" in delivery.last_error
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


# --- TLS: verified against the URL's host name, while connecting to the checked address ---

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    openssl = shutil.which("openssl")
    assert openssl, "the TLS tests need the openssl command (Debian package openssl)"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=hooks.tls.test", "-addext", "subjectAltName=DNS:hooks.tls.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture()
def tls_receiver(app, certificate):
    cert, key = certificate
    r = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    r.server.socket = context.wrap_socket(r.server.socket, server_side=True)
    with allow(app):
        yield r
    r.close()


@pytest.mark.parametrize("host, trusted, outcome, says", [
    ("hooks.tls.test", True, "delivered", None),
    ("other.tls.test", True, "network_error", "Hostname mismatch"),
    ("127.0.0.2", True, "network_error", "IP address mismatch"),
    ("hooks.tls.test", False, "network_error", "self-signed certificate"),
])
def test_tls_is_verified_against_the_host_name(app, db, dns, monkeypatch, certificate, tls_receiver,
                                               host, trusted, outcome, says):
    cert, _ = certificate
    dns.answers["hooks.tls.test"] = ["127.0.0.2"]
    dns.answers["other.tls.test"] = ["127.0.0.2"]
    if trusted:  # the test's certificate stands in for a public CA's
        monkeypatch.setattr(outgoing, "tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    webhooks.create_endpoint(f"https://{host}:{tls_receiver.port}/hooks", ["payout.paid"], "",
                             actor=SYSTEM, now=utcnow())
    emit_one(db)
    deliver(app)
    delivery = the_delivery(db)
    assert delivery.last_outcome == outcome, delivery.last_error
    if says:
        assert says.lower() in delivery.last_error.lower()
        assert tls_receiver.requests == []
    else:
        assert len(tls_receiver.requests) == 1
