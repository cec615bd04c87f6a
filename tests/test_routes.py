"""Routes are findable: each written out in its resource module, and all of them in the route
index (``timetracker routes``, checked in as ``docs/routes.md``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from timetracker import route_index
from timetracker.cli import main

ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT / "docs" / "routes.md"
API = "/api/v1"
TEAMWORK = "/teamwork"  # the Teamwork face's default prefix
# Views that answer without a service: the health check, the batch (it dispatches its items
# as requests of their own), the metrics, the document and the Swagger UI.
WITHOUT_SERVICE = {
    "timetracker.api.health.Health.get",
    "timetracker.api.batch.Batch.post",
    "timetracker.api.metrics.Metrics.get",
}


def index_now() -> str:
    result = CliRunner().invoke(main, ["routes", "--markdown"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_checked_in_route_index_is_current():
    assert INDEX.read_text() == index_now(), (
        "docs/routes.md is out of date: run `timetracker routes --markdown > docs/routes.md`"
    )


def test_the_route_index_prints_as_a_table():
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "VIEW", "SERVICE"]
    assert any(
        line.split()[:2] == ["DELETE", "/api/v1/users/<uid:uid>"]
        and line.split()[3] == "timetracker.services.users.users.delete"
        for line in lines
    )


@pytest.fixture
def app(make_app):
    """With every route the server can answer: the metrics' too."""
    return make_app(METRICS="token", METRICS_TOKEN="x" * 32)


def by_route(app) -> dict[tuple[str, str], route_index.Route]:
    return {(r.method, r.path): r for r in route_index.routes(app)}


def is_operation(path: str) -> bool:
    """An operation of the API (in the document), not the document, the Swagger UI or the way
    to it."""
    if path.startswith(TEAMWORK + "/"):
        return True
    return path.startswith(API + "/") and not (
        path == API + "/" or path.startswith((f"{API}/swagger", f"{API}/openapi.json"))
    )


def test_the_index_names_each_view_and_the_service_it_calls(app):
    index = by_route(app)
    customers = index["GET", f"{API}/customers"]
    assert customers.view == "timetracker.api.crud.crud_blueprint.<locals>.Collection.get"
    assert "timetracker.services.catalogue.customers.list" in customers.services
    assert index["PATCH", f"{API}/tasks/<int32:id>"].services == (
        "timetracker.services.catalogue.tasks.update",
    )
    # A module's function, called or handed on to a helper.
    assert index["GET", f"{API}/users/<user:object_id>/totals"].services == (
        "timetracker.services.totals.narrowed_to",  # a PDF's
        "timetracker.services.totals.of_object",
    )
    assert index["GET", f"{API}/reports/users"].services == (
        "timetracker.services.totals.user_list",
    )
    assert index["POST", f"{API}/timetrack/approve"].services == (
        "timetracker.services.approval.approve",
    )
    assert index["POST", f"{API}/users/import"].services == (
        "timetracker.services.user_import.import_csv",
    )


def test_every_operation_is_indexed_with_a_service(app):
    """Every operation of the API names the service it calls, so a view the index cannot read
    fails here rather than showing an empty cell."""
    index = by_route(app)
    operations = {
        (method.upper(), path)
        for path, item in app.test_client().get(f"{API}/openapi.json").get_json()["paths"].items()
        for method in item
        if method != "parameters"
    }
    indexed = {(method, to_openapi(path)) for method, path in index if is_operation(path)}
    assert indexed == operations
    silent = {r.view for r in index.values() if is_operation(r.path) and not r.services}
    assert silent == WITHOUT_SERVICE


def to_openapi(path: str) -> str:
    """``/users/<user:uid>`` as the document writes it: ``/users/{uid}`` (also within a
    segment: ``/time_entries/<int32:id>.json``)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def literal_strings(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_api_route_is_written_out_in_its_resource_module(app):
    """``grep -rn '"/customers/<int32:id>"' timetracker/api`` finds where that route is
    declared, factories or not."""
    written = set().union(
        *(literal_strings(p) for p in (ROOT / "timetracker" / "api").glob("*.py"))
    )
    unwritten = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if is_operation(rule.rule)
        and rule.rule.removeprefix(API).removeprefix(TEAMWORK) not in written
    ]
    assert not unwritten
