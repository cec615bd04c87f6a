"""Property-based tests generated from the OpenAPI document: every operation, with valid and
invalid input, must never answer 5xx and must always answer as the document says."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import ADMIN_PASSWORD, ApiClient, basic


@pytest.fixture
def api_schema(make_app):
    # Generated tests send many requests quickly, some with wrong credentials on purpose:
    # the throttle and the login ban have their own tests.
    app = make_app(
        RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000, LOGIN_BAN_ATTEMPTS=1_000_000
    )
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    # Some objects, so that generated ids sometimes hit real rows.
    customer = admin.ok("post", "/customers", {"name": "Acme"})
    project = admin.ok("post", "/projects", {"customerId": customer["id"], "name": "Web"})
    admin.ok("post", "/tasks", {"projectId": project["id"], "name": "Build"})
    admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    return schemathesis.openapi.from_wsgi("/api/v1/swagger.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def valid_input_is_not_called_invalid(ctx, response, case):
    """Schema-valid input may be refused by a business rule (a duplicate name answers 400
    api.error.customer_exists, as the product does), but never as unparsable arguments:
    that would mean the validation is stricter than the document."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    key = (response.json() or {}).get("key")
    assert key != "api.error.invalid_argument", (
        f"Schema-valid request refused as invalid: {response.text}"
    )
    return None


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms(case):
    case.call_and_validate(
        headers=basic("admin", ADMIN_PASSWORD),
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_input_is_not_called_invalid],
    )
