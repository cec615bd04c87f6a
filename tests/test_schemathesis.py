"""Property-based tests generated from the OpenAPI document: every operation, with valid and
invalid input, must never answer 5xx and must always answer as the document says.

Each operation gets the document's examples and schemathesis' deterministic "coverage" cases
(boundary values, each constraint broken in turn), then random examples, valid and invalid. The
operations fall into three groups that differ only in how many random examples they get: those
whose only input is the path (one object by its id, or no input at all) need few, the writes
that take a body the most. Each group's operations are dealt into several tests (PARTS), each
with an app and a database of its own, so that the xdist workers share a group out rather than
one worker running all of it.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import ADMIN_PASSWORD, ApiClient, basic

pytestmark = pytest.mark.long

# The metrics endpoint is on in the generated tests (with its own token), so they see it answer.
METRICS_TOKEN = "metrics-token-for-the-generated-tests"

# Random examples per operation, by group.
PATH_ONLY_EXAMPLES = 5
QUERY_EXAMPLES = 10
BODY_EXAMPLES = 20

# schemathesis folds a string's maxLength into its pattern, so "^[^\x00]*$" with maxLength
# 100000 becomes "^[^\x00]{0,100000}$": a regular expression of some 100 MB that takes about a
# second to compile, again for every schema it appears in. Above this bound the pattern moves
# into an "allOf" next to the length, which accepts exactly the same strings but is not folded.
UNFOLDED_LENGTH = 1000


def unfold_long_patterns(node):
    """Rewrite ``{maxLength: N, pattern: P}`` (N above UNFOLDED_LENGTH) in place as the same
    constraint ``{maxLength: N, allOf: [{pattern: P}]}``; return ``node``."""
    if isinstance(node, dict):
        if "pattern" in node and node.get("maxLength", 0) > UNFOLDED_LENGTH:
            node.setdefault("allOf", []).append({"pattern": node.pop("pattern")})
        for value in node.values():
            unfold_long_patterns(value)
    elif isinstance(node, list):
        for value in node:
            unfold_long_patterns(value)
    return node


@pytest.fixture
def api_schema(make_app):
    # Generated tests send many requests quickly, some with wrong credentials on purpose:
    # the throttle and the login ban have their own tests.
    app = make_app(
        RATELIMIT_PER_SECOND=1_000_000,
        RATELIMIT_PER_MINUTE=1_000_000,
        LOGIN_BAN_ATTEMPTS=1_000_000,
        METRICS="token",
        METRICS_TOKEN=METRICS_TOKEN,
    )
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    # Some objects, so that generated ids sometimes hit real rows.
    customer = admin.ok("post", "/customers", {"name": "Acme"})
    project = admin.ok("post", "/projects", {"customerId": customer["id"], "name": "Web"})
    admin.ok("post", "/tasks", {"projectId": project["id"], "name": "Build"})
    admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    document = app.test_client().get("/api/v1/swagger.json").get_json()
    schema = schemathesis.openapi.from_dict(unfold_long_patterns(document))
    schema.app = app
    return schema


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Into how many tests each group's operations are dealt, in turn in the document's order. A
# test costs its own app and schema (close to a second of CPU), so a cheap group gets few.
PARTS = {"path": 2, "query": 6, "body": 8}


def inputs(definition: dict) -> str:
    """What an operation takes besides the path: "body", "query" or nothing ("path")."""
    if "requestBody" in definition:
        return "body"
    if any(parameter.get("in") == "query" for parameter in definition.get("parameters", [])):
        return "query"
    return "path"


def inputs_of(ctx) -> str:
    return inputs(ctx.operation.definition.raw)


def part(ctx) -> int:
    """The test of its group (0 to PARTS[group] - 1) that the operation is dealt to."""
    group = inputs_of(ctx)
    dealt = 0
    for path, item in ctx.operation.schema.raw_schema["paths"].items():
        for method, definition in item.items():
            if method not in HTTP_METHODS or inputs(definition) != group:
                continue
            if f"{method.upper()} {path}" == ctx.operation.label:
                return dealt % PARTS[group]
            dealt += 1
    raise AssertionError(f"{ctx.operation.label} is not in the document")


schema = schemathesis.pytest.from_fixture("api_schema")


def operations(group: str, k: int):
    """The operations of a group ("path", "query" or "body") dealt to its test k."""
    return schema.include(lambda ctx: inputs_of(ctx) == group and part(ctx) == k)


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


def check(case):
    # A generated path that is another operation's literal path (/users/{uid} with uid "me" is
    # /users/me) is a request to that operation, which its own cases check; judged by this
    # operation's document its answer would look wrong.
    literal_paths = {p for p in case.operation.schema.raw_schema["paths"] if "{" not in p}
    if case.formatted_path in literal_paths and case.formatted_path != case.operation.path:
        return
    metrics = case.operation.path == "/api/v1/metrics"  # a token of its own, not a user's
    case.call_and_validate(
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        if metrics
        else basic("admin", ADMIN_PASSWORD),
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_input_is_not_called_invalid],
    )


def examples(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )


def conformance_tests(name: str, group: str, random_examples: int) -> dict:
    """The group's tests, ``{name}_{k}`` for k = 1 to PARTS[group], each checking its operations
    with the group's number of random examples."""
    tests = {}
    for k in range(PARTS[group]):

        @operations(group, k).parametrize()
        @examples(random_examples)
        def test(case):
            check(case)

        test.__name__ = test.__qualname__ = f"{name}_{k + 1}"
        tests[test.__name__] = test
    return tests


globals().update(
    conformance_tests("test_operations_on_the_path_alone_conform", "path", PATH_ONLY_EXAMPLES)
)
globals().update(
    conformance_tests("test_operations_with_query_parameters_conform", "query", QUERY_EXAMPLES)
)
globals().update(conformance_tests("test_operations_with_a_body_conform", "body", BODY_EXAMPLES))
