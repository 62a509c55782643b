"""Creative assets for partners: browse by offer and size, preview, download, copy a ready
snippet with their own tracking link inside."""

from __future__ import annotations

from flask import abort, current_app, g, render_template, request, send_file

from ...models.base import utcnow
from ...public_urls import public_url
from ...services import creatives, getting_started, link_builder
from ...services.creative_files import stored_path
from ...services.errors import NotFound
from ...services.locking import begin_write_after_reads
from ...services.offset_paging import page_number, paginate
from ..units import unit_of_work
from . import bp

PER_PAGE = 12


def _offer_ids() -> list[int]:
    return [o.id for o in link_builder.available_offers(g.partner)]


def _usable(creative_id: int):
    try:
        return creatives.for_partner(creative_id, _offer_ids())
    except NotFound:
        abort(404)


def _note_taken() -> None:
    """The first creative a partner opens or downloads ticks "grab a banner" on their
    getting-started list (one write, the first time only)."""
    if g.partner.first_creative_at is None:
        with unit_of_work():
            begin_write_after_reads()  # a GET: its reads so far need no lock
            getting_started.creative_taken(g.partner.id, now=utcnow())


def _image_url(creative) -> str | None:
    if creative.kind != "banner":
        return None
    return public_url("public.creative_file", file_name=creative.file_name)


def _prepared(creative, link=None) -> dict:
    """What the page shows for one creative: the link it uses and the snippet."""
    link = link or link_builder.default_link(g.partner, creative.offer_id)
    if link is None:
        return {"creative": creative, "link": None, "snippet": None}
    url = link_builder.link_url(link)
    return {"creative": creative, "link": link,
            "snippet": creatives.snippet(creative, url, _image_url(creative))}


@bp.route("/creatives")
def creatives_page():
    filters = creatives.Filters.from_args(request.args)
    offers = link_builder.available_offers(g.partner)
    offer_ids = [o.id for o in offers]
    page = paginate(creatives.statement(filters, offer_ids=offer_ids),
                    page_number(request.args.get("page")), per_page=PER_PAGE)
    return render_template("partner/creatives.html", page=page, f=filters,
                           items=[_prepared(c) for c in page.items], offers=offers,
                           sizes=creatives.banner_sizes(offer_ids), kinds=creatives.KINDS)


@bp.route("/creatives/<int:creative_id>")
def creative_detail(creative_id: int):
    creative = _usable(creative_id)
    options = link_builder.links_for_offer(g.partner, creative.offer_id)
    chosen = None
    if (link := request.args.get("link", "")).isascii() and link.isdigit():
        chosen = next((lk for lk in options if lk.id == int(request.args["link"])), None)
        if chosen is None:
            abort(404)
    _note_taken()
    return render_template("partner/creative.html", links=options, **_prepared(creative, chosen))


def _send(creative_id: int, as_attachment: bool):
    creative = _usable(creative_id)
    path = stored_path(creative.file_name, current_app.config["CREATIVES_DIR"])
    if creative.kind != "banner" or path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=creative.content_type, as_attachment=as_attachment,
                         download_name=f"{creative.offer.name}-{creative.name}-{creative.size}"
                                       f".{creative.extension}".replace("/", "-"),
                         max_age=3600, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/creatives/<int:creative_id>/image")
def creative_image(creative_id: int):
    return _send(creative_id, as_attachment=False)


@bp.route("/creatives/<int:creative_id>/download")
def creative_download(creative_id: int):
    response = _send(creative_id, as_attachment=True)
    _note_taken()
    return response
