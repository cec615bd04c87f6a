"""CSV answers of the customer, project and task lists, the CSV encoder itself, the command
line's exports, and a streamed answer through the real server."""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import io

import pytest
from click.testing import CliRunner

from tests.conftest import basic
from tests.test_server import request, serve, unthrottled_env
from timetracker.api.csv_stream import csv_chunks
from timetracker.cli import main

HEADERS = {
    "customers": ["id", "name", "archived", "created", "modified", "description"],
    "projects": [
        "id",
        "customerId",
        "customerName",
        "name",
        "archived",
        "created",
        "modified",
        "description",
    ],
    "tasks": [
        "id",
        "name",
        "description",
        "created",
        "modified",
        "status",
        "workflowStatusId",
        "workflowStatusName",
        "typeOfWorkId",
        "typeOfWorkName",
        "deadline",
        "estimatedTime",
        "customerId",
        "customerName",
        "projectId",
        "projectName",
    ],
}


def parse(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def cell(value) -> str:
    """A JSON value as the CSV writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@pytest.mark.parametrize("collection", HEADERS)
def test_each_list_answers_csv_with_the_fields_of_its_json(admin, catalogue, collection):
    admin.ok("patch", f"/tasks/{catalogue['tasks']['design']['id']}", {"deadline": "2026-03-31"})
    items = admin.ok("get", f"/{collection}")["items"]
    response = admin.get(f"/{collection}?format=csv")
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == f'attachment; filename="{collection}.csv"'
    header, *rows = parse(response)
    assert header == HEADERS[collection]
    assert rows == [[cell(item[name]) for name in header] for item in items]
    assert len(rows) == len(items) > 0


def test_text_is_quoted_and_formulas_are_guarded(admin):
    tricky = {
        'Smith, "Jones" & Co': 'Line one\nline two, with "quotes"',
        '=HYPERLINK("http://x")': "\tTabbed",
        "+1 Inc": "\rCarriage",
        "-minus": "@at",
        "@sign": "plain - text",
        "a=b+c": None,
    }
    for name, description in tricky.items():
        admin.ok("post", "/customers", {"name": name, "description": description})
    _, *rows = parse(admin.get("/customers?format=csv"))
    written = {row[1]: row[5] for row in rows}
    assert written == {
        'Smith, "Jones" & Co': 'Line one\nline two, with "quotes"',
        '\'=HYPERLINK("http://x")': "'\tTabbed",
        "'+1 Inc": "'\rCarriage",
        "'-minus": "'@at",
        "'@sign": "plain - text",
        "a=b+c": "",  # only a cell's first character starts a formula
    }


def test_filters_and_sort_apply_but_not_paging(admin, catalogue):
    _, *rows = parse(admin.get("/customers?format=csv&archived=false"))
    assert [row[1] for row in rows] == ["Acme"]
    _, *rows = parse(admin.get("/tasks?format=csv&sort=-name&limit=1&offset=1"))
    assert [row[1] for row in rows] == ["Release", "Migrate data", "Design", "Build"]
    project = catalogue["projects"]["web"]["id"]
    _, *rows = parse(admin.get(f"/tasks?format=csv&projectIds={project}&words=des"))
    assert [row[1] for row in rows] == ["Design"]
    # includeReferenced has nothing to add to CSV rows, which carry the names already.
    assert (
        parse(admin.get("/projects?format=csv&includeReferenced=customers"))[0]
        == (HEADERS["projects"])
    )


def test_csv_shows_only_what_the_caller_may_see(worker, catalogue):
    json_names = {t["name"] for t in worker.ok("get", "/tasks")["items"]}
    _, *rows = parse(worker.get("/tasks?format=csv"))
    assert {row[1] for row in rows} == json_names == {"Design", "Build"}


def test_accept_header_and_format(admin, catalogue):
    def get(path, accept=None):
        headers = {**admin.headers, **({"Accept": accept} if accept else {})}
        return admin.client.get("/api/v1" + path, headers=headers)

    assert get("/customers").is_json
    assert get("/customers", "text/csv").mimetype == "text/csv"
    assert get("/customers", "application/json, text/csv;q=0.9").is_json
    assert get("/customers?format=json", "text/csv").is_json
    assert get("/customers?format=csv", "application/json").mimetype == "text/csv"
    bad = get("/customers?format=pdf")
    assert bad.status_code == 400
    assert bad.get_json() == {
        "key": "api.error.invalid_argument",
        "message": "Cannot parse provided arguments: format: Must be one of: json, csv, xlsx.",
        "fields": "format",
        "requestId": bad.headers["X-Request-Id"],
    }
    # Lists without a CSV form do not take the parameter at all.
    assert get("/departments?format=csv").status_code == 400


def test_the_document_declares_the_csv_answers(client):
    document = client.get("/api/v1/openapi.json").get_json()
    with_csv = {
        path
        for path, item in document["paths"].items()
        if "text/csv" in item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
    }
    assert with_csv == {
        "/api/v1/customers",
        "/api/v1/projects",
        "/api/v1/tasks",
        "/api/v1/reports/detailed",
        "/api/v1/reports/summary",
        "/api/v1/reports/projects",
        "/api/v1/reports/users",
        "/api/v1/timeEntries",
    }
    for path in with_csv:
        operation = document["paths"][path]["get"]
        example = operation["responses"]["200"]["content"]["text/csv"]["example"]
        header = next(csv.reader(io.StringIO(example)))
        properties = {
            p["name"]: p["schema"].get("enum")
            for p in operation["parameters"]
            if p["in"] == "query"
        }
        # The reports answer PDF too (tests/test_pdf.py).
        formats = ["json", "csv", "xlsx", *(["pdf"] if "/reports/" in path else [])]
        assert properties["format"] == formats
        assert len(header) > 3 and example.endswith("\r\n"), path


# --- the encoder ------------------------------------------------------------------------------


def test_encoder_writes_values_as_the_json_does_and_chunks_the_rows():
    rows = [
        (1, "a", True, None, dt.date(2026, 1, 5), 2.5),
        (2, "-1", False, "x,y", None, -3),
        (3, "b", None, "", dt.date(2026, 1, 6), 0),
    ]
    chunks = list(csv_chunks(("id", "text", "flag", "note", "day", "n"), rows, chunk_rows=2))
    assert chunks == [
        "id,text,flag,note,day,n\r\n",
        '1,a,true,,2026-01-05,2.5\r\n2,\'-1,false,"x,y",,-3\r\n',
        "3,b,,,2026-01-06,0\r\n",
    ]
    assert list(csv_chunks(("a",), [])) == ["a\r\n"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
@pytest.mark.parametrize("position", [0, 1, 2])  # first cell, a middle one, the last
def test_encoder_guards_every_formula_start_in_every_position(start, position):
    row = ["plain", "plain", "plain"]
    row[position] = start + "cmd"
    text = "".join(csv_chunks(("a", "b", "c"), [("x", "y", "z"), row]))
    assert list(csv.reader(io.StringIO(text, newline="")))[2][position] == "'" + start + "cmd"


def test_encoder_leaves_look_alikes_alone():
    rows = [("True", "a-b", "x@y", "1+1=2", "False")]  # text, not booleans or formulas
    text = "".join(csv_chunks(("a", "b", "c", "d", "e"), rows))
    assert text.splitlines()[1] == "True,a-b,x@y,1+1=2,False"


# --- the command line --------------------------------------------------------------------------


def export(database_url, *args):
    return CliRunner().invoke(main, ["export", *args, "--db", database_url])


def test_cli_exports_equal_the_api_csv(admin, catalogue, migrated_database_url, tmp_path):
    task = catalogue["tasks"]["design"]["id"]
    admin.ok("patch", f"/timetrack/1/2026-01-05/{task}", {"time": 90, "comment": "=1+1, x"})
    admin.ok("patch", f"/timetrack/1/2026-01-06/{task}", {"time": 30})
    for collection in HEADERS:
        target = tmp_path / f"{collection}.csv"
        result = export(migrated_database_url, collection, "-o", str(target))
        assert result.exit_code == 0, result.output
        assert target.read_bytes() == admin.get(f"/{collection}?format=csv").get_data()
    target = tmp_path / "detailed.csv"
    args = ("--date-from", "2026-01-01", "--date-to", "2026-01-31", "-o", str(target))
    result = export(migrated_database_url, "detailed", *args)
    assert result.exit_code == 0, result.output
    api = admin.get("/reports/detailed?dateFrom=2026-01-01&dateTo=2026-01-31&format=csv")
    assert target.read_bytes() == api.get_data()
    assert target.read_bytes().count(b"\r\n") == 3
    assert "Time-track records" in result.output  # the progress bar's label


def test_cli_detailed_filters_and_standard_output(admin, catalogue, migrated_database_url):
    tasks = catalogue["tasks"]
    for name in ("design", "build"):
        admin.ok("patch", f"/timetrack/1/2026-01-05/{tasks[name]['id']}", {"time": 60})
    result = CliRunner().invoke(
        main,
        [
            "export",
            "detailed",
            "--date-from",
            "2026-01-01",
            "--task-id",
            str(tasks["build"]["id"]),
            "--user-id",
            "1",
            "--billable",
            "-o",
            "-",
            "--db",
            migrated_database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("date,userId,userName,")
    assert [line.split(",")[8] for line in lines[1:]] == ["Build"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date-from", "2026-02-30"), "dateFrom: Not a valid date."),
        (("--date-from", "2026-02-02", "--date-to", "2026-02-01"), "dateTo cannot precede"),
        ((), "Missing option '--date-from'"),
    ],
)
def test_cli_detailed_refuses_bad_options(migrated_database_url, args, message, tmp_path):
    result = export(migrated_database_url, "detailed", *args, "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.csv").exists()  # nothing written


# --- the real server ------------------------------------------------------------------------


def test_the_real_server_streams_csv_in_chunks(database_url):
    auth = ("admin", "pw")
    with serve(database_url, unthrottled_env()) as (port, _lines, _process):
        for n in range(3):
            request(port, "/api/v1/customers", "POST", {"name": f"C{n}"}, auth=auth)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/customers?format=csv", headers=basic(*auth))
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"
        assert response.getheader("Content-Length") is None
        assert response.getheader("Content-Type") == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.read().decode(), newline="")))
        assert [row[1] for row in rows] == ["name", "C0", "C1", "C2"]
        conn.close()
        # The stream's connection went back: the server answers as before.
        status, _, body = request(port, "/api/v1/customers?limit=1", auth=auth)
        assert (status, len(body["items"])) == (200, 1)
