"""Managers' creative assets: upload banners, write text links, email copy and social
posts per offer, archive them."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for

from ...extensions import db
from ...models import Offer
from ...models.base import utcnow
from ...services import creatives
from ...services.creative_files import human_size, stored_path
from ...services.errors import NotFound
from ...services.offset_paging import page_number, paginate
from ..forms import ConfirmForm, is_safe_next
from ..units import unit_of_work
from . import bp
from .portal_forms import CreativeForm
from .views import actor

# Room for the rest of a multipart form around the file.
FORM_OVERHEAD = 64 * 1024


def _offer_choices():
    from sqlalchemy import select

    offers = db.session.scalars(select(Offer).order_by(Offer.name))
    return [("", "Choose an offer…")] + [
        (str(o.id), o.name + ("" if o.status == "active" else f" ({o.status})")) for o in offers]


def _form(spec, **kwargs) -> CreativeForm:
    form = CreativeForm(**kwargs)
    form.offer_id.choices = _offer_choices()
    form.body.label.text = spec.body_label
    return form


def _get(creative_id: int):
    try:
        return creatives.get(creative_id)
    except NotFound:
        abort(404)


@bp.route("/creatives")
def creatives_index():
    filters = creatives.Filters.from_args(request.args)
    page = paginate(creatives.statement(filters), page_number(request.args.get("page")))
    return render_template("admin/creatives.html", page=page, f=filters, kinds=creatives.KINDS,
                           offers=_offer_choices()[1:], action_form=ConfirmForm())


@bp.route("/creatives/new/<kind>", methods=["GET", "POST"])
def creative_new(kind: str):
    spec = creatives.KINDS.get(kind)
    if spec is None:
        abort(404)
    cfg = current_app.config
    limit = cfg["CREATIVE_MAX_BYTES"]
    if request.method == "POST" and (request.content_length or 0) > limit + FORM_OVERHEAD:
        # Refuse before reading the body into memory or a temporary file.
        form = _form(spec, formdata=None)
        form.file.errors = [f"The file is larger than {human_size(limit)}."]
        return render_template("admin/creative_form.html", form=form, spec=spec,
                               creative=None, limit=human_size(limit)), 413
    form = _form(spec, offer_id=request.args.get("offer", ""))
    status = 200
    if form.validate_on_submit():
        upload = None
        if spec.has_file:
            data = form.file.data.read(limit + 1) if form.file.data else b""
            upload = creatives.Upload(data, cfg["CREATIVES_DIR"], limit, cfg["CREATIVE_MAX_SIDE"])
        with unit_of_work(form) as done:
            creative = creatives.create(kind, form.offer_id.data, form.name.data,
                                        body=form.body.data, subject=form.subject.data,
                                        alt_text=form.alt_text.data, upload=upload,
                                        actor=actor(), now=utcnow())
        if done:
            flash(f"{spec.label} “{creative.name}” is published to partners.", "success")
            return redirect(url_for("admin.creatives_index", offer=creative.offer_id))
        else:
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("admin/creative_form.html", form=form, spec=spec, creative=None,
                           limit=human_size(limit)), status


@bp.route("/creatives/<int:creative_id>", methods=["GET", "POST"])
def creative_edit(creative_id: int):
    creative = _get(creative_id)
    spec = creatives.KINDS[creative.kind]
    form = _form(spec, obj=creative)
    if request.method == "GET":
        form.offer_id.data = str(creative.offer_id)
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            creatives.update(creative_id, form.offer_id.data, form.name.data, body=form.body.data,
                             subject=form.subject.data, alt_text=form.alt_text.data,
                             actor=actor(), now=utcnow())
        if done:
            flash("Saved.", "success")
            return redirect(url_for("admin.creatives_index", offer=form.offer_id.data))
        else:
            creative = _get(creative_id)
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("admin/creative_form.html", form=form, spec=spec, creative=creative,
                           limit=None, action_form=ConfirmForm()), status


@bp.route("/creatives/<int:creative_id>/<action>", methods=["POST"])
def creative_archive(creative_id: int, action: str):
    if action not in ("archive", "restore"):
        abort(404)
    _get(creative_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work(flash_error=True) as done:
            creative = creatives.set_archived(creative_id, action == "archive", actor=actor(),
                                              now=utcnow())
        if done:
            now_is = ("archived: partners no longer see it" if action == "archive"
                      else "back in the partners’ library")
            flash(f"“{creative.name}” is {now_is}.", "success")
    back = request.form.get("next")
    return redirect(back if is_safe_next(back) else url_for("admin.creatives_index"))


@bp.route("/creatives/<int:creative_id>/image")
def creative_admin_image(creative_id: int):
    creative = _get(creative_id)
    path = stored_path(creative.file_name, current_app.config["CREATIVES_DIR"])
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=creative.content_type, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
