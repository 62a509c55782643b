"""A view's write runs in ``unit_of_work``: one commit on success, a rollback on failure,
and a domain error shown where that view shows errors (docs/architecture.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import get_flashed_messages
from wtforms import Form, StringField

from partner_portal.blueprints.units import unit_of_work
from partner_portal.services.errors import NotFound, ValidationError
from partner_portal.services.program import get_program


class NameForm(Form):
    name = StringField("Name")


@pytest.fixture()
def program(app, db):
    get_program().min_payout = Decimal("10")
    db.session.commit()
    with app.test_request_context("/", method="POST"):
        yield get_program()


def _stored_min_payout(db) -> Decimal:
    db.session.rollback()
    db.session.expire_all()
    return get_program().min_payout


def test_the_block_commits_once_when_it_ends(db, program):
    with unit_of_work() as done:
        program.min_payout = Decimal("25")
    assert done and done.ok and done.error is None
    assert _stored_min_payout(db) == Decimal("25")


def test_a_domain_error_rolls_back_and_lands_on_the_field_it_names(db, program):
    form = NameForm()
    with unit_of_work(form) as done:
        program.min_payout = Decimal("25")
        raise ValidationError("Pick another name.", field="name")
    assert not done and done.error.field == "name"
    assert form.name.errors == ["Pick another name."]
    assert _stored_min_payout(db) == Decimal("10")


def test_an_error_naming_no_field_is_an_error_of_the_whole_form(db, program):
    form = NameForm()
    with unit_of_work(form) as done:
        raise ValidationError("Nothing to save.")
    assert not done and form.form_errors == ["Nothing to save."] and not form.name.errors


def test_flash_error_flashes_the_message_or_what_the_formatter_makes_of_it(db, program):
    with unit_of_work(flash_error=True) as plain:
        program.min_payout = Decimal("25")
        raise NotFound("That row is gone.")
    with unit_of_work(flash_error=lambda exc: f"Refused: {exc.message}") as formatted:
        raise ValidationError("Too late.", field="when")
    assert not plain and not formatted
    assert get_flashed_messages(with_categories=True) == [
        ("error", "That row is gone."), ("error", "Refused: Too late.")]
    assert _stored_min_payout(db) == Decimal("10")


def test_hold_keeps_the_error_for_the_view_and_shows_nothing(db, program):
    with unit_of_work(hold=True) as done:
        raise ValidationError("Bad.", field="x")
    assert isinstance(done.error, ValidationError)
    assert get_flashed_messages() == []


def test_told_no_way_to_show_it_the_error_propagates_after_the_rollback(db, program):
    with pytest.raises(ValidationError):
        with unit_of_work():
            program.min_payout = Decimal("25")
            raise ValidationError("Bad.")
    assert _stored_min_payout(db) == Decimal("10")


def test_any_other_exception_rolls_back_and_propagates(db, program):
    form = NameForm()
    with pytest.raises(OSError):
        with unit_of_work(form, flash_error=True):
            program.min_payout = Decimal("25")
            raise OSError("disk full")
    assert not form.name.errors and get_flashed_messages() == []
    assert _stored_min_payout(db) == Decimal("10")
