"""A partner's monthly statements: list by month, download their own PDF, and whether the
statement is emailed to them."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ...services.errors import NotFound
from ...services.statements import outbox, store
from ..units import unit_of_work
from . import bp


class StatementEmailForm(FlaskForm):
    statement_emails = BooleanField("Email me my statement each month, with the PDF attached")


@bp.route("/statements", methods=["GET", "POST"])
def statements():
    partner = g.partner
    form = StatementEmailForm(obj=partner)
    if form.validate_on_submit():
        with unit_of_work():
            outbox.set_preference(partner.id, bool(form.statement_emails.data))
        flash("Your statement email preference is saved.", "success")
        return redirect(url_for("partner.statements"))
    return render_template("partner/statements.html", partner=partner, form=form,
                           statements=store.for_partner(partner.id))


@bp.route("/statements/<int:statement_id>.pdf")
def statement_pdf(statement_id: int):
    try:
        statement = store.get(statement_id, partner_id=g.partner.id)
    except NotFound:
        abort(404)
    if not statement.is_current:
        abort(404)
    return Response(statement.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{statement.filename}"',
        "Cache-Control": "private, no-store"})
