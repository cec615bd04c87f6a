"""The `timetracker` command line (run in-process with click's runner)."""

from __future__ import annotations

import importlib
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import basic
from tests.test_server import server_env
from timetracker import create_app
from timetracker.cli import main
from timetracker.config import SETTINGS
from timetracker.store.db import location


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


def test_set_password_gives_a_user_a_new_password(run, database_url):
    assert run("create-user", "erin", "--password", "old").exit_code == 0
    result = run("set-password", "ERIN", "--password", "new")
    assert result.exit_code == 0, result.output
    assert "Set a new password for 'ERIN'" in result.output
    assert login(database_url, "erin", "new").status_code == 200
    assert login(database_url, "erin", "old").status_code == 401


def test_set_password_refuses_unknown_users_and_empty_passwords(run):
    missing = run("set-password", "nobody", "--password", "x")
    assert missing.exit_code == 1
    assert "There is no user 'nobody'" in missing.output
    assert run("set-password", "admin", "--password", "").exit_code == 2
    not_interactive = run("set-password", "admin")
    assert not_interactive.exit_code == 2
    assert "--password" in not_interactive.output


def test_demo_into_an_existing_database_says_admin_keeps_its_password(
    run, database_url, monkeypatch
):
    # The database was made earlier (admin got "first"); the environment now says "manager".
    monkeypatch.setenv("TIMETRACKER_ADMIN_PASSWORD", "first")
    assert run("create-user", "someone", "--password", "x").exit_code == 0
    monkeypatch.setenv("TIMETRACKER_ADMIN_PASSWORD", "manager")
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "'admin' keeps the password it was given when this database was created" in (
        result.output
    )
    assert "'timetracker set-password admin'" in result.output
    assert login(database_url, "admin", "first").status_code == 200
    assert run("set-password", "admin", "--password", "manager").exit_code == 0
    assert login(database_url, "admin", "manager").status_code == 200


def test_demo_into_a_new_database_says_where_the_admin_password_is(run):
    assert "Log in as 'admin' with the password in TIMETRACKER_ADMIN_PASSWORD." in (
        run("demo").output
    )


def test_demo_with_a_made_up_admin_password_points_to_it(database_url, monkeypatch):
    monkeypatch.delenv("TIMETRACKER_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("TIMETRACKER_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    result = CliRunner().invoke(main, ["demo", "--db", database_url])
    assert result.exit_code == 0, result.output
    password = re.search(r"'admin' with password: (\S+)", result.output).group(1)
    assert "Log in as 'admin' with the password printed above." in result.output
    assert login(database_url, "admin", password).status_code == 200


def test_serve_on_a_port_in_use_says_so_in_one_line(database_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "timetracker", "serve", "--port", str(port)],
            env=server_env(TIMETRACKER_ADMIN_PASSWORD="pw", TIMETRACKER_DATABASE_URL=database_url),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: Cannot listen on 127.0.0.1:{port}: the address is already in use"
    )


def test_the_first_start_says_where_the_database_file_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIMETRACKER_ADMIN_PASSWORD", "manager")
    monkeypatch.setenv("TIMETRACKER_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    first = CliRunner().invoke(main, ["create-user", "a", "--password", "a", "--db", "d/t.db"])
    assert first.exit_code == 0, first.output
    assert f"Database: {(tmp_path / 'd' / 't.db').resolve()}\n" in first.output
    again = CliRunner().invoke(main, ["create-user", "b", "--password", "b", "--db", "d/t.db"])
    assert again.exit_code == 0, again.output
    assert "Database:" not in again.output


def test_a_database_url_is_told_without_its_password():
    told = location("postgresql://tt:s3cret@db.example.com:5432/timetracker")
    assert "s3cret" not in told
    assert "tt:***@db.example.com:5432/timetracker" in told
