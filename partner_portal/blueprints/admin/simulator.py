"""The commission simulator: the engine's answer for a partner, offer and sale."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from ...extensions import db
from ...models import Offer
from ...models.base import utcnow
from ...services import commission_plans
from ...services.errors import DomainError, ValidationError
from ...services.simulator import simulate
from ..forms import apply_error
from . import bp
from .commission_forms import SimulatorForm
from .offer_forms import options


@bp.route("/commissions/simulator")
def simulator():
    form = SimulatorForm(request.args)
    offers = list(db.session.scalars(select(Offer).order_by(Offer.name)))
    form.offer.choices = options((o.id, f"{o.name} ({o.currency})") for o in offers)
    result, status = None, 200
    if request.args.get("partner") is not None:
        offer = db.session.get(Offer, form.offer.data) if form.offer.data else None
        try:
            if offer is None:
                raise ValidationError("Choose an offer.", field="offer")
            partner = commission_plans.find_partner(form.partner.data)
            result = simulate(offer, partner, event=form.event.data, amount=form.amount.data,
                              days_after_click=form.days.data, months_since_first=form.months.data,
                              now=utcnow())
        except DomainError as exc:
            apply_error(form, exc)
            status = 422
    return render_template("admin/commissions/simulator.html", form=form, result=result), status
