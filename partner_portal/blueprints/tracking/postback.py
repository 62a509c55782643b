"""GET /postback: the conversion API for systems that can only fire a URL.

Same semantics as POST /api/v1/conversions; the API key travels as `token=`. Use a key
made for this purpose: URLs end up in access logs.
"""

from __future__ import annotations

from flask import g, request

from ...extensions import db
from ...models.base import utcnow
from ...services import api_keys
from ..api.conversions import record
from ..api.problems import RequestProblem, from_domain_error, problem
from ..api.schemas import ConversionCreate
from ..api.spec import json_response, validated
from ..units import unit_of_work, writes
from . import bp

FIELDS = ("click_id", "order_id", "amount", "currency", "offer_id", "coupon_code", "partner_ref",
          "event", "customer_id", "occurred_at")


@bp.route("/postback")
@writes  # one write transaction from the key lookup on
def postback():
    key = api_keys.authenticate(request.args.get("token"), now=utcnow())
    if key is None:
        db.session.rollback()
        return problem(401, detail="Pass a valid API key as token=.", field="token")
    if not api_keys.allows(key, "conversions:write"):
        db.session.rollback()
        return problem(403, detail="This API key lacks the 'conversions:write' scope.",
                       field="token", required_scope="conversions:write")
    g.api_key = key
    data = {name: request.args[name] for name in FIELDS if name in request.args}
    try:
        report = validated(ConversionCreate, data)
    except RequestProblem as exc:
        return exc.response()
    with unit_of_work(hold=True) as done:
        response = json_response(*record(report))
    return response if done else from_domain_error(done.error)
