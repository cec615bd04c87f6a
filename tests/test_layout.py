"""The package keeps its layout: one name per resource through every layer, SQL only in store/,
schemas that never reach the database, views that reach it only through services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "timetracker"
LAYERS = ("api", "services", "schemas", "store")

# Each resource and the layers it has files in (a resource without rules or SQL of its own has
# no file in that layer).
RESOURCES = {
    "catalogue": LAYERS,
    "users": LAYERS,
    "departments": LAYERS,
    "time_zone_groups": LAYERS,
    "leave_types": LAYERS,
    "user_rates": LAYERS,
    "settings": LAYERS,
    "timetrack": LAYERS,
    "leave": LAYERS,
    "approval": LAYERS,
    "invoices": LAYERS,
    "reports": LAYERS,
    "totals": LAYERS,
    "tokens": LAYERS,
    "timers": ("api", "services", "schemas"),
    "time_entries": LAYERS,
    "tags": LAYERS,
    # Imports of other trackers' exports; its queries are the shared store.imports'.
    "imports": ("api", "services", "schemas"),
    "events": LAYERS,
    "hooks": LAYERS,
    # The Teamwork face: a translation over the shared services, with no SQL of its own.
    "teamwork": ("api", "schemas", "services"),
    "batch": ("api", "schemas"),
    "health": ("api", "schemas"),
    "metrics": ("api",),
}
# What a layer shares between its resources.
SHARED = {
    "api": {
        "__init__",
        "common",
        "converters",
        "crud",
        "csv_stream",
        "day_records",
        "documents",
        "xlsx_parts",
        "xlsx_stream",
        "pdf_document",
        "pdf_charts",
        "pdf_reports",
    },
    "services": {
        "__init__",
        "crud",
        "referenced",
        "periods",
        "accounts",
        "user_import",
        "csv_import",
        "task_import",
        "timetrack_import",
        "time_entry_import",
        "import_formats",
        "timetrack_events",
        "time_entries_many",
        "entry_settings",
        "hook_delivery",
        "hook_http",
        "hook_senders",
        "hook_targets",
    },
    "schemas": {"__init__", "base", "common", "optional_text"},
    "store": {
        "__init__",
        "db",
        "schema",
        "migrate",
        "util",
        "listing",
        "entities",
        "permission_sql",
        "imports",
        "kept_totals",
        "backup",
        "pool",
        "prepared",
    },
}
# SQLAlchemy names that only describe values (types, errors), never build SQL.
NOT_SQL = {"Connection", "RowMapping", "Engine", "ColumnElement"}
STATEMENTS = {"select", "insert", "update", "delete", "text", "exists", "func"}


def modules(layer: str | None = None):
    root = PACKAGE / layer if layer else PACKAGE
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in the file; names empty for ``import x``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("layer", LAYERS)
def test_every_resource_has_its_files_under_one_name(layer):
    expected = {name for name, layers in RESOURCES.items() if layer in layers}
    present = {p.stem for p in (PACKAGE / layer).glob("*.py")}
    assert expected <= present, f"missing in {layer}/: {sorted(expected - present)}"
    unknown = present - expected - SHARED[layer]
    assert not unknown, f"{layer}/ has modules that are neither a resource nor shared: {unknown}"


def test_sql_is_built_only_in_the_store():
    offenders = []
    for path in modules():
        if path.is_relative_to(PACKAGE / "store"):
            continue
        for module, names in imports(path):
            if module == "sqlalchemy" and (not names or set(names) - NOT_SQL):
                offenders.append(f"{rel(path)}: from sqlalchemy import {', '.join(names)}")
            elif module.startswith("sqlalchemy.") and module != "sqlalchemy.exc":
                offenders.append(f"{rel(path)}: {module}")
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in STATEMENTS
            ):
                offenders.append(f"{rel(path)}:{node.lineno}: {node.func.id}(...)")
    assert not offenders, "\n".join(offenders)


def test_schemas_never_reach_the_database():
    offenders = [
        f"{rel(path)}: {module}"
        for path in modules("schemas")
        for module, _ in imports(path)
        if module.startswith(("timetracker.store", "timetracker.services", "sqlalchemy"))
    ]
    assert not offenders, "\n".join(offenders)


def test_views_reach_the_database_only_through_services():
    offenders = [
        f"{rel(path)}: {module} {names}"
        for path in modules("api")
        for module, names in imports(path)
        if module.startswith("timetracker.store") and module != "timetracker.store.db"
    ]
    assert not offenders, "\n".join(offenders)


def test_the_store_knows_nothing_of_http():
    # store/db.py binds the request's connection to the request: the one bridge.
    offenders = [
        f"{rel(path)}: {module}"
        for path in modules("store")
        if path.name != "db.py"
        for module, _ in imports(path)
        if module.startswith(("flask", "werkzeug", "timetracker.api", "timetracker.services"))
    ]
    assert not offenders, "\n".join(offenders)


def test_no_module_is_too_long_without_saying_why():
    long = [
        rel(path)
        for path in modules()
        if len(path.read_text().splitlines()) > 400
        and "too long" not in path.read_text()[:2000]  # the reason, written at the top
    ]
    assert not long, long
