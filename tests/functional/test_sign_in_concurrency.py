"""Sign-in throttling stays exact when attempts arrive in parallel, and sign-in is never a
500 while other requests write. Real threads, real test clients, the real database (a
SQLite file or PostgreSQL, whichever the suite runs on)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit

from ..factories import LinkFactory, OfferFactory, PartnerFactory
from ..support import DEFAULT_PASSWORD, login
from ..support.conversions import no_errors
from ..support.sign_in_attempts import PARALLEL, enable_two_factor, in_parallel, next_code, window_passes


def address(i: int) -> dict:
    return {"REMOTE_ADDR": f"198.51.100.{i + 1}"}


def test_parallel_wrong_passwords_get_exactly_the_accounts_limit(app, db, make_user):
    email = make_user("manager").email
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    # Each guess from its own address: only the account's limit can stop them.
    clients = [app.test_client() for _ in range(PARALLEL)]
    statuses = in_parallel(clients, lambda i, c: c.post(
        "/login", data={"email": email, "password": "wrong-password"},
        environ_base=address(i)).status_code)
    no_errors(statuses)
    assert sorted(statuses) == [401] * limit + [429] * (PARALLEL - limit)
    # The right password is refused too, from anywhere, until the window has passed.
    refused = app.test_client().post("/login", data={"email": email, "password": DEFAULT_PASSWORD},
                                     environ_base=address(250))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_SECONDS"]
    window_passes(app, db)
    assert login(app.test_client(), email).status_code == 302


def test_parallel_wrong_passwords_from_one_address_get_exactly_its_limit(app, db, make_user):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    assert limit < PARALLEL
    victim = make_user("manager")
    # One guess per account (never an account's limit), all from the same address.
    clients = [app.test_client() for _ in range(PARALLEL)]
    statuses = in_parallel(clients, lambda i, c: c.post(
        "/login", data={"email": f"guess-{i}@example.test", "password": "wrong-password"}
    ).status_code)
    no_errors(statuses)
    assert sorted(statuses) == [401] * limit + [429] * (PARALLEL - limit)
    assert login(app.test_client(), victim.email).status_code == 429
    window_passes(app, db)
    assert login(app.test_client(), victim.email).status_code == 302


def test_parallel_wrong_codes_get_exactly_the_accounts_limit(app, db, client, login_as):
    user = login_as("manager")
    secret, _ = enable_two_factor(client, db, user)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    clients = [app.test_client() for _ in range(PARALLEL)]
    for c in clients:  # each has passed the password step
        assert login(c, user.email).headers["Location"] == "/login/2fa"
    statuses = in_parallel(clients, lambda i, c: c.post(
        "/login/2fa", data={"code": "000000"}).status_code)
    no_errors(statuses)
    assert sorted(statuses) == [401] * limit + [429] * (PARALLEL - limit)
    # A right code is refused too while the account is throttled.
    assert clients[0].post("/login/2fa", data={"code": next_code(secret)}).status_code == 429
    assert clients[0].get("/admin/").status_code == 302
    window_passes(app, db)
    ok = clients[1].post("/login/2fa", data={"code": next_code(secret)})
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/"


def test_a_code_used_by_parallel_requests_signs_in_once(app, db, client, login_as):
    user = login_as("manager")
    secret, _ = enable_two_factor(client, db, user)
    clients = [app.test_client() for _ in range(10)]
    for c in clients:
        login(c, user.email)
    code = next_code(secret)
    statuses = in_parallel(clients, lambda i, c: c.post("/login/2fa", data={"code": code}).status_code)
    no_errors(statuses)
    # The first to be checked signs in; each later one is a failed guess, so past the
    # account's limit they are throttled.
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    assert sorted(statuses) == [302] + [401] * limit + [429] * (9 - limit)


# --- no 500 under load on SQLite ---------------------------------------------------------

def _conversion_writer(app, stop: threading.Event, out: list):
    offer = OfferFactory(default_commission_kind="percent", default_commission_value=Decimal("10"))
    partner = PartnerFactory(status="approved")
    LinkFactory(offer=offer, partner=partner)
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    ref, currency = partner.ref, offer.currency

    def run():
        n, c = 0, app.test_client()
        while not stop.is_set():
            n += 1
            try:
                response = c.post("/api/v1/conversions", headers={"Authorization": f"Bearer {plain}"},
                                  json={"order_id": f"LOAD-{n}", "amount": "20.00",
                                        "currency": currency, "partner_ref": ref})
                out.append(response.status_code)
            except Exception as exc:
                out.append(exc)

    return run


def test_sign_in_is_never_a_500_while_conversions_are_written(app, db, make_user):
    """Every write of signing in (the attempt, the last sign-in, the 2FA step, signing out)
    runs in a transaction that holds the write lock from its first read, so a writer
    committing in between cannot make it fail."""
    threads, rounds = 8, 4
    users = [make_user("manager") for _ in range(threads)]
    secrets: dict[int, str] = {}
    for i in range(0, threads, 2):  # every other user signs in with a code too
        c = app.test_client()
        login(c, users[i].email)
        secrets[i], _ = enable_two_factor(c, db, users[i])
        c.post("/logout")
    emails = [u.email for u in users]
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_conversion_writer(app, stop, written))
    db.session.commit()
    writer.start()
    time.sleep(0.2)  # the writer is busy before the sign-ins begin

    def sign_in(i, c):
        seen, env = [], address(i)
        for round_ in range(rounds):
            seen.append(c.post("/login", data={"email": emails[i], "password": "not-the-password"},
                               environ_base=env).status_code)
            response = c.post("/login", data={"email": emails[i], "password": DEFAULT_PASSWORD},
                              environ_base=env)
            seen.append(response.status_code)
            if i in secrets and round_ == 0:  # a code works once: one full 2FA sign-in
                seen.append(c.post("/login/2fa", data={"code": "000000"},
                                   environ_base=env).status_code)
                seen.append(c.post("/login/2fa", data={"code": next_code(secrets[i])},
                                   environ_base=env).status_code)
            seen.append(c.get("/admin/", environ_base=env).status_code)
            seen.append(c.post("/logout", environ_base=env).status_code)
        return seen

    try:
        results = in_parallel([app.test_client() for _ in range(threads)], sign_in)
    finally:
        stop.set()
        writer.join(30)
    no_errors(results)
    no_errors(written)
    statuses = [s for seen in results for s in seen]
    assert set(statuses) <= {200, 302, 401}, sorted(set(statuses))
    # Every round of the users without 2FA, and the 2FA users' first, ended signed in.
    assert statuses.count(200) == (threads // 2) * rounds + threads // 2
    assert written and set(written) == {201}
