"""Importing tasks (with their projects and customers) from CSV, over HTTP and from the command
line."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from timetracker.access import MANAGE_SCOPE_OF_WORK
from timetracker.cli import main
from timetracker.services import task_import
from timetracker.store.schema import metadata

HEADER = "customer,project,task,description,deadline,estimatedTime,typeOfWork,workflowStatus\n"


def import_csv(client, text, content_type="text/csv", path="/api/v1/tasks/import"):
    body = text.encode() if isinstance(text, str) else text
    return client.client.post(
        path, data=body, headers={**client.headers, "Content-Type": content_type}
    )


def every_row(app) -> dict:
    """Every row of every table: what a refused import must leave as it was."""
    with app.extensions["timetracker"]["engine"].connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in metadata.sorted_tables
        }


def problems(response) -> str:
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["key"] == "api.error.invalid_csv"
    assert body["message"].startswith("Nothing was imported")
    return body["message"]


def line(message: str, number: int) -> str:
    """The problems reported for one line."""
    return message.split(f"Line {number}: ", 1)[1].split(" | ")[0]


def test_import_creates_the_missing_customers_and_projects(admin, catalogue):
    admin.ok("post", "/typesOfWork", {"name": "Design work"})
    admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    response = import_csv(
        admin,
        HEADER
        + "Acme,Website,Accessibility,Check contrast,2030-01-31,600,design WORK,doing\n"
        + "acme,Intranet,Login page,,,,,\n"
        + "ACME, intranet ,Search,,,,,\n"  # the same project, written otherwise
        + "Initech,Payroll,Monthly run,,2030-02-28,0,,\n"
        + "initech,Payroll,Yearly run,,,,,\n",
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["imported"] == 5 and len(body["taskIds"]) == 5
    assert len(body["customerIds"]) == 1 and len(body["projectIds"]) == 2
    tasks = {t["id"]: t for t in admin.ok("get", "/tasks?limit=1000")["items"]}
    accessibility, login, search, monthly, yearly = (tasks[i] for i in body["taskIds"])
    acme = catalogue["customers"]["acme"]["id"]
    assert accessibility["projectId"] == catalogue["projects"]["web"]["id"]
    assert (accessibility["description"], accessibility["deadline"]) == (
        "Check contrast",
        "2030-01-31",
    )
    assert accessibility["estimatedTime"] == 600
    assert accessibility["typeOfWorkName"] == "Design work"
    assert accessibility["workflowStatusName"] == "Doing"
    assert login["customerId"] == search["customerId"] == acme
    assert login["projectId"] == search["projectId"] and login["projectName"] == "Intranet"
    assert monthly["customerId"] == yearly["customerId"] == body["customerIds"][0]
    assert monthly["customerName"] == "Initech" and monthly["estimatedTime"] == 0
    # Empty cells: the defaults of a task made with POST /tasks.
    default = admin.ok("get", "/typesOfWork/default")
    assert (yearly["typeOfWorkId"], yearly["status"], yearly["workflowStatusName"]) == (
        default["id"],
        "open",
        "New",
    )
    assert yearly["deadline"] is None and yearly["estimatedTime"] is None


def test_every_bad_line_is_reported_and_nothing_is_imported(app, admin, catalogue):
    admin.ok("post", "/typesOfWork", {"name": "Old", "archived": True})
    before = every_row(app)
    text = (
        HEADER
        + "Acme,Website,design,,,,,\n"  # line 2: exists (case-insensitive)
        + "Acme,Website,Polish,,,,,\n"  # line 3: fine...
        + "Acme,Website,POLISH,,,,,\n"  # line 4: ...but named again
        + ",Website,Nameless,,,,,\n"  # line 5: no customer
        + "Acme,Website,Dated,,2030-02-30,-5,,\n"  # line 6
        + "Acme,Website,Typed,,,,Nope,Nowhere\n"  # line 7
        + "Acme,Website,Archived,,,,Old,\n"  # line 8
        + "Acme,Website,Wide,,,,,,extra\n"  # line 9
        + "Acme,Website,"
        + "x" * 256
        + ",,,,,\n"  # line 10
        + "Acme,Website,Fine,,,,,\n"  # line 11
    )
    message = problems(import_csv(admin, text))
    assert (
        "Line 2: task: 'design' already exists in project 'Website' of customer 'Acme'" in message
    )
    assert "Line 3" not in message
    assert "Line 4: task: 'POLISH' of project 'Website' of customer 'Acme' is also on line 3" in (
        message
    )
    assert "customer:" in line(message, 5)
    assert "deadline: Not a valid date." in line(message, 6)
    assert "estimatedTime:" in line(message, 6)
    assert "typeOfWork: no type of work named 'Nope'" in line(message, 7)
    assert "workflowStatus: no workflow status named 'Nowhere'" in line(message, 7)
    assert line(message, 8) == "typeOfWork: 'Old' is archived"
    assert line(message, 9) == "more values than columns"
    assert "task: String length must be between 1 and 255" in line(message, 10)
    assert "Line 11" not in message
    assert "fix these 8 problem(s)" in message
    assert every_row(app) == before


def test_a_scoped_manager_adds_work_within_the_scope_only(app, admin, make_user, catalogue):
    scoper = make_user(MANAGE_SCOPE_OF_WORK)
    admin.ok(
        "put", f"/users/{scoper.id}/scope", {"customerIds": [catalogue["customers"]["acme"]["id"]]}
    )
    good = HEADER + "Acme,Website,Copy,,,,,\nAcme,Landing page,Hero,,,,,\n"
    assert import_csv(scoper, good).get_json()["imported"] == 2
    before = every_row(app)
    message = problems(
        import_csv(
            scoper,
            HEADER
            + "Acme,Website,More copy,,,,,\n"
            + "Globex,ERP,Reports,,,,,\n"
            + "Globex,Billing,Invoices,,,,,\n"
            + "Initech,Payroll,Run,,,,,\n",
        )
    )
    assert "Line 2" not in message
    assert "you may not create tasks in project 'ERP' of customer 'Globex'" in line(message, 3)
    assert "you may not create projects of customer 'Globex'" in line(message, 4)
    assert "creating a customer needs Manage Scope of Work over the whole company" in line(
        message, 5
    )
    assert every_row(app) == before


def test_bad_files_are_refused_with_a_clear_message(app, admin, catalogue):
    before = every_row(app)
    cases = {
        "task,name\nx,y\n": "Line 1: unknown columns name",
        "customer,task\nAcme,x\n": "Line 1: missing required columns project",
        "customer,project,task,task\nA,B,C,D\n": "columns named more than once: task",
        "": "The file is empty",
        "\n\n": "The file is empty",
        "customer,project,task\n": "The file has no tasks",
        "customer,project,task\n\n  \n": "The file has no tasks",
        b"customer,project,task\nAcme,Web,\xff\xfe\n": "not UTF-8",
        b"\x00\x01binary": "unknown columns",
        'customer,project,task\nAcme,"Web,Build\n': "Line 2",
    }
    for text, expected in cases.items():
        message = problems(import_csv(admin, text))
        assert expected in message, (text, message)
    response = import_csv(admin, HEADER + "Acme,Web,X\n", "application/json")
    assert response.status_code == 415
    assert response.get_json()["key"] == "api.error.unsupported_media_type"
    assert every_row(app) == before


def test_a_nul_in_a_name_is_refused_before_any_lookup(admin, catalogue):
    message = problems(import_csv(admin, "customer,project,task\nAc\x00me,Web,Build\n"))
    assert "NUL" in line(message, 2)


def test_row_and_size_limits(make_app, monkeypatch):
    from tests.conftest import ADMIN_PASSWORD, ApiClient

    app = make_app(MAX_CONTENT_LENGTH=1_000, IMPORT_MAX_CONTENT_LENGTH=20_000)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    # Larger than a JSON body may be, within the import's own limit.
    lines = "".join(f"Acme,Web,Task number {n:04d}\n" for n in range(200))
    assert len(lines) > 1_000
    response = import_csv(admin, "customer,project,task\n" + lines)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 200
    too_large = import_csv(admin, "customer,project,task\n" + "Acme,Web," + "x" * 20_000 + "\n")
    assert too_large.status_code == 413
    assert too_large.get_json()["key"] == "api.error.request_too_large"
    monkeypatch.setattr(task_import, "MAX_ROWS", 3)
    message = problems(
        import_csv(admin, "customer,project,task\n" + "A,B,C\nA,B,D\nA,B,E\nA,B,F\n")
    )
    assert "Line 5: more than 3 tasks: split the file" in message


def test_nobody_without_a_catalogue_permission_may_import(make_user, catalogue):
    user = make_user("enterTimeTrack", "modifyApproveTimeTrack")
    response = import_csv(user, HEADER + "Acme,Website,X,,,,,\n")
    assert response.status_code == 403
    assert response.get_json()["key"] == "api.error.access_denied"


def test_the_template_imports(admin):
    admin.ok("post", "/typesOfWork", {"name": "Design"})
    admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    body = import_csv(admin, task_import.TEMPLATE).get_json()
    assert body["imported"] == 1
    task = admin.ok("get", f"/tasks/{body['taskIds'][0]}")
    assert (task["customerName"], task["projectName"], task["name"]) == (
        "Acme",
        "Web",
        "Wireframes",
    )


def test_cli_import(migrated_database_url, tmp_path, app, admin):
    good = tmp_path / "tasks.csv"
    good.write_text("customer,project,task,estimatedTime\nAcme,Web,Build,60\nAcme,Web,Test,\n")
    result = CliRunner().invoke(main, ["import", "tasks", str(good), "--db", migrated_database_url])
    assert result.exit_code == 0, result.output
    assert "Imported 2 tasks (created 1 customers and 1 projects)." in result.output
    assert {t["name"] for t in admin.ok("get", "/tasks")["items"]} == {"Build", "Test"}
    again = CliRunner().invoke(main, ["import", "tasks", str(good), "--db", migrated_database_url])
    assert again.exit_code == 1
    assert (
        "Line 2: task: 'Build' already exists in project 'Web' of customer 'Acme'" in again.output
    )
    assert "Line 3: task: 'Test' already exists" in again.output
    assert "Nothing was imported: 2 problem(s)." in again.output
