"""/api/v1/openapi.json describes the models the routes validate with: every route is
declared with ``operation`` (so its input and output go through its models), and the
description lists exactly those models for its query, body and responses. The
conversion schema says what the conversion API accepts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from partner_portal.blueprints.api.openapi import _openapi_path
from partner_portal.models.base import utcnow

from ..support.conversions import api_shop


def _ref(content: dict) -> str | None:
    schema = next(iter(content.values()))["schema"]
    return schema.get("$ref", "").rsplit("/", 1)[-1] or None


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method.lower(), app.view_functions[rule.endpoint]


def test_every_route_is_described_by_the_models_it_validates_with(app, client):
    doc = client.get("/api/v1/openapi.json").json
    routes = list(_api_routes(app))
    assert len(routes) >= 18
    for rule, method, view in routes:
        where = f"{method.upper()} {rule.rule}"
        models = getattr(view, "api_models", None)
        assert models is not None, f"{where} is not declared with operation()"
        op = doc["paths"][_openapi_path(rule.rule)][method]
        body = models["json"]
        if body is None:
            assert "requestBody" not in op, where
        else:
            assert _ref(op["requestBody"]["content"]) == body.__name__, where
            described = doc["components"]["schemas"][body.__name__]
            assert set(described["properties"]) == set(body.model_fields), where
        query = models["query"]
        described_query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert described_query == (set(query.model_fields) if query else set()), where
        for key, model in models["responses"].items():
            code = key.removeprefix("HTTP_")
            assert code in op["responses"], (where, code)
            if model is not None:
                assert _ref(op["responses"][code]["content"]) == model.__name__, (where, code)


def test_the_conversion_schema_says_what_the_api_accepts(client):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["ConversionCreate"]
    fields = schema["properties"]
    assert fields["order_id"]["maxLength"] == 128
    assert "clicked_at" in fields
    # every field docs/integration.md documents
    assert {"order_id", "amount", "currency", "click_id", "coupon_code", "partner_ref",
            "offer_id", "event", "customer_id", "occurred_at"} <= set(fields)
    assert set(schema["required"]) == {"order_id", "amount", "currency"}


@pytest.fixture()
def shop(app, db):
    return api_shop(app)


def test_an_order_id_of_128_characters_is_taken_and_129_refused(client, shop):
    def report(order_id):
        return client.post("/api/v1/conversions", headers=shop["auth"], json={
            "order_id": order_id, "amount": "10.00", "currency": "USD",
            "click_id": shop["click_id"]})

    assert report("x" * 128).status_code == 201
    refused = report("y" * 129)
    assert refused.status_code == 422 and refused.json["field"] == "order_id"


def test_clicked_at_is_read_and_a_bare_number_is_refused(client, shop):
    base = {"order_id": "CA-1", "amount": "10.00", "currency": "USD", "click_id": shop["click_id"]}
    bad = client.post("/api/v1/conversions", headers=shop["auth"],
                      json={**base, "clicked_at": 1700000000})
    assert bad.status_code == 422 and bad.json["field"] == "clicked_at"
    good = client.post("/api/v1/conversions", headers=shop["auth"],
                       json={**base, "clicked_at": (utcnow() - timedelta(hours=1)).isoformat()})
    assert good.status_code == 201, good.json


def test_a_conversion_request_without_a_body_is_400_and_an_empty_object_422(client, shop):
    empty = client.post("/api/v1/conversions", headers=shop["auth"])
    assert empty.status_code == 400 and empty.json["field"] == "body"
    nothing = client.post("/api/v1/conversions", headers=shop["auth"], json={})
    assert nothing.status_code == 422 and nothing.json["field"] == "order_id"
