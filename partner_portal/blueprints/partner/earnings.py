"""The partner's conversions and commissions: list, filters, CSV."""

from __future__ import annotations

from flask import g, render_template, request

from ...models.commissions import COMMISSION_KINDS, COMMISSION_STATUSES
from ...services import earnings
from ...services.errors import ValidationError
from ...services.offset_paging import page_number, paginate
from ...services.program import program_zone
from ..csvutil import batched, csv_response
from . import bp


def _filters() -> tuple[earnings.Filters, str | None]:
    try:
        return earnings.Filters.from_args(request.args), None
    except ValidationError as exc:
        return earnings.Filters(), exc.message


@bp.app_template_filter("partner_status")
def partner_status(status: str) -> str:
    """A commission's status as partners read it (a hold is "Under review")."""
    return earnings.status_label(status)


@bp.app_template_global("partner_status_note")
def partner_status_note(status: str, status_reason: str | None) -> str | None:
    return earnings.status_note(status, status_reason)


@bp.route("/earnings")
def earnings_list():
    filters, error = _filters()
    page = paginate(earnings.statement(g.partner.id, filters, program_zone()),
                    page_number(request.args.get("page")))
    return render_template("partner/earnings.html", page=page, f=filters, error=error,
                           statuses=COMMISSION_STATUSES, kinds=COMMISSION_KINDS,
                           offers=earnings.offers_for(g.partner.id)), 200 if error is None else 422


@bp.route("/earnings.csv")
def earnings_csv():
    filters, _ = _filters()
    zone = program_zone()
    rows = batched(earnings.statement(g.partner.id, filters, zone))
    return csv_response("earnings.csv", earnings.CSV_HEADER,
                        (earnings.csv_row(c, zone) for c in rows))
