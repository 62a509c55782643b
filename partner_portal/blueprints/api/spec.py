"""The API's declarations: one ``operation`` decorator per route gives its scope, rate
limit and models; spectree validates requests and responses against those models and
generates the OpenAPI 3.1 description from them."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from flask import current_app, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from spectree.plugins.flask_plugin import FlaskPlugin

from ... import __version__
from .problems import RequestProblem
from .schemas import Problem, ValidationProblem

# The description spectree generates is completed here: the problem responses' media type
# and the non-JSON responses (PDF) are not expressible through its models.
PROBLEM_MEDIA_TYPE = "application/problem+json"
ModelT = TypeVar("ModelT", bound=BaseModel)


def _field_of(location: tuple) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "__root__")]
    return ".".join(parts) or "body"


def _message(error: dict) -> str:
    return str(error.get("msg", "Invalid.")).removeprefix("Value error, ")


def invalid(error: PydanticValidationError) -> RequestProblem:
    """The 422 problem for input that fails its model: ``field`` names the first field at
    fault, ``errors`` lists every one."""
    errors = [{"field": _field_of(tuple(e.get("loc", ()))), "detail": _message(e)}
              for e in error.errors()]
    first = errors[0]
    return RequestProblem(422, f"{first['field']}: {first['detail']}.", field=first["field"],
                          errors=errors)


def validated(model: type[ModelT], data: Any) -> ModelT:
    """``data`` read through ``model``, for input that does not come through an
    ``operation`` (the postback's query string)."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as error:
        raise invalid(error) from None


def _reject_invalid(req, resp, req_validation_error, instance, model_adapter) -> None:
    """Turn a failed validation into our problem document (400 for a body that is not
    JSON, 422 naming the first field at fault and listing every other one)."""
    if req.method in ("POST", "PUT", "PATCH") and req.get_data(cache=True):
        if req.get_json(silent=True) is None:
            raise RequestProblem(400, "Send a JSON object with Content-Type: application/json.",
                                 field="body")
    if req_validation_error is None:
        return
    raise invalid(req_validation_error)


class ResponseCheckingPlugin(FlaskPlugin):
    """Responses are checked against their models. Under test a mismatch is the 500 it
    should be; in production the work is already committed, so the caller gets the real
    answer and the mismatch is logged as an error instead."""

    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):
        response, error = super().validate_response(resp, resp_model, skip_validation,
                                                    force_resp_serialize)
        if error is not None and not current_app.testing:
            current_app.logger.error("API response does not match its model (%s %s): %s",
                                     request.method, request.path, error)
            response, _ = super().validate_response(resp, resp_model, True,
                                                    force_resp_serialize)
            return response, None
        return response, error


spec = SpecTree(
    "flask",
    backend=ResponseCheckingPlugin,
    title="partner-portal API",
    version=__version__,
    description=("Report conversions and refunds, manage partners, offers, caps and links, "
                 "and read commissions, payouts, statements and statistics. Authenticate "
                 "with `Authorization: Bearer <api key>`; each operation names the key "
                 "scope it needs. Money travels as strings with the currency's decimals. "
                 "Lists page with an opaque `cursor`: pass `next_cursor` back until it is "
                 "null."),
    path="apidoc",  # spectree's own pages are not served; see openapi.py
    mode="strict",
    before=_reject_invalid,
    validation_error_status=422,
    validation_error_model=ValidationProblem,
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(
        type="http", scheme="bearer", description="An API key from Admin → API keys."))],
    security={"bearer": []},
    annotations=False,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

# Any request may be refused as malformed (400: a NUL byte, a body that is not JSON),
# unauthenticated (401), out of the key's scopes (403) or over its rate limit (429).
STANDARD_ERRORS = {"HTTP_400": Problem, "HTTP_401": Problem, "HTTP_403": Problem,
                   "HTTP_429": Problem}


def operation(scope: str, *, tags: tuple[str, ...], query=None, json=None,
              ok: dict[str, Any], not_found: bool = False, conflict: bool = False,
              ingest: bool = False, produces: str | None = None, body_required: bool = False):
    """Declare an API route: the key scope it needs, its models and its responses; the
    models validate the request and the response. ``body_required``: a request without a
    JSON body is a 400 (not a body with every field missing)."""
    from . import rate_limited

    responses = dict(ok)
    responses.update(STANDARD_ERRORS)
    if not_found:
        responses["HTTP_404"] = Problem
    if conflict:
        responses["HTTP_409"] = Problem

    def wrap(view):
        view.__doc__ = f"{(view.__doc__ or '').strip()}\n\nScope: `{scope}`."
        validated = spec.validate(query=query, json=json, resp=Response(**responses),
                                  tags=list(tags), operation_id=view.__name__)(view)
        if body_required:
            validated = _json_required(validated)
        validated.required_scope = scope
        # What the route validates with, read by the test that holds the description to it.
        validated.api_models = {"query": query, "json": json, "responses": responses}
        validated.produces = produces
        return rate_limited(validated, "ingest" if ingest else "default")

    return wrap


def _json_required(view):
    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.get_json(silent=True) is None:
            raise RequestProblem(400, "Send a JSON object with Content-Type: application/json.",
                                 field="body")
        return view(*args, **kwargs)

    return checked


def json_response(out: BaseModel, status: int = 200):
    """A model as a JSON response, for a route outside ``operation`` (the postback)."""
    return current_app.response_class(out.model_dump_json(), status=status,
                                      mimetype="application/json")


def current_query():
    return request.context.query


def current_json():
    return request.context.json
