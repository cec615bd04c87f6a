"""The `timetracker` command line (run in-process with click's runner)."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import basic
from timetracker import create_app
from timetracker.cli import main
from timetracker.config import SETTINGS


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setenv("TIMETRACKER_ADMIN_PASSWORD", "manager")
    monkeypatch.setenv("TIMETRACKER_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, [*args, "--db", database_url], input=input)

    return invoke


def login(database_url, username, password):
    app = create_app({"DATABASE_URL": database_url})
    try:
        return app.test_client().get("/api/v1/customers", headers=basic(username, password))
    finally:
        app.extensions["timetracker"]["engine"].dispose()


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "create-user", "demo"):
        assert command in result.output


def test_create_user_can_log_in_with_its_permissions(run, database_url):
    result = run(
        "create-user",
        "alice",
        "--password",
        "s3cret",
        "--permission",
        "manageScopeOfWork",
        "--first-name",
        "Alice",
    )
    assert result.exit_code == 0, result.output
    assert "manageScopeOfWork" in result.output
    assert login(database_url, "alice", "s3cret").status_code == 200
    assert login(database_url, "alice", "wrong").status_code == 401


def test_create_user_refuses_duplicates_and_bad_permissions(run):
    assert run("create-user", "bob", "--password", "x").exit_code == 0
    again = run("create-user", "BOB", "--password", "y")
    assert again.exit_code == 1 and "already exists" in again.output
    bad = run("create-user", "carol", "--password", "x", "--permission", "godMode")
    assert bad.exit_code == 2


def test_create_user_needs_a_password_when_not_interactive(run):
    result = run("create-user", "dave")
    assert result.exit_code == 2
    assert "--password" in result.output


def test_demo_loads_once(run, database_url):
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "3 customers, 5 projects, 13 tasks" in first.output
    second = run("demo")
    assert second.exit_code == 1
    assert "already has customers" in second.output
    app = create_app({"DATABASE_URL": database_url})
    client = app.test_client()
    tasks = client.get("/api/v1/tasks", headers=basic("admin", "manager")).get_json()["items"]
    assert len(tasks) == 13
    assert {t["status"] for t in tasks} == {"open", "completed"}
    types = client.get("/api/v1/typesOfWork", headers=basic("admin", "manager")).get_json()
    assert sum(t["default"] for t in types["items"]) == 1
    app.extensions["timetracker"]["engine"].dispose()


def test_app_module_builds_the_app(database_url, monkeypatch):
    monkeypatch.setenv("TIMETRACKER_DATABASE_URL", database_url)
    monkeypatch.setenv("TIMETRACKER_ADMIN_PASSWORD", "manager")
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    sys.modules.pop("app", None)
    module = importlib.import_module("app")
    response = module.app.test_client().get("/api/v1/health")
    assert response.get_json() == {"status": "ok"}
    module.app.extensions["timetracker"]["engine"].dispose()
    sys.modules.pop("app", None)


def test_readme_documents_every_setting():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    documented = set(re.findall(r"`TIMETRACKER_([A-Z_]+)`", readme))
    assert {s.name for s in SETTINGS} <= documented


def test_demo_accounts_behave_as_documented(run, database_url):
    assert run("demo").exit_code == 0
    app = create_app({"DATABASE_URL": database_url})
    client = app.test_client()

    def get(user, path):
        return client.get(f"/api/v1{path}", headers=basic(user, user))

    def names(user, path, key="name"):
        return {item[key] for item in get(user, path).get_json()["items"]}

    # Engineers see the tasks of the projects they are assigned to.
    assert names("jsmith", "/projects") == {"Online Store"}
    assert names("trainee", "/projects") == {"Administration"}
    # Managers see their team and their scope of work.
    # mhill's team is Engineering and Design: 9 + 3 people, plus mhill.
    assert len(names("mhill", "/users", "id")) == 13
    assert get("mhill", "/users/jsmith").status_code == 200
    # Support is not in the team: by username, as if unknown (usernames are private).
    assert get("mhill", "/users/sjohnson").status_code == 404
    assert names("kbrown", "/customers") == {"Galaxy Corporation"}
    # Account and billing roles.
    assert names("hreed", "/customers") == {"Big Bang Company", "Galaxy Corporation", "Our Company"}
    assert get("awong", "/typesOfWork/default").get_json()["rate"] == 110
    assert get("jsmith", "/typesOfWork/default").get_json()["rate"] is None
    assert len(names("vstone", "/users", "id")) == 21
    # Released and not-yet-hired accounts cannot log in.
    assert get("fgrey", "/users/me").status_code == 401
    assert get("npark", "/users/me").status_code == 401
    zones = {z["timeZoneId"] for z in get("hreed", "/timeZoneGroups").get_json()["items"]}
    assert {"America/New_York", "Europe/London", "Asia/Tokyo"} <= zones
    app.extensions["timetracker"]["engine"].dispose()
