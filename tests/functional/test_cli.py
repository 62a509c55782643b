"""The flask commands in the public contract."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from partner_portal.models import Click, Commission, Conversion, FraudCase, Offer, Partner, User


def test_create_admin_with_password_from_stdin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "Boss@Example.test", "--password-stdin"],
                           input="a-long-enough-secret\n")
    assert result.exit_code == 0, result.output
    assert "Created owner boss@example.test" in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.test"))
    assert user.role == "owner" and user.password_hash.startswith("$argon2id$")
    response = app.test_client().post("/login", data={"email": "boss@example.test",
                                                      "password": "a-long-enough-secret"})
    assert response.headers["Location"] == "/admin/"


def test_create_admin_refuses_a_duplicate_or_a_weak_password(app, db):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["users", "create-admin", "a@example.test", "--password-stdin"],
                       input="a-long-enough-secret\n")
    assert ok.exit_code == 0
    dup = runner.invoke(args=["users", "create-admin", "a@example.test", "--password-stdin"],
                        input="a-long-enough-secret\n")
    assert dup.exit_code != 0 and "already exists" in dup.output
    weak = runner.invoke(args=["users", "create-admin", "b@example.test", "--password-stdin"],
                         input="short\n")
    assert weak.exit_code != 0 and "password" in weak.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_admin_with_a_role(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "fin@example.test", "--role", "finance", "--password-stdin"],
        input="a-long-enough-secret\n")
    assert result.exit_code == 0
    assert db.session.scalar(select(User.role).where(User.email == "fin@example.test")) == "finance"


def _counts(db):
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Partner, Offer, Click, Conversion, Commission)}


def test_demo_seed_builds_a_believable_program_and_can_run_again(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--days", "20", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "owner@demo.test" in result.output and "partner@demo.test" in result.output
    first = _counts(db)
    statuses = set(db.session.scalars(select(Partner.status)))
    assert statuses == {"applied", "approved", "rejected", "suspended", "banned"}
    assert first["Partner"] >= 30 and first["Click"] > 1000 and first["Conversion"] > 20
    # every attributed conversion earned exactly one commission through the engine
    attributed = db.session.scalar(select(func.count()).select_from(Conversion)
                                   .where(Conversion.status == "attributed"))
    assert db.session.scalar(select(func.count()).select_from(Commission)
                             .where(Commission.kind == "conversion")) == attributed
    assert attributed > 20 and first["Commission"] >= attributed
    commission_statuses = set(db.session.scalars(select(Commission.status)))
    assert {"pending", "approved", "hold"} <= commission_statuses
    # Every commission on hold was held by the fraud screening: its case is in the review
    # queue, with its evidence.
    held = db.session.scalars(select(Commission).where(Commission.status == "hold")).all()
    cases = {c.conversion_id: c for c in db.session.scalars(
        select(FraudCase).where(FraudCase.status == "open", FraudCase.action == "hold"))}
    assert held and all(c.conversion_id in cases for c in held)
    assert all(case.evidence and case.summary for case in cases.values())

    db.session.commit()  # the command shares the test's session; end its read transaction
    again = runner.invoke(args=["demo", "seed", "--days", "20", "--quiet"])
    assert again.exit_code == 0, again.output
    assert _counts(db) == first

    # The demo logins work.
    client = app.test_client()
    assert client.post("/login", data={"email": "partner@demo.test",
                                       "password": "demo-password"}).headers["Location"] == "/partner/"
    page = client.get("/partner/").get_data(as_text=True)
    assert "Latest commissions" in page
    staff = app.test_client()
    staff.post("/login", data={"email": "manager@demo.test", "password": "demo-password"})
    queue = list(csv.reader(io.StringIO(
        staff.get("/admin/fraud?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {str(case.id) for case in cases.values()} <= {row[0] for row in queue[1:]}
