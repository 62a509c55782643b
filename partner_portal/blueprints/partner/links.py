"""The link builder: create tracking links, list them with their figures, QR codes."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from ...extensions import db
from ...models.base import utcnow
from ...services import link_builder
from ...services.errors import NotFound
from ...services.links import allowed_hosts
from ...services.offset_paging import page_number, paginate
from ...services.program import program_zone
from ..csvutil import csv_response
from ..forms import is_safe_next
from ..units import unit_of_work
from . import actor, bp
from .forms import LinkForm

STATS_DAYS = 30


def _link_form() -> LinkForm:
    form = LinkForm()
    form.offer_id.choices = [("", "Choose an offer…")] + [
        (str(o.id), o.name) for o in link_builder.available_offers(g.partner)]
    return form


def _own_link(link_id: int):
    try:
        return link_builder.get_link(g.partner, link_id)
    except NotFound:
        abort(404)


def _since():
    return (utcnow().astimezone(program_zone()) - timedelta(days=STATS_DAYS - 1)).date()


def _list_args() -> dict:
    args = {}
    if (offer := request.args.get("offer", "")).isascii() and offer.isdigit() and len(offer) <= 9:
        args["offer"] = int(request.args["offer"])
    if request.args.get("state") in ("active", "inactive"):
        args["state"] = request.args["state"]
    return args


def _statement(args: dict):
    state = args.get("state")
    return link_builder.links_statement(g.partner, offer_id=args.get("offer"),
                                        active=None if state is None else state == "active")


@bp.route("/links", methods=["GET", "POST"])
def links_page():
    form = _link_form()
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            built = link_builder.create_link(
                g.partner, form.offer_id.data, url=form.url.data,
                subs={k: getattr(form, k).data for k in link_builder.SUB_KEYS},
                actor=actor(), now=utcnow())
        if done:
            flash("Your link is ready." if built.created
                  else "You already have this link; here it is.", "success")
            if is_safe_next(form.next.data):
                return redirect(form.next.data)
            return redirect(url_for("partner.link_detail", link_id=built.link.id))
        else:
            status = 422
    elif form.is_submitted():
        status = 422
    args = _list_args()
    page = paginate(_statement(args), page_number(request.args.get("page")))
    figures = link_builder.figures_for(g.partner, [lk.id for lk in page.items], _since())
    offers = link_builder.available_offers(g.partner)
    return render_template("partner/links.html", form=form, page=page, figures=figures,
                           args=args, offers=offers,
                           hosts={o.id: sorted(allowed_hosts(o)) for o in offers},
                           stats_days=STATS_DAYS), status


@bp.route("/links.csv")
def links_csv():
    args = _list_args()
    links = list(db.session.scalars(_statement(args)))
    figures = link_builder.figures_for(g.partner, [lk.id for lk in links], _since())
    header = ["Link", "Offer", "Deep link", "Sub-ID 1", "Sub-ID 2", "Sub-ID 3", "Sub-ID 4",
              "Sub-ID 5", "Active", "Created", f"Clicks ({STATS_DAYS} days)",
              f"Conversions ({STATS_DAYS} days)", f"Earnings ({STATS_DAYS} days)", "Currency"]
    zone = program_zone()
    return csv_response("links.csv", header, (
        [link_builder.link_url(lk), lk.offer.name, lk.deep_link_url or "",
         *[getattr(lk, k) or "" for k in link_builder.SUB_KEYS], "yes" if lk.is_active else "no",
         lk.created_at.astimezone(zone).strftime("%Y-%m-%d"), figures[lk.id].clicks,
         figures[lk.id].conversions, figures[lk.id].commission, lk.offer.currency]
        for lk in links))


@bp.route("/links/<int:link_id>")
def link_detail(link_id: int):
    link = _own_link(link_id)
    figures = link_builder.figures_for(g.partner, [link.id], _since())[link.id]
    return render_template("partner/link.html", link=link, figures=figures,
                           url=link_builder.link_url(link),
                           stats_days=STATS_DAYS)


@bp.route("/links/<int:link_id>/qr.<kind>")
def link_qr(link_id: int, kind: str):
    if kind not in link_builder.QR_KINDS:
        abort(404)
    link = _own_link(link_id)
    image = link_builder.qr_code(link_builder.link_url(link), kind)
    response = Response(image, mimetype=link_builder.QR_KINDS[kind])
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="link-{link.code}.{kind}"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/links/<int:link_id>/<action>", methods=["POST"])
def link_toggle(link_id: int, action: str):
    from ..forms import ConfirmForm

    if action not in ("activate", "deactivate"):
        abort(404)
    _own_link(link_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            link_builder.set_active(g.partner, link_id, action == "activate", actor=actor(),
                                    now=utcnow())
        flash("The link works again." if action == "activate" else
              "The link is off: visitors who use it see a “link not found” page.", "success")
    return redirect(url_for("partner.link_detail", link_id=link_id))
