"""The OpenAPI document and the offline Swagger UI."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from openapi_spec_validator import validate

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(make_app):
    """The document of a server with every optional operation on (the metrics)."""
    client = make_app(METRICS="token", METRICS_TOKEN="metrics-token-0123456789").test_client()
    return client.get("/api/v1/swagger.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_openapi_json_is_the_same_document(make_app, spec):
    client = make_app(METRICS="token", METRICS_TOKEN="metrics-token-0123456789").test_client()
    assert client.get("/api/v1/openapi.json").get_json() == spec


def served_documents(app) -> list[bytes]:
    client = app.test_client()
    return [client.get(f"/api/v1/{name}").data for name in ("openapi.json", "swagger.json")]


def test_each_app_serves_the_document_of_its_own_settings(make_app, monkeypatch):
    """An app takes the document an earlier app of the process built with the same settings
    (timetracker.docs): whatever apps came before, it serves, byte for byte, what an app built
    first in its process would."""
    from timetracker import docs

    metrics_on = {"METRICS": "token", "METRICS_TOKEN": "metrics-token-0123456789"}
    in_turn = [served_documents(make_app(**s)) for s in ({}, metrics_on, {}, metrics_on)]
    first = []
    for settings in ({}, metrics_on):
        monkeypatch.setattr(docs, "_documents", {})
        first.append(served_documents(make_app(**settings)))
    assert first[0] != first[1]
    assert in_turn == [first[0], first[1], first[0], first[1]]


# Operations outside the user authentication: no credentials, or a token of their own.
OWN_SECURITY = {"/api/v1/health": [], "/api/v1/metrics": [{"metricsToken": []}]}


def test_basic_auth_and_tokens_are_declared_for_everything_but_health_and_metrics(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {"type": "http", "scheme": "basic"}
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["metricsToken"]["scheme"] == "bearer"
    assert spec["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
    for path, method, operation in operations(spec):
        if path in OWN_SECURITY:
            assert operation["security"] == OWN_SECURITY[path]
        else:
            assert "security" not in operation, (method, path)  # the global requirement applies


def test_every_operation_is_described(spec):
    ops = list(operations(spec))
    assert len(ops) >= 30
    for path, method, operation in ops:
        label = f"{method.upper()} {path}"
        assert operation.get("summary"), label
        assert operation.get("tags"), label
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), label
        if path not in OWN_SECURITY:
            for code in ("400", "401", "403", "429"):
                assert code in responses, (label, code)
        if "{id}" in path:
            assert "404" in responses, label
        if "requestBody" in operation:
            assert {"413", "415"} <= set(responses), label
            expected = ["text/csv"] if path.endswith("/import") else ["application/json"]
            if path.startswith("/api/v1/imports/"):  # TimeTagger's exports are tab-separated
                expected = ["text/csv", "text/tab-separated-values"]
            assert list(operation["requestBody"]["content"]) == expected, label


def test_error_responses_use_the_error_shape(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"key", "message", "requestId"}
    assert set(error["properties"]) == {"key", "message", "fields", "requestId"}
    not_found = spec["components"]["responses"]["NOT_FOUND"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_metrics_answer_text_or_the_error_shape(spec):
    responses = spec["paths"]["/api/v1/metrics"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["text/plain"]
    assert "401" in responses
    assert spec["components"]["responses"]["UNAUTHORIZED"]["content"]["application/json"]


def test_list_parameters_are_documented(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/tasks"]["get"]["parameters"]}
    assert {
        "offset",
        "limit",
        "ids",
        "name",
        "words",
        "sort",
        "includeReferenced",
        "customerIds",
        "projectIds",
        "status",
    } <= set(parameters)
    assert parameters["limit"]["schema"]["maximum"] == 1000
    assert parameters["includeReferenced"]["schema"]["items"]["enum"] == [
        "customers",
        "projects",
        "typesOfWork",
        "workflowStatuses",
    ]


def test_rate_field_says_who_sees_it(spec):
    rate = spec["components"]["schemas"]["TypeOfWork"]["properties"]["rate"]
    assert "Manage Cost & Billing Data" in rate["description"]


def test_swagger_ui_is_served_offline(client):
    response = client.get("/api/v1/swagger/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '"url": "/api/v1/swagger.json"' in html
    assert '"validatorUrl": null' in html
    # Every asset the page loads comes from this server.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/api/v1/swagger/"), asset
        assert client.get(asset).status_code == 200, asset
    # The only absolute URL (the OAuth2 redirect) points back at this server.
    for url in re.findall(r"https?://[^\"' ]+", html):
        assert url.startswith("http://localhost/api/v1/swagger/"), url


def test_swagger_ui_is_version_5():
    version = files("flask_swagger_ui").joinpath("dist/VERSION").read_text().strip()
    assert version.startswith("v5."), version


def test_swagger_ui_without_trailing_slash_redirects(client):
    response = client.get("/api/v1/swagger")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/api/v1/swagger/")


@pytest.mark.parametrize("path", ["/", "/api/v1", "/api/v1/"])
def test_the_roots_lead_to_the_swagger_ui(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/api/v1/swagger/"
    assert "X-Ratelimit-Remaining" not in response.headers  # public: no credentials, no count
    assert client.get(path, follow_redirects=True).status_code == 200


def test_the_roots_are_no_api_operations(spec):
    assert not {"/", "/api/v1", "/api/v1/"} & set(spec["paths"])
