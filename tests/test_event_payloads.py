"""An event's data is the object as the API shows it, dumped by the schema its schema module
registered for the object's kind (``timetracker.event_payloads``): every kind of object the
services change has one, in the app and on the command line."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import basic
from tests.test_server import server_env
from timetracker import create_app, event_payloads
from timetracker.schemas.catalogue import TaskSchema
from timetracker.services import crud


def resource_kinds() -> set[str]:
    found, waiting = set(), [crud.Resource]
    while waiting:
        cls = waiting.pop()
        waiting.extend(cls.__subclasses__())
        if "kind" in vars(cls):
            found.add(cls.kind)
    return found


def test_every_kind_of_object_has_its_event_schema(app):
    # The app has loaded every API module, and with them every service and schema module.
    kinds = resource_kinds()
    assert {"customer", "task", "user", "invoice", "leaveType", "typeOfWork"} <= kinds
    assert kinds <= event_payloads.registered_kinds()


def test_a_command_line_import_writes_the_objects_as_the_api_shows_them(database_url, tmp_path):
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("customer,project,task\nAcme,Website,Design\n")
    env = server_env(
        TIMETRACKER_ADMIN_PASSWORD="manager",
        TIMETRACKER_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    # A process of its own: nothing imported by the tests beforehand.
    done = subprocess.run(
        [sys.executable, "-m", "timetracker", "import", "tasks", str(tasks), "--db", database_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    app = create_app({"DATABASE_URL": database_url})
    try:
        client = app.test_client()
        answer = client.get("/api/v1/auditLog?kinds=task", headers=basic("admin", "manager"))
        assert answer.status_code == 200
        [created] = answer.get_json()["items"]
        task = client.get(f"/api/v1/tasks/{created['objectId']}", headers=basic("admin", "manager"))
    finally:
        app.extensions["timetracker"]["engine"].dispose()
    assert created["name"] == "task.create"
    assert created["path"] == "timetracker import tasks"
    shown = task.get_json()
    expected = {k: v for k, v in shown.items() if k not in ("url", "allowedActions")}
    assert created["data"] == expected
    assert set(created["data"]) == set(TaskSchema().fields) - {"url", "allowedActions"}
    assert created["data"]["projectName"] == "Website"
