"""GET /reports/detailed: one row per readable time-track record, JSON pages and streamed CSV,
its filters and order, and what every role gets (exactly what GET /timetrack shows it)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.test_permissions import ROLES, company  # noqa: F401 - a fixture
from timetracker.access import ENTER_TIME_TRACK
from timetracker.api import csv_stream
from timetracker.services.reports import DETAILED_HEADER

REPORT = "/reports/detailed?dateFrom=2025-03-01"
# (user, day, task, minutes, comment) of the ``tracked`` fixture. Build is not billable; the
# worker's Design record of March 3 is billed.
RECORDS = (
    ("worker", "2025-03-03", "design", 60, 'Drew "it", twice\nthen =SUM(A1)'),
    ("worker", "2025-03-04", "build", 30, "=cmd|' /C calc'!A0"),
    ("worker", "2025-03-05", "release", 45, None),
    ("worker", "2025-03-06", "migrate", 120, "-2+3"),
    ("other", "2025-03-03", "design", 90, "@risk"),
    ("other", "2025-03-03", "build", 15, None),
    ("worker", "2025-04-01", "design", 10, None),
)


def path(user, day, task):
    return f"/timetrack/{user}/{day}/{task}"


@pytest.fixture
def tracked(admin, make_user, catalogue):
    """March and April time of the worker (in department Ops, middle name Quincy) and of
    another user; Build's type of work is not billable; the worker's Design time on March 3 is
    billed by an invoice."""
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    admin.ok("patch", f"/tasks/{tasks['build']}", {"typeOfWorkId": internal["id"]})
    ops = admin.ok("post", "/departments", {"name": "Ops"})
    worker = make_user(ENTER_TIME_TRACK, username="worker", assign_all=True)
    other = make_user(ENTER_TIME_TRACK, username="other", assign_all=True)
    admin.ok(
        "patch",
        f"/users/{worker.id}",
        {
            "departmentId": ops["id"],
            "firstName": "Wendy",
            "middleName": "quincy",
            "lastName": "Orr",
        },
    )
    users = {"worker": worker.id, "other": other.id}
    for user, day, task, minutes, comment in RECORDS:
        body = {"time": minutes, **({"comment": comment} if comment else {})}
        admin.ok("patch", path(users[user], day, tasks[task]), body)
    invoice = admin.ok(
        "post",
        "/invoices",
        {"number": "M-1", "dateFrom": "2025-03-03", "dateTo": "2025-03-03", "userIds": [worker.id]},
    )
    return {
        "tasks": tasks,
        "customers": {name: c["id"] for name, c in catalogue["customers"].items()},
        "projects": {name: p["id"] for name, p in catalogue["projects"].items()},
        "worker": worker,
        "other": other,
        "ops": ops["id"],
        "internal": internal["id"],
        "invoice": invoice["id"],
    }


def keys(body):
    return [(r["userId"], r["date"], r["taskId"]) for r in body["items"]]


def parse(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_rows_carry_the_names_and_the_billing_status(admin, tracked):
    body = admin.ok("get", REPORT + "&dateTo=2025-03-31")
    assert (body["offset"], body["limit"]) == (0, 1000)
    worker, tasks = tracked["worker"], tracked["tasks"]
    first = body["items"][0]
    assert first == {
        "date": "2025-03-03",
        "userId": worker.id,
        "userName": "Wendy Q. Orr",
        "customerId": tracked["customers"]["acme"],
        "customerName": "Acme",
        "projectId": tracked["projects"]["web"],
        "projectName": "Website",
        "taskId": tasks["design"],
        "taskName": "Design",
        "typeOfWorkId": first["typeOfWorkId"],
        "typeOfWorkName": first["typeOfWorkName"],
        "minutes": 60,
        "comment": 'Drew "it", twice\nthen =SUM(A1)',
        "billable": True,
        "billed": True,
        "invoiceId": tracked["invoice"],
    }
    build = next(r for r in body["items"] if r["taskId"] == tasks["build"])
    assert (build["typeOfWorkName"], build["billable"], build["billed"]) == (
        "Internal",
        False,
        False,
    )
    assert build["invoiceId"] is None
    # Day, then user, then task: the order of GET /timetrack.
    assert keys(body) == sorted(keys(body), key=lambda k: (k[1], k[0], k[2]))
    assert len(body["items"]) == 6  # April is after dateTo


def test_pages_follow_one_stable_order(admin, tracked):
    whole = keys(admin.ok("get", REPORT))
    assert len(whole) == 7
    pages = [keys(admin.ok("get", f"{REPORT}&offset={o}&limit=2")) for o in range(0, 8, 2)]
    assert [k for page in pages for k in page] == whole
    assert admin.ok("get", f"{REPORT}&offset=7")["items"] == []


def billed(user, day, task):
    return (user, day, task) == ("worker", "2025-03-03", "design")


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("userIds={worker}", lambda u, d, t: u == "worker"),
        ("userIds=me", lambda u, d, t: False),  # the admin tracked nothing
        ("userIds={other},me", lambda u, d, t: u == "other"),
        ("customerIds={globex}", lambda u, d, t: t == "migrate"),
        ("projectIds={web}", lambda u, d, t: t in ("design", "build")),
        # AND, unlike GET /timetrack (where taskIds wins over projectIds and customerIds)
        ("projectIds={web}&taskIds={build}", lambda u, d, t: t == "build"),
        ("customerIds={globex}&taskIds={design}", lambda u, d, t: False),
        ("taskIds={release},{migrate}", lambda u, d, t: t in ("release", "migrate")),
        ("typeOfWorkIds={internal}", lambda u, d, t: t == "build"),
        ("departmentIds={ops}", lambda u, d, t: u == "worker"),
        ("departmentIds=-1", lambda u, d, t: u == "other"),  # the default department
        ("billable=false", lambda u, d, t: t == "build"),
        ("billable=true&userIds={other}", lambda u, d, t: u == "other" and t != "build"),
        ("billed=true", billed),
        ("billed=false&dateTo=2025-03-31", lambda u, d, t: d < "2025-04" and not billed(u, d, t)),
        (
            "dateFrom=2025-03-04&dateTo=2025-03-05",
            lambda u, d, t: "2025-03-04" <= d <= "2025-03-05",
        ),
    ],
)
def test_filters(admin, tracked, query, matches):
    ids = {**tracked["tasks"], **tracked["customers"], **tracked["projects"]}
    ids.update(worker=tracked["worker"].id, other=tracked["other"].id)
    ids.update(ops=tracked["ops"], internal=tracked["internal"])
    query = query.format(**ids)
    url = "/reports/detailed?" + ("" if "dateFrom" in query else "dateFrom=2025-03-01&") + query
    users = {ids[name]: name for name in ("worker", "other")}
    tasks = {task_id: name for name, task_id in tracked["tasks"].items()}
    items = admin.ok("get", url)["items"]
    got = {(users[r["userId"]], r["date"], tasks[r["taskId"]]) for r in items}
    expected = {(u, d, t) for u, d, t, _, _ in RECORDS if matches(u, d, t)}
    assert got == expected
    _, *rows = parse(admin.get(url + "&format=csv"))  # the CSV answers the same rows
    assert [(int(r[1]), r[0], int(r[7])) for r in rows] == [
        (r["userId"], r["date"], r["taskId"]) for r in items
    ]


@pytest.mark.parametrize(
    ("query", "status", "key"),
    [
        ("", 400, "api.error.invalid_argument"),  # dateFrom is required
        ("?dateFrom=2025-03-02&dateTo=2025-03-01", 400, "api.error.invalid_date_range"),
        ("?dateFrom=2025-03-01&format=docx", 400, "api.error.invalid_argument"),
        ("?dateFrom=2025-03-01&limit=1001", 400, "api.error.invalid_argument"),
        ("?dateFrom=2025-03-01&stopAfter=5", 400, "api.error.invalid_argument"),
        ("?dateFrom=2025-03-01&billable=maybe", 400, "api.error.invalid_argument"),
    ],
)
def test_bad_arguments(admin, query, status, key):
    response = admin.get("/reports/detailed" + query)
    assert response.status_code == status
    assert response.get_json()["key"] == key
    # Refused before anything is streamed: the one error shape, in JSON.
    assert response.mimetype == "application/json"


def test_csv_holds_every_matching_row_as_the_json_shows_it(admin, tracked):
    body = admin.ok("get", REPORT)
    response = admin.get(REPORT + "&format=csv&limit=1&offset=3")  # paging does not apply
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="detailed-report.csv"'
    header, *rows = parse(response)
    assert header == list(DETAILED_HEADER)
    assert len(rows) == len(body["items"]) == 7

    def written(item):
        cells = []
        for name in DETAILED_HEADER:
            value = item[name]
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif value is None:
                value = ""
            elif isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                value = "'" + value  # the formula guard
            cells.append(str(value))
        return cells

    assert rows == [written(item) for item in body["items"]]
    comments = [row[DETAILED_HEADER.index("comment")] for row in rows]
    assert comments[:3] == ['Drew "it", twice\nthen =SUM(A1)', "'@risk", ""]
    assert "'=cmd|' /C calc'!A0" in comments and "'-2+3" in comments


def test_csv_filters_apply(admin, tracked):
    query = f"&format=csv&userIds={tracked['other'].id}&billable=true"
    _, *rows = parse(admin.get(REPORT + query))
    assert [(r[1], r[8]) for r in rows] == [(str(tracked["other"].id), "Design")]
    # Nothing matching: the header alone.
    assert parse(admin.get("/reports/detailed?dateFrom=2030-01-01&format=csv")) == [
        list(DETAILED_HEADER)
    ]


def accepting(api, path: str, accept: str):
    """GET with an Accept header (the test client's own, with the caller's credentials)."""
    return api.client.get("/api/v1" + path, headers={**api.headers, "Accept": accept})


def test_accept_header_chooses_csv_and_format_wins_over_it(admin, tracked):
    assert admin.get(REPORT).mimetype == "application/json"
    assert len(parse(accepting(admin, REPORT, "text/csv"))) == 8
    assert accepting(admin, REPORT, "text/csv;q=0.5, application/json").is_json
    assert accepting(admin, REPORT, "*/*").is_json
    assert accepting(admin, REPORT, "text/html").is_json  # neither: JSON, never 406
    assert accepting(admin, REPORT + "&format=json", "text/csv").is_json
    assert len(parse(accepting(admin, REPORT + "&format=csv", "application/json"))) == 8


def test_the_stream_reads_through_a_connection_it_gives_back(app, admin, tracked, monkeypatch):
    monkeypatch.setattr(csv_stream, "CHUNK_ROWS", 2)
    pool = app.extensions["timetracker"]["engine"].pool
    response = admin.get(REPORT + "&format=csv", buffered=False)
    assert response.is_streamed
    body = iter(response.response)
    assert next(body).startswith(b"date,userId,")  # the header, before any query
    assert next(body).count(b"\r\n") == 2
    assert pool.checkedout() == 1  # the stream's own connection, open while it is read
    response.close()  # a client that hangs up
    assert pool.checkedout() == 0
    # Read to the end, it closes the connection as well.
    assert len(admin.get(REPORT + "&format=csv").get_data().splitlines()) == 9
    assert pool.checkedout() == 0


# --- what each role gets: exactly the records GET /timetrack shows it -------------------------


# Records of March: the worker's on Design and Build (Web, Acme) and on Release (App, Acme:
# tracked while the worker was assigned to App, no longer assigned now), the admin's on Migrate
# (ERP, Globex) and Design, and the role's own on Build.
SEES = {
    "nobody": 0,
    "worker": 2,  # own time on current work assignments
    "approver": 3,  # the team (the worker) on the scope of work (Acme)
    "scoper": 3,
    "biller": 3,
    "accounts": 6,
    "settings": 0,
    "pto": 0,
    "locker": 0,
    "seer": 6,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_what_timetrack_shows_it(company, role):  # noqa: F811
    clients, ids = company
    admin, client = clients["admin"], clients[role]

    def assign(user, project):
        admin.ok("put", f"/users/{ids[user]}/workAssignments", {"projectIds": [ids[project]]})

    def track(user, day, task):
        admin.ok("patch", path(ids[user], day, ids[task]), {"time": 60})

    assign("worker", "App")
    track("worker", "2025-03-05", "Release")
    assign("worker", "Web")
    track("worker", "2025-03-03", "Design")
    track("worker", "2025-03-04", "Build")
    track("admin", "2025-03-05", "Migrate")
    track("admin", "2025-03-06", "Design")
    if role != "worker":
        assign(role, "Web")
        track(role, "2025-03-07", "Build")
        assign(role, "Web")
    shown = client.ok("get", "/timetrack?dateFrom=2025-03-01&dateTo=2025-03-31")
    expected = {(d["userId"], d["date"], r["taskId"]) for d in shown["data"] for r in d["records"]}
    assert len(expected) == SEES[role], (role, expected)
    report = client.ok("get", "/reports/detailed?dateFrom=2025-03-01&dateTo=2025-03-31")
    assert len(report["items"]) == len(expected)
    assert set(keys(report)) == expected
    _, *rows = parse(client.get("/reports/detailed?dateFrom=2025-03-01&format=csv"))
    assert {(int(r[1]), r[0], int(r[7])) for r in rows} == expected


def test_the_detailed_report_at_entry_grain(app, admin, worker, catalogue):
    import csv
    import io

    design = catalogue["tasks"]["design"]["id"]
    worker.ok("patch", f"/timetrack/me/2025-03-04/{design}", {"time": 30, "comment": "c"})
    timed = worker.ok(
        "post",
        "/timeEntries",
        {"taskId": design, "start": "2025-03-04T15:00:00Z", "minutes": 45, "description": "d",
         "billable": False},
    )  # fmt: skip
    query = "/reports/detailed?dateFrom=2025-03-01&dateTo=2025-03-31"
    [record] = admin.ok("get", query)["items"]
    assert (record["minutes"], record["comment"]) == (75, "c") and "entryId" not in record
    rows = admin.ok("get", query + "&grain=entry")["items"]
    assert [(r["minutes"], r["start"], r["description"], r["billable"]) for r in rows] == [
        (30, None, None, True),
        (45, "2025-03-04T15:00:00Z", "d", False),
    ]
    assert rows[1]["entryId"] == timed["id"] and "comment" not in rows[1]
    assert sum(r["minutes"] for r in rows) == record["minutes"]  # one truth
    assert [r["entryId"] for r in admin.ok("get", query + "&grain=entry&billable=false")[
        "items"]] == [timed["id"]]  # fmt: skip
    text = admin.get(query + "&grain=entry&format=csv").get_data(as_text=True)
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [(r["entryId"], r["start"], r["end"]) for r in lines] == [
        (str(rows[0]["entryId"]), "", ""),
        (str(timed["id"]), "2025-03-04T15:00:00Z", "2025-03-04T15:45:00Z"),
    ]
    assert admin.get(query + "&grain=day").status_code == 400
