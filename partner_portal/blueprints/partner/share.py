"""Sharing: the referral link and tracking links, with share buttons and a message."""

from __future__ import annotations

from flask import abort, g, render_template, request

from ...extensions import db
from ...services import coupons, link_builder, referrals, sharing
from ...services.errors import ValidationError
from ...services.program import get_program
from . import bp
from .forms import ShareForm


@bp.route("/share")
def share_page():
    partner, program = g.partner, get_program()
    links = list(db.session.scalars(link_builder.links_statement(partner, active=True).limit(200)))
    form = ShareForm(request.args)
    form.what.choices = [("referral", "My referral link (invite new partners)")] + [
        (f"link-{lk.id}", f"{lk.offer.name} · /r/{lk.code}" + (f" · {lk.sub1}" if lk.sub1 else ""))
        for lk in links]
    what = request.args.get("what") or "referral"
    if what == "referral":
        url = referrals.recruitment_url(partner)
        subject = f"Join me in the {program.name} partner program"
        default = sharing.default_message(program.name, recruiting=True)
    else:
        link = next((lk for lk in links if f"link-{lk.id}" == what), None)
        if link is None:
            abort(404)
        url = link_builder.link_url(link)
        subject = link.offer.name
        default = sharing.default_message(program.name, recruiting=False,
                                          offer_name=link.offer.name)
    form.what.data = what
    status = 200
    try:
        message = sharing.clean_message(request.args["message"]) if "message" in request.args \
            else default
    except ValidationError as exc:
        form.message.errors = [exc.message]
        message, status = default, 422
    form.message.data = message
    return render_template("partner/share.html", form=form, url=url, message=message,
                           subject=subject, targets=sharing.share_links(message, url, subject),
                           recruiting=what == "referral",
                           coupons=[c for c in coupons.for_partner(partner.id) if c.is_active]), status
