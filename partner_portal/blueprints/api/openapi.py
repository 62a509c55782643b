"""GET /api/v1/openapi.json: the OpenAPI 3.1 description, generated from the routes'
declarations (blueprints/api/spec.py) the first time it is asked for in a process."""

from __future__ import annotations

import copy
from functools import lru_cache

from flask import current_app, jsonify

from ... import public_urls
from ...services.api_keys import SCOPES
from . import bp
from .spec import PROBLEM_MEDIA_TYPE, spec

PDF = {"schema": {"type": "string", "contentMediaType": "application/pdf"}}


def _finish(document: dict, base_url: str) -> dict:
    """What spectree cannot say through models: problem responses are
    application/problem+json, the PDF route answers application/pdf, the server prefix."""
    doc = copy.deepcopy(document)
    produces = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        if getattr(view, "produces", None):
            produces[_openapi_path(rule.rule)] = view.produces
    for path, operations in doc.get("paths", {}).items():
        for op in operations.values():
            if not isinstance(op, dict):
                continue
            for code, response in op.get("responses", {}).items():
                content = response.get("content")
                if code.startswith(("4", "5")) and content and "application/json" in content:
                    response["content"] = {PROBLEM_MEDIA_TYPE: content["application/json"]}
                elif code == "200" and path in produces:
                    response["content"] = {produces[path]: PDF}
    doc["info"]["x-scopes"] = SCOPES
    doc["servers"] = [{"url": base_url}]
    return doc


def _openapi_path(rule: str) -> str:
    """/api/v1/statements/<int:statement_id>/pdf → /api/v1/statements/{statement_id}/pdf"""
    out, i = [], 0
    while i < len(rule):
        if rule[i] == "<":
            j = rule.index(">", i)
            out.append("{" + rule[i + 1:j].split(":")[-1] + "}")
            i = j + 1
        else:
            out.append(rule[i])
            i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _document(base_url: str) -> dict:
    return _finish(spec.spec, base_url)


@bp.get("/openapi.json")
def openapi():
    """Public: describes the API, holds no data."""
    return jsonify(_document(public_urls.base_url()))
