"""Every request body is limited (MAX_CONTENT_LENGTH), chunked ones too: a 200 MB body is
refused with 413 after the limit, not read to its end. Over a real HTTP server, through a
socket, as an attacker would send it."""

from __future__ import annotations

import http.client
import io
import os
import select
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import select as sql_select

from partner_portal.models import Creative
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit

from ..factories import LinkFactory, OfferFactory
from ..support import login

MB = 1024 * 1024
HOSTILE_BODY = 200 * MB
# What may have gone out before the answer: the limit (3 MB by default) plus what the
# kernel's socket buffers on both sides hold. Far below the 200 MB sent otherwise.
SENT_BEFORE_ANSWER = 48 * MB


def send_chunked(server, method: str, path: str, total: int, headers: dict,
                 first: bytes = b"") -> tuple[int, int]:
    """Stream ``total`` bytes as ``Transfer-Encoding: chunked`` (no Content-Length), and
    stop as soon as the server answers. Returns (status, bytes of body sent by then)."""
    port = urlsplit(server.url).port
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
            "Transfer-Encoding: chunked", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    piece = first + b"a" * (64 * 1024 - len(first))
    pending, sent, answer = b"%x\r\n%s\r\n" % (len(piece), piece), 0, b""
    filler = b"%x\r\n%s\r\n" % (64 * 1024, b"a" * (64 * 1024))
    sock.setblocking(False)
    try:
        while b"\r\n" not in answer:
            if not pending and sent < total:
                pending = filler
            elif not pending:
                pending = b"0\r\n\r\n"
                sent += 1  # the end marker; only sent when the server waited for it all
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 60)
            assert readable or writable, "the server neither answered nor read"
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                if not data:
                    break
                answer += data
                continue
            try:
                written = sock.send(pending)
            except (BrokenPipeError, ConnectionResetError):
                continue  # closed on us: read what it said
            pending = pending[written:]
            if not pending and sent < total:
                sent += 64 * 1024
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1."), answer[:200]
    return int(answer.split()[1]), sent


@pytest.fixture()
def bearer(db):
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.slow
def test_a_200_mb_chunked_body_to_login_is_refused_without_being_read(app, live_server):
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["CREATIVE_MAX_BYTES"] + MB
    status, sent = send_chunked(live_server, "POST", "/login", HOSTILE_BODY,
                                {"Content-Type": "application/x-www-form-urlencoded"},
                                first=b"email=a%40example.com&password=")
    assert status == 413
    assert sent < SENT_BEFORE_ANSWER, f"{sent / MB:.0f} MB read before the answer"


@pytest.mark.slow
@pytest.mark.parametrize("method, path, content_type, statuses", [
    ("POST", "/api/v1/conversions", "application/json", {413}),
    ("POST", "/apply", "application/x-www-form-urlencoded", {413}),
    ("POST", "/password/forgot", "multipart/form-data; boundary=x", {413}),
    # The postback and the click path take no body: they answer without reading one.
    ("GET", "/postback?order_id=1&amount=1&currency=USD&token=nope", "text/plain", {401}),
    ("GET", "/r/bodyless", "text/plain", {302}),
])
def test_no_route_reads_a_hostile_chunked_body(app, db, live_server, bearer, method, path,
                                               content_type, statuses):
    LinkFactory(code="bodyless", offer=OfferFactory())
    db.session.commit()
    headers = {"Content-Type": content_type, **(bearer if path.startswith("/api/") else {})}
    status, sent = send_chunked(live_server, method, path, HOSTILE_BODY, headers,
                                first=b'{"order_id": "' if "json" in content_type else b"")
    assert status in statuses
    assert sent < SENT_BEFORE_ANSWER, f"{sent / MB:.0f} MB read before the answer"


def test_a_declared_length_over_the_limit_is_refused_before_the_body(live_server):
    port = urlsplit(live_server.url).port
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall((f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      f"Content-Length: {HOSTILE_BODY}\r\n\r\nemail=").encode())
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")


def test_an_api_body_over_the_limit_gets_a_problem_document(app, client, db, bearer):
    response = client.post("/api/v1/conversions", headers=bearer, content_type="application/json",
                           data=b'{"order_id": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}')
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def multipart(fields: dict, file_field: str, filename: str, data: bytes, content_type: str):
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n".encode())
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
               f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode())
    body.write(data + f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.slow
def test_a_banner_near_the_upload_limit_still_uploads(app, client, db, live_server, make_user,
                                                       tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", tmp_path / "creatives")
    offer = OfferFactory()
    manager = make_user("manager")
    db.session.commit()
    assert login(client, manager.email).status_code == 302
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    picture = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(picture, format="PNG")
    png = picture.getvalue()
    assert 1.8 * MB < len(png) <= app.config["CREATIVE_MAX_BYTES"]
    body, content_type = multipart({"offer_id": offer.id, "name": "Big banner",
                                    "alt_text": "Big"}, "file", "big.png", png, "image/png")
    port = urlsplit(live_server.url).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/admin/creatives/new/banner", body=body, headers={
        "Content-Type": content_type, "Cookie": f"{cookie.key}={cookie.value}"})
    response = connection.getresponse()
    assert response.status == 302, response.read()[:500]
    connection.close()
    db.session.rollback()
    creative = db.session.scalar(sql_select(Creative))
    assert (creative.name, creative.file_size, creative.width) == ("Big banner", len(png), 800)


def test_a_limit_too_small_for_a_banner_stops_the_start(app, tmp_path):
    from config import ConfigurationError
    from partner_portal import create_app

    with pytest.raises(ConfigurationError, match="MAX_CONTENT_LENGTH"):
        create_app("testing", INSTANCE_DIR=tmp_path, MAX_CONTENT_LENGTH=MB,
                   CREATIVE_MAX_BYTES=2 * MB)
    roomy = create_app("testing", INSTANCE_DIR=tmp_path, MAX_CONTENT_LENGTH=8 * MB,
                       CREATIVE_MAX_BYTES=2 * MB)
    assert roomy.config["MAX_CONTENT_LENGTH"] == 8 * MB
