"""Schemathesis: requests generated from /api/v1/openapi.json get no 5xx and only responses
the description allows (status, media type, body schema, headers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit

from ..factories import CommissionFactory, GroupFactory, LinkFactory, OfferFactory, PartnerFactory

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]


@pytest.fixture()
def api_auth(app, db):
    """A key, and a little data so that generated ids sometimes find something."""
    GroupFactory(is_default=True)
    offer = OfferFactory(id=1)
    partner = PartnerFactory(id=1)
    PartnerFactory(id=2, status="applied")
    LinkFactory(offer=offer, partner=partner)
    CommissionFactory(partner=partner, offer=offer, amount=Decimal("5.00"))
    _key, plain = api_keys.create("Schemathesis", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_api_conforms_to_its_description(app, db, api_auth):
    def wsgi(environ, start_response):  # each request in its own app context, as in production
        db.session.commit()
        with app.app_context():
            return app(environ, start_response)

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=api_auth, checks=CHECKS)

        run()
