"""The Teamwork time API at /teamwork: its documented shapes, the same entries and totals as
/api/v1, paging, filters, refusals, authentication as its clients send it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, PG_URL, basic
from timetracker.access import ENTER_TIME_TRACK
from timetracker.schemas import teamwork as schemas

TW = "/teamwork"

# The documented examples (the Teamwork time API's reference), key for key and type for type.
LISTED_ENTRY = {
    "project-id": "999",
    "minutes": "15",
    "isbillable": "1",
    "person-first-name": "Demo",
    "todo-list-name": "",
    "description": "",
    "todo-item-name": "",
    "todo-list-id": "",
    "tags": [{"name": "tag1", "id": "15990", "color": "#2f8de4"}],
    "company-id": "999",
    "person-id": "999",
    "project-status": "active",
    "project-name": "Test Project",
    "company-name": "Demo 1 Company",
    "id": "999",
    "date": "2013-10-09T18:05:00Z",
    "todo-item-id": "",
    "invoiceNo": "",
    "person-last-name": "User",
    "has-start-time": "0",
    "hours": "0",
}
# GET /todo_items/{id}/time_entries.json documents the same without project-status.
TODO_ITEM_ENTRY = {k: v for k, v in LISTED_ENTRY.items() if k != "project-status"}
SINGLE_ENTRY = {
    **{k: v for k, v in LISTED_ENTRY.items() if k not in ("tags", "project-status")},
    "has-start-time": True,
}
TOTALS = {
    "total-mins-sum": "25",
    "non-billed-mins-sum": "25",
    "non-billable-hours-sum": "0.42",
    "total-hours-sum": "0.42",
    "billed-mins-sum": "0",
    "billed-hours-sum": "0.00",
    "billable-hours-sum": "0.42",
    "non-billable-mins-sum": "25",
    "non-billed-hours-sum": "0.42",
    "billable-mins-sum": "25",
}
ESTIMATES = {
    "total-hours-estimated": "2.17",
    "active-mins-estimated": "105",
    "total-mins-estimated": "130",
    "active-hours-estimated": "1.75",
    "completed-hours-estimated": "0.42",
    "completed-mins-estimated": "25",
}
COMPANY = {"name": "Digital Crew", "id": "47"}
PROJECT_TOTALS = {
    "STATUS": "OK",
    "projects": [
        {
            "company": COMPANY,
            "time-estimates": ESTIMATES,
            "name": "Time Logging Project",
            "id": "1049",
            "time-totals": TOTALS,
        }
    ],
}
TASKLIST_TOTALS = {
    "STATUS": "OK",
    "projects": [
        {
            "company": COMPANY,
            "name": "Time Logging Project",
            "tasklist": {
                "time-estimates": ESTIMATES,
                "name": "Time Rollup",
                "id": "1027",
                "time-totals": TOTALS,
            },
            "id": "1049",
        }
    ],
}
TASK_TOTALS = {
    "STATUS": "OK",
    "projects": [
        {
            "company": COMPANY,
            "name": "Time Logging Project",
            "tasklist": {
                "name": "Time Rollup",
                "task": {
                    "time-estimates": ESTIMATES,
                    "name": "Some specific task",
                    "id": "7641",
                    "time-totals": TOTALS,
                },
                "id": "1027",
            },
            "id": "1049",
        }
    ],
}
PER_PROJECT = {
    "STATUS": "OK",
    "projects": [
        {
            "company": {"name": "Company 1", "id": "12345"},
            "name": "project name",
            "totalNonBillableMins": "0",
            "totalBillableMins": "30",
            "id": "315410",
            "totalMins": "30",
        }
    ],
}
# What answers hold beyond the examples, on purpose: every listed entry has the first example's
# keys (project-status too), and a single entry also its tags and project status.
EXTRA = {"project-status", "tags"}


def same_shape(answer: Any, example: Any, where: str = "") -> None:
    """``answer`` has the example's keys (and only those, or EXTRA), each of the example's type,
    all the way down (lists: each item against the example's first)."""
    if isinstance(example, dict):
        assert isinstance(answer, dict), where
        assert set(example) <= set(answer), (where, set(example) - set(answer))
        assert set(answer) - set(example) <= EXTRA, (where, set(answer) - set(example))
        for key, value in example.items():
            same_shape(answer[key], value, f"{where}.{key}")
    elif isinstance(example, list):
        # Tags are not kept yet: every entry's list is empty.
        assert isinstance(answer, list) and (answer or where.endswith(".tags")), where
        for item in answer:
            same_shape(item, example[0], where + "[]")
    else:
        assert type(answer) is type(example), (where, answer, example)


class Teamwork:
    """A client of the Teamwork face: Basic credentials (a token as the user name, or a user
    name and password), paths under /teamwork."""

    def __init__(self, client, username: str, password: str = ""):
        self.client = client
        self.headers = basic(username, password)

    def request(self, method: str, path: str, **kw):
        return self.client.open(TW + path, method=method.upper(), headers=self.headers, **kw)

    def ok(self, method: str, path: str, json=None, status: int = 200):
        kwargs = {} if json is None else {"json": json}
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json(silent=True)

    def refused(self, method: str, path: str, json=None, status: int = 400) -> dict:
        kwargs = {} if json is None else {"json": json}
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, (response.status_code, response.get_json())
        body = response.get_json()
        assert body["STATUS"] == "Error" and body["MESSAGE"] == body["message"]
        assert body["key"].startswith("api.error.")
        return body


def entry(date="20250304", **fields) -> dict:
    return {"time-entry": {"date": date, **fields}}


def stored(app) -> list[tuple]:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        entries = conn.execute(text("SELECT * FROM time_entries ORDER BY id")).all()
        records = conn.execute(text("SELECT * FROM day_records ORDER BY 1, 2, 3")).all()
    return [tuple(r) for r in entries] + [tuple(r) for r in records]


@pytest.fixture
def tw(client, worker):
    return Teamwork(client, "worker", "worker")


@pytest.fixture
def tw_admin(client):
    return Teamwork(client, "admin", ADMIN_PASSWORD)


@pytest.fixture
def ids(catalogue):
    return {
        **{name: t["id"] for name, t in catalogue["tasks"].items()},
        **{name: p["id"] for name, p in catalogue["projects"].items()},
    }


# --- entries: the same entries as /api/v1 --------------------------------------------------------


def test_entries_made_here_are_the_entries_of_api_v1_and_timetrack(app, tw, worker, ids):
    made = tw.request(
        "post",
        f"/tasks/{ids['design']}/time_entries.json",
        json=entry(time="9:5", hours="1", minutes="15", isbillable="0", description="Mockups"),
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body == {"timeLogId": body["timeLogId"], "STATUS": "OK"}
    assert made.headers["Location"].endswith(f"/teamwork/time_entries/{body['timeLogId']}.json")
    timed = int(body["timeLogId"])
    untimed = int(
        tw.ok("post", f"/todo_items/{ids['build']}/time_entries.json", entry(minutes=30), 201)[
            "timeLogId"
        ]
    )
    in_project = int(
        tw.ok(
            "post",
            f"/projects/{ids['web']}/time_entries.json",
            entry(date="20250305", **{"todo-item-id": str(ids["design"]), "hours": 2}),
            201,
        )["timeLogId"]
    )

    listed = {e["id"]: e for e in worker.ok("get", "/timeEntries")["items"]}
    assert set(listed) == {timed, untimed, in_project}
    # The worker's time zone group is New York's: 09:05 there is 14:05 UTC in March.
    assert listed[timed]["start"] == "2025-03-04T14:05:00Z"
    assert listed[timed]["end"] == "2025-03-04T15:20:00Z"
    assert (listed[timed]["minutes"], listed[timed]["billable"]) == (75, False)
    assert listed[timed]["description"] == "Mockups"
    assert (listed[untimed]["start"], listed[untimed]["minutes"]) == (None, 30)
    assert (listed[in_project]["date"], listed[in_project]["minutes"]) == ("2025-03-05", 120)

    days = worker.ok("get", "/timetrack?dateFrom=2025-03-04&dateTo=2025-03-05")["data"]
    cells = {(d["date"], r["taskId"]): r["time"] for d in days for r in d["records"]}
    assert cells == {
        ("2025-03-04", ids["design"]): 75,
        ("2025-03-04", ids["build"]): 30,
        ("2025-03-05", ids["design"]): 120,
    }

    one = tw.ok("get", f"/time_entries/{timed}.json")
    same_shape(one, {"STATUS": "OK", "time-entry": SINGLE_ENTRY})
    shown = one["time-entry"]
    assert shown["date"] == "2025-03-04T14:05:00Z" and shown["has-start-time"] is True
    assert (shown["hours"], shown["minutes"], shown["isbillable"]) == ("1", "15", "0")
    assert shown["todo-item-id"] == str(ids["design"]) == str(listed[timed]["taskId"])
    assert (shown["todo-list-id"], shown["todo-list-name"]) == (str(ids["web"]), "Website")
    assert (shown["project-id"], shown["project-name"]) == (str(ids["web"]), "Website")
    assert (shown["company-name"], shown["todo-item-name"]) == ("Acme", "Design")
    assert (shown["person-id"], shown["person-first-name"]) == (str(worker.id), "worker")
    assert shown["tags"] == [] and shown["invoiceNo"] == ""  # none given
    untimed_shown = tw.ok("get", f"/time_entries/{untimed}.json")["time-entry"]
    # Without a start: the beginning of its day in New York, in UTC.
    assert untimed_shown["date"] == "2025-03-04T05:00:00Z"
    assert untimed_shown["has-start-time"] is False


def test_list_answers_have_the_documented_shape(tw, ids):
    tw.ok("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes=15), 201)
    tw.ok("post", f"/tasks/{ids['build']}/time_entries.json", entry(time="10:10", hours=1), 201)
    for path, example in (
        ("/time_entries.json", LISTED_ENTRY),
        (f"/projects/{ids['web']}/time_entries.json", LISTED_ENTRY),
        (f"/todo_items/{ids['design']}/time_entries.json", TODO_ITEM_ENTRY),
        (f"/tasks/{ids['design']}/time_entries.json", TODO_ITEM_ENTRY),
    ):
        body = tw.ok("get", path)
        same_shape(body, {"time-entries": [example], "STATUS": "OK"})
    # Answered as the service shapes them: exactly what their documented schemas dump.
    listing = tw.ok("get", "/time_entries.json")
    assert schemas.TeamworkTimeEntryListSchema().dump(listing) == listing
    one = tw.ok("get", f"/time_entries/{listing['time-entries'][0]['id']}.json")
    assert schemas.TeamworkTimeEntryOneSchema().dump(one) == one
    flags = {e["has-start-time"] for e in tw.ok("get", "/time_entries.json")["time-entries"]}
    assert flags == {"0", "1"}
    only_design = tw.ok("get", f"/tasks/{ids['design']}/time_entries.json")["time-entries"]
    assert [e["todo-item-id"] for e in only_design] == [str(ids["design"])]


def test_update_and_delete(app, tw, worker, admin, ids):
    entry_id = tw.ok("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes=20), 201)[
        "timeLogId"
    ]
    path = f"/time_entries/{entry_id}.json"
    assert tw.ok("put", path, entry(date="20250306", hours="2", minutes="5")) == {"STATUS": "OK"}
    [one] = worker.ok("get", "/timeEntries")["items"]
    assert (one["date"], one["minutes"], one["start"]) == ("2025-03-06", 125, None)
    # A time gives it a start; a new day alone keeps the start's time of day.
    tw.ok("put", path, {"time-entry": {"time": "08:30", "isbillable": True}})
    tw.ok("put", path, {"time-entry": {"date": "20250307", "description": "moved"}})
    [one] = worker.ok("get", "/timeEntries")["items"]
    assert (one["start"], one["end"]) == ("2025-03-07T13:30:00Z", "2025-03-07T15:35:00Z")
    assert (one["billable"], one["description"]) == (True, "moved")
    # Another task of the same project; project-id alone when the task is already in it.
    tw.ok("put", path, {"time-entry": {"todo-item-id": ids["build"], "project-id": ids["web"]}})
    assert worker.ok("get", "/timeEntries")["items"][0]["taskId"] == ids["build"]
    tw.refused("put", path, {"time-entry": {"project-id": ids["app"]}}, 404)  # not seen
    tw.refused("put", path, {"time-entry": {"todo-item-id": ids["release"]}}, 404)
    # A project alone cannot hold an entry: its task is named with it.
    Teamwork(admin.client, "admin", ADMIN_PASSWORD).refused(
        "put", path, {"time-entry": {"project-id": ids["app"]}}, 400
    )

    assert tw.ok("delete", path) == {"STATUS": "OK"}
    assert worker.ok("get", "/timeEntries")["items"] == []
    assert tw.ok("get", "/time_entries.json")["time-entries"] == []
    deleted = tw.ok("get", "/time_entries.json?showDeleted=true")["time-entries"]
    assert [e["id"] for e in deleted] == [str(entry_id)]
    tw.refused("get", path, status=404)
    tw.refused("put", path, entry(minutes=5), 404)
    tw.refused("delete", path, status=404)


def test_a_task_named_in_a_project_post_is_a_task_of_that_project(app, tw, ids):
    before = stored(app)
    project = f"/projects/{ids['web']}/time_entries.json"
    tw.refused("post", project, entry(minutes=5, **{"todo-item-id": ids["release"]}), 404)
    tw.refused("post", f"/projects/{ids['app']}/time_entries.json", entry(minutes=5), 404)
    no_time = tw.refused("post", f"/tasks/{ids['design']}/time_entries.json", entry())
    assert no_time["key"] == "api.error.time_required"
    task = f"/tasks/{ids['design']}/time_entries.json"
    tw.refused("post", task, entry(minutes=5, **{"todo-item-id": ids["build"]}), 400)
    assert stored(app) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date": "20260230", "minutes": 5}, "date"),
        ({"date": "2026-03-01", "minutes": 5}, "date"),
        ({"date": "20250304", "time": "25:00", "minutes": 5}, "time"),
        ({"date": "20250304", "time": "9:60", "minutes": 5}, "time"),
        ({"date": "20250304", "minutes": -5}, "minutes"),
        ({"date": "20250304", "minutes": "-5"}, "minutes"),
        ({"date": "20250304", "hours": "1.5"}, "hours"),
        ({"date": "20250304", "hours": "01"}, "hours"),
        ({"date": "20250304", "hours": 0, "minutes": 0}, "minutes"),
        ({"date": "20250304", "hours": 24, "minutes": 1}, "minutes"),
        ({"date": "20250304", "minutes": 5, "isbillable": "TRUE"}, "isbillable"),
        ({"date": "20250304", "minutes": 5, "isbillable": 2}, "isbillable"),
        ({"date": "20250304", "minutes": 5, "person-id": "abc"}, "person-id"),
        ({"date": "20250304", "minutes": 5, "isbillable": "yes"}, "isbillable"),
        ({"date": "20250304", "minutes": 5, "unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(app, tw, ids, fields, field):
    entry_id = tw.ok("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes=20), 201)[
        "timeLogId"
    ]
    before = stored(app)
    body = {"time-entry": fields}
    answer = tw.refused("post", f"/tasks/{ids['design']}/time_entries.json", body)
    assert field in answer["fields"]
    tw.refused("put", f"/time_entries/{entry_id}.json", body)
    assert stored(app) == before
    # A path id that is not a number names no entry.
    tw.refused("get", "/time_entries/abc.json", status=404)
    tw.refused("put", "/tasks/abc/time_entries.json", body, status=404)
    assert stored(app) == before


def test_the_rules_of_entries_apply(app, tw, admin, ids):
    """A day over 1440 minutes, a locked day: refused as on /api/v1, with nothing changed."""
    task = f"/tasks/{ids['design']}/time_entries.json"
    tw.ok("post", task, entry(hours=20), 201)
    before = stored(app)
    tw.refused("post", task, entry(hours=5), 400)
    admin.ok("post", "/timetrack/lock", {"dateFrom": "2025-03-01", "dateTo": "2025-03-31"})
    refused = tw.request("post", task, json=entry(date="20250310", minutes=5))
    assert refused.status_code in (400, 403, 409) and refused.get_json()["STATUS"] == "Error"
    assert stored(app) == before


# --- paging and filters --------------------------------------------------------------------------


def insert_entries(app, user_id: int, task_id: int, count: int) -> None:
    from timetracker.store import time_entries as store

    rows = [
        {
            "user_id": user_id,
            "date": dt.date(2025, 1, 1) + dt.timedelta(days=n % 300),
            "task_id": task_id,
            "minutes": 1 + n % 60,
        }
        for n in range(count)
    ]
    with app.extensions["timetracker"]["engine"].begin() as conn:
        store.insert_untimed(conn, rows)


@pytest.mark.parametrize(
    ("count", "query", "records", "pages", "page", "length"),
    [
        (0, "", 0, 0, 1, 0),
        (1, "", 1, 1, 1, 1),
        (500, "pageSize=500", 500, 1, 1, 500),
        (500, "", 500, 5, 1, 100),
        (501, "pageSize=500", 501, 2, 1, 500),
        (501, "pageSize=500&page=2", 501, 2, 2, 1),
        (501, "page=6", 501, 6, 6, 1),
        (501, "page=7", 501, 6, 7, 0),
    ],
)
def test_paging_headers(app, tw_admin, worker, ids, count, query, records, pages, page, length):
    insert_entries(app, worker.id, ids["design"], count)
    response = tw_admin.request("get", f"/time_entries.json?{query}")
    assert response.status_code == 200
    headers = (response.headers["X-Records"], response.headers["X-Pages"])
    assert headers == (str(records), str(pages))
    assert response.headers["X-Page"] == str(page)
    assert len(response.get_json()["time-entries"]) == length


def test_pages_follow_one_another_without_repeats(app, tw_admin, worker, ids):
    insert_entries(app, worker.id, ids["design"], 501)
    seen = []
    for page in (1, 2):
        body = tw_admin.ok("get", f"/time_entries.json?pageSize=500&page={page}")
        seen += [e["id"] for e in body["time-entries"]]
    assert len(seen) == len(set(seen)) == 501
    tw_admin.refused("get", "/time_entries.json?pageSize=501")
    tw_admin.refused("get", "/time_entries.json?page=0")


@pytest.fixture
def spread(app, admin, make_user, catalogue, ids):
    """Entries of two users over March 2025: timed and untimed, billable and not, one billed,
    one on an archived project, one deleted."""
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    admin.ok("patch", f"/tasks/{ids['build']}", {"typeOfWorkId": internal["id"]})
    people = {}
    for name in ("worker", "other"):
        person = make_user(ENTER_TIME_TRACK, username=name, assign_all=True)
        people[name] = (person, Teamwork(person.client, name, name))
    worker_tw, other_tw = people["worker"][1], people["other"][1]
    made = {}

    def add(key, who, task, **fields):
        path = f"/tasks/{ids[task]}/time_entries.json"
        made[key] = int(who.ok("post", path, {"time-entry": fields}, 201)["timeLogId"])

    add("early", worker_tw, "design", date="20250303", time="08:00", minutes=30)
    add("late", worker_tw, "design", date="20250303", time="17:00", minutes=45)
    add("untimed", worker_tw, "build", date="20250310", hours=1)
    add("other", other_tw, "design", date="20250312", minutes=20, description="b")
    add("archived", other_tw, "migrate", date="20250314", minutes=10)
    add("billed", worker_tw, "release", date="20250201", minutes=15)
    add("gone", worker_tw, "design", date="20250320", minutes=5)
    admin.ok("post", "/invoices", {"number": "INV-7", "dateFrom": "2025-02-01",
                                   "dateTo": "2025-02-01"})  # fmt: skip
    worker_tw.ok("delete", f"/time_entries/{made['gone']}.json")
    admin.ok("patch", f"/projects/{ids['erp']}", {"archived": True})
    return {"ids": made, "users": {n: p[0].id for n, p in people.items()}}


def listed(client, query: str = "", path: str = "/time_entries.json") -> list[int]:
    return [int(e["id"]) for e in client.ok("get", f"{path}?{query}")["time-entries"]]


def test_every_filter(tw_admin, spread, ids):
    made, people = spread["ids"], spread["users"]
    n = {key: made[key] for key in made}
    everything = ["billed", "early", "late", "untimed", "other", "archived"]
    assert listed(tw_admin) == [n[k] for k in everything]
    assert listed(tw_admin, "sortorder=DESC") == [n[k] for k in reversed(everything)]
    # Days, and moments in the caller's time zone (admin's: New York, as the worker's).
    assert listed(tw_admin, "fromdate=20250303&todate=20250310") == [
        n["early"], n["late"], n["untimed"]
    ]  # fmt: skip
    assert listed(tw_admin, "fromdate=20250303&fromtime=12:00&todate=20250310") == [
        n["late"], n["untimed"]
    ]  # fmt: skip
    assert listed(tw_admin, "fromDate=20250303&toDate=20250303&toTime=9:0") == [n["early"]]
    both = "fromdate=20250303&fromDate=20250303&sortby=date&sortBy=date"
    assert listed(tw_admin, both) == listed(tw_admin, "fromdate=20250303")
    answer = tw_admin.refused("get", "/time_entries.json?fromdate=20250303&fromDate=20250304")
    assert answer["key"] == "api.error.conflicting_parameters"
    answer = tw_admin.refused("get", "/time_entries.json?fromtime=10:00")
    assert answer["key"] == "api.error.time_without_date"
    tw_admin.refused("get", "/time_entries.json?fromdate=20250310&todate=20250303")
    assert listed(tw_admin, f"userId={people['other']}") == [n["other"], n["archived"]]
    assert listed(tw_admin, "billableType=nonbillable") == [n["untimed"]]
    assert n["untimed"] not in listed(tw_admin, "billableType=billable")
    assert listed(tw_admin, "invoicedType=invoiced") == [n["billed"]]
    assert n["billed"] not in listed(tw_admin, "invoicedType=noninvoiced")
    assert listed(tw_admin, "projectType=archived") == [n["archived"]]
    assert n["archived"] not in listed(tw_admin, "projectType=active")
    assert listed(tw_admin, "showDeleted=true")[-1] == n["gone"]
    assert listed(tw_admin, "tagIds=1,2") == []  # no tags in this world
    assert listed(tw_admin, f"projectType=all&userId={people['other']}&sortBy=project") == [
        n["archived"], n["other"]
    ]  # fmt: skip
    billed = tw_admin.ok("get", f"/time_entries/{n['billed']}.json")["time-entry"]
    assert billed["invoiceNo"] == "INV-7"
    status = {e["id"]: e["project-status"] for e in
              tw_admin.ok("get", "/time_entries.json")["time-entries"]}  # fmt: skip
    assert status[str(n["archived"])] == "archived" and status[str(n["early"])] == "active"


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("user", "other"),  # "other" before "worker"
        ("task", "untimed"),  # Build, then Design
        ("tasklist", "archived"),  # ERP, then Mobile app, then Website
        ("project", "archived"),
        ("company", "early"),  # Acme, then Globex; then by id
        ("dateupdated", "early"),  # billing changed "billed" after it was made
        ("date", "billed"),
    ],
)
def test_every_sort(tw_admin, spread, sort, first):
    made = spread["ids"]
    for spelling in ("sortby", "sortBy"):
        ascending = listed(tw_admin, f"{spelling}={sort}")
        assert ascending[0] == made[first], sort
        descending = listed(tw_admin, f"{spelling}={sort}&sortOrder=desc")
        assert sorted(descending) == sorted(ascending)
    tw_admin.refused("get", "/time_entries.json?sortby=priority")


def answered(entry_id, project, task, person, date, minutes, **more) -> dict:
    """An entry as a list answers it, key for key in the answer's order: ``project`` (id, name,
    status, company id, company name), ``task`` (id, name; None for time on the project),
    ``person`` (id, first name, last name)."""
    project_id, project_name, status, company_id, company_name = project
    item_id, item_name = task or ("", "")
    list_id, list_name = (str(project_id), project_name) if task else ("", "")
    return {
        "id": str(entry_id),
        "project-id": str(project_id),
        "project-name": project_name,
        "project-status": status,
        "company-id": str(company_id),
        "company-name": company_name,
        "todo-list-id": list_id,
        "todo-list-name": list_name,
        "todo-item-id": str(item_id) if task else "",
        "todo-item-name": item_name,
        "person-id": str(person[0]),
        "person-first-name": person[1],
        "person-last-name": person[2],
        "description": more.get("description", ""),
        "date": date,
        "hours": str(minutes // 60),
        "minutes": str(minutes % 60),
        "isbillable": more.get("isbillable", "1"),
        "invoiceNo": more.get("invoiceNo", ""),
        "tags": more.get("tags", []),
        "has-start-time": more.get("timed", "0"),
    }


def as_sent(body) -> bytes:
    """JSON as the server writes it: compact, keys in order, UTF-8 unescaped."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_whole_page_byte_for_byte(app, tw_admin, admin, spread, catalogue, ids):
    """Every kind of entry on one page (timed, untimed across a change of summer time, tagged,
    billable and not, billed, on an archived project, time on a project without a task, deleted),
    and single entries, exactly as answered: every key, in order, every value's type and text."""
    made, people = spread["ids"], spread["users"]
    admin.ok("patch", f"/users/{people['worker']}", {"firstName": "Wanda", "lastName": "Ölund"})
    call = admin.ok("post", "/tags", {"name": "Call", "color": "#2f8de4"})
    tw_admin.ok("put", f"/time_entries/{made['late']}.json",
                {"time-entry": {"tags": "call, Follow-up"}})  # fmt: skip
    follow_up = [t for t in admin.ok("get", "/tags")["items"] if t["name"] == "Follow-up"][0]
    on_project = {"date": "20250311", "time": "23:30", "minutes": 90, "isbillable": "1",
                  "person-id": str(people["worker"]), "description": 'Über "quoted"'}  # fmt: skip
    general = int(tw_admin.ok("post", f"/projects/{ids['web']}/time_entries.json",
                              {"time-entry": on_project}, 201)["timeLogId"])  # fmt: skip

    acme, globex = (catalogue["customers"][c]["id"] for c in ("acme", "globex"))
    web = (ids["web"], "Website", "active", acme, "Acme")
    mobile = (ids["app"], "Mobile app", "active", acme, "Acme")
    erp = (ids["erp"], "ERP", "archived", globex, "Globex")
    wanda = (people["worker"], "Wanda", "Ölund")
    other = (people["other"], "other", "")
    tags = [
        {"id": str(call["id"]), "name": "Call", "color": "#2f8de4"},
        {"id": str(follow_up["id"]), "name": "Follow-up", "color": follow_up["color"]},
    ]
    # The people's time zone is New York's: untimed entries are at its midnight, in UTC.
    entries = [
        answered(made["billed"], mobile, (ids["release"], "Release"), wanda,
                 "2025-02-01T05:00:00Z", 15, invoiceNo="INV-7"),
        answered(made["early"], web, (ids["design"], "Design"), wanda,
                 "2025-03-03T13:00:00Z", 30, timed="1"),
        answered(made["late"], web, (ids["design"], "Design"), wanda,
                 "2025-03-03T22:00:00Z", 45, timed="1", tags=tags),
        answered(made["untimed"], web, (ids["build"], "Build"), wanda,
                 "2025-03-10T04:00:00Z", 60, isbillable="0"),
        answered(general, web, None, wanda, "2025-03-12T03:30:00Z", 90, timed="1",
                 description='Über "quoted"'),
        answered(made["other"], web, (ids["design"], "Design"), other,
                 "2025-03-12T04:00:00Z", 20, description="b"),
        answered(made["archived"], erp, (ids["migrate"], "Migrate data"), other,
                 "2025-03-14T04:00:00Z", 10),
        answered(made["gone"], web, (ids["design"], "Design"), wanda,
                 "2025-03-20T04:00:00Z", 5),
    ]  # fmt: skip

    whole = tw_admin.request("get", "/time_entries.json?showDeleted=true")
    assert whole.status_code == 200
    assert whole.data == as_sent({"time-entries": entries, "STATUS": "OK"})
    assert [whole.headers[h] for h in ("X-Records", "X-Pages", "X-Page")] == ["8", "1", "1"]
    last = tw_admin.request("get", "/time_entries.json?showDeleted=true&pageSize=3&page=3")
    assert last.data == as_sent({"time-entries": entries[6:], "STATUS": "OK"})
    assert [last.headers[h] for h in ("X-Records", "X-Pages", "X-Page")] == ["8", "3", "3"]
    beyond = tw_admin.request("get", "/time_entries.json?showDeleted=true&pageSize=3&page=4")
    assert beyond.data == as_sent({"time-entries": [], "STATUS": "OK"})
    assert [beyond.headers[h] for h in ("X-Records", "X-Pages", "X-Page")] == ["8", "3", "4"]
    in_project = tw_admin.request("get", f"/projects/{ids['web']}/time_entries.json")
    on_web = [e for e in entries[:-1] if e["project-id"] == str(ids["web"])]
    assert in_project.data == as_sent({"time-entries": on_web, "STATUS": "OK"})

    # One entry: the same keys and values, has-start-time a boolean.
    for shown in entries[:-1]:
        one = tw_admin.request("get", f"/time_entries/{shown['id']}.json")
        single = {**shown, "has-start-time": shown["has-start-time"] == "1"}
        assert one.data == as_sent({"time-entry": single, "STATUS": "OK"}), shown["id"]


# --- totals --------------------------------------------------------------------------------------


def v1_totals(admin, query: str) -> dict:
    return admin.ok("get", f"/timetrack/totals?{query}")["totals"]


def agrees(sums: dict, v1: dict) -> None:
    for part, key in (
        ("total", "totalMinutes"),
        ("billable", "billableMinutes"),
        ("non-billable", "nonBillableMinutes"),
        ("billed", "billedMinutes"),
        ("non-billed", "nonBilledMinutes"),
    ):
        assert sums[f"{part}-mins-sum"] == str(v1[key]), part
        assert sums[f"{part}-hours-sum"] == f"{v1[key] / 60:.2f}", part


def test_totals_have_the_documented_shape_and_agree_with_api_v1(tw_admin, admin, spread, ids):
    admin.ok("patch", f"/tasks/{ids['design']}", {"estimatedTime": 130})
    body = tw_admin.ok("get", "/time/total.json")
    same_shape(body, {"STATUS": "OK", "time-totals": TOTALS})
    agrees(body["time-totals"], v1_totals(admin, ""))
    assert body["time-totals"]["billed-mins-sum"] == "15"
    assert body["time-totals"]["non-billable-mins-sum"] == "60"

    project = tw_admin.ok("get", f"/projects/{ids['web']}/time/total.json")
    same_shape(project, PROJECT_TOTALS)
    agrees(project["projects"][0]["time-totals"], v1_totals(admin, f"projectIds={ids['web']}"))
    estimates = project["projects"][0]["time-estimates"]
    assert (estimates["total-mins-estimated"], estimates["total-hours-estimated"]) == (
        "130", "2.17"
    )  # fmt: skip
    assert project["projects"][0]["company"] == {"id": "1", "name": "Acme"}

    task_list = tw_admin.ok("get", f"/tasklists/{ids['web']}/time/total.json")
    same_shape(task_list, TASKLIST_TOTALS)
    assert (
        task_list["projects"][0]["tasklist"]["time-totals"]
        == (project["projects"][0]["time-totals"])
    )
    task = tw_admin.ok("get", f"/tasks/{ids['design']}/time/total.json")
    same_shape(task, TASK_TOTALS)
    agrees(
        task["projects"][0]["tasklist"]["task"]["time-totals"],
        v1_totals(admin, f"taskIds={ids['design']}"),
    )

    per_project = tw_admin.ok("get", "/projects/time/total.json")
    same_shape(per_project, PER_PROJECT)
    by_id = {p["id"]: p for p in per_project["projects"]}
    web = v1_totals(admin, f"projectIds={ids['web']}")
    assert by_id[str(ids["web"])]["totalMins"] == str(web["totalMinutes"])
    assert by_id[str(ids["web"])]["totalBillableMins"] == str(web["billableMinutes"])
    assert by_id[str(ids["web"])]["totalNonBillableMins"] == str(web["nonBillableMinutes"])
    first = tw_admin.ok("get", "/projects/time/total.json?pageSize=1&page=2")["projects"]
    assert [p["id"] for p in first] == [per_project["projects"][1]["id"]]


def test_totals_filters_agree_with_api_v1(tw_admin, admin, spread, ids):
    other = spread["users"]["other"]
    for query, v1 in (
        ("fromDate=20250303&toDate=20250310", "dateFrom=2025-03-03&dateTo=2025-03-10"),
        ("fromdate=20250311", "dateFrom=2025-03-11"),
        ("toDate=20250302", "dateTo=2025-03-02"),
        (f"userId={other}", f"userIds={other}"),
        ("projectType=archived", "archived=archived"),
        ("projectType=active", "archived=active"),
    ):
        agrees(tw_admin.ok("get", f"/time/total.json?{query}")["time-totals"],
               v1_totals(admin, v1))  # fmt: skip
    tw_admin.refused("get", "/time/total.json?fromDate=20250230")
    tw_admin.refused("get", f"/projects/{ids['web']}/time/total.json?fromTime=10:00")


# --- time on a project, without a task -----------------------------------------------------------


def general_tasks(app) -> list[tuple]:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        rows = conn.execute(text("SELECT id, project_id, name FROM tasks WHERE general")).all()
    return [tuple(r) for r in rows]


def task_count(app) -> int:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        return conn.execute(text("SELECT count(*) FROM tasks")).scalar_one()


def test_time_on_a_project_without_a_task(app, tw, worker, admin, ids):
    project = f"/projects/{ids['web']}/time_entries.json"
    left_out = int(tw.ok("post", project, entry(time="9:00", minutes=30), 201)["timeLogId"])
    empty = int(tw.ok("post", project, entry(hours=1, **{"todo-item-id": ""}), 201)["timeLogId"])
    zero = int(
        tw.ok("post", project, entry("20250305", minutes=10, **{"todo-item-id": "0"}), 201)[
            "timeLogId"
        ]
    )
    on_task = int(
        tw.ok("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes=5), 201)[
            "timeLogId"
        ]
    )
    # One general task for the project, made by the first entry (the worker has no right to
    # change the catalogue), named as documented, an ordinary task of /api/v1.
    [(general, project_id, name)] = general_tasks(app)
    assert (project_id, name) == (ids["web"], "General")
    task = admin.ok("get", f"/tasks/{general}")
    assert (task["name"], task["projectId"], task["status"]) == ("General", ids["web"], "open")
    listed = [t["id"] for t in admin.ok("get", f"/tasks?projectIds={ids['web']}")["items"]]
    assert general in listed
    assert general in [t["id"] for t in worker.ok("get", "/tasks")["items"]]

    # Teamwork answers it as time on the project: no task, no task list.
    for entry_id in (left_out, empty, zero):
        shown = tw.ok("get", f"/time_entries/{entry_id}.json")["time-entry"]
        assert (shown["todo-item-id"], shown["todo-item-name"]) == ("", "")
        assert (shown["todo-list-id"], shown["todo-list-name"]) == ("", "")
        assert (shown["project-id"], shown["project-name"]) == (str(ids["web"]), "Website")
    listing = {e["id"]: e for e in tw.ok("get", project)["time-entries"]}
    assert set(listing) == {str(left_out), str(empty), str(zero), str(on_task)}
    assert listing[str(zero)]["todo-item-id"] == "" and listing[str(zero)]["todo-list-id"] == ""
    assert listing[str(on_task)]["todo-item-id"] == str(ids["design"])
    assert listing[str(on_task)]["todo-list-id"] == str(ids["web"])

    # The same entries through /api/v1: on the general task, in /timeEntries and /timetrack.
    v1 = {e["id"]: e for e in worker.ok("get", "/timeEntries")["items"]}
    assert {v1[i]["taskId"] for i in (left_out, empty, zero)} == {general}
    days = worker.ok("get", "/timetrack?dateFrom=2025-03-04&dateTo=2025-03-05")["data"]
    cells = {(d["date"], r["taskId"]): r["time"] for d in days for r in d["records"]}
    assert cells == {
        ("2025-03-04", general): 90,
        ("2025-03-05", general): 10,
        ("2025-03-04", ids["design"]): 5,
    }

    # Totals: the project's hold it; the general task's /api/v1 totals are exactly it.
    web = tw.ok("get", f"/projects/{ids['web']}/time/total.json")["projects"][0]["time-totals"]
    assert web["total-mins-sum"] == "105"
    agrees(web, v1_totals(admin, f"projectIds={ids['web']}"))
    assert v1_totals(admin, f"taskIds={general}")["totalMinutes"] == 100
    task_list = tw.ok("get", f"/tasklists/{ids['web']}/time/total.json")
    assert task_list["projects"][0]["tasklist"]["time-totals"] == web
    agrees(tw.ok("get", "/time/total.json")["time-totals"], v1_totals(admin, ""))

    # It is no todo item here: left out of task lists, unknown at its own paths.
    todo_ids = {t["id"] for t in tw.ok("get", f"/projects/{ids['web']}/tasks.json")["todo-items"]}
    assert todo_ids == {str(ids["design"]), str(ids["build"])}
    assert str(general) not in {t["id"] for t in tw.ok("get", "/tasks.json")["todo-items"]}
    before = stored(app)
    for method, path in (
        ("get", f"/tasks/{general}.json"),
        ("get", f"/tasks/{general}/time_entries.json"),
        ("get", f"/todo_items/{general}/time_entries.json"),
        ("get", f"/tasks/{general}/time/total.json"),
        ("post", f"/tasks/{general}/time_entries.json"),
    ):
        tw.refused(method, path, entry(minutes=5) if method == "post" else None, 404)
    tw.refused("post", project, entry(minutes=5, **{"todo-item-id": general}), 404)
    assert stored(app) == before


def test_time_on_a_project_is_updated_and_moved(app, tw, worker, admin, ids):
    admin.ok("put", f"/users/{worker.id}/workAssignments", {"projectIds": [ids["web"], ids["app"]]})
    entry_id = tw.ok("post", f"/projects/{ids['web']}/time_entries.json", entry(minutes=20), 201)[
        "timeLogId"
    ]
    path = f"/time_entries/{entry_id}.json"
    [(web_general, _, _)] = general_tasks(app)

    def now() -> tuple:
        shown = tw.ok("get", path)["time-entry"]
        [v1] = worker.ok("get", "/timeEntries")["items"]
        assert v1["id"] == int(entry_id)
        return shown["project-id"], shown["todo-item-id"], v1["taskId"], v1["minutes"]

    tw.ok("put", path, {"time-entry": {"hours": 1, "minutes": 5, "description": "Planning"}})
    assert now() == (str(ids["web"]), "", web_general, 65)
    # project-id moves time on a project to the other project's own time.
    tw.ok("put", path, {"time-entry": {"project-id": ids["app"]}})
    mobile_general = {p: t for t, p, _ in general_tasks(app)}[ids["app"]]
    assert now() == (str(ids["app"]), "", mobile_general, 65)
    totals = tw.ok("get", f"/projects/{ids['app']}/time/total.json")["projects"][0]
    assert totals["time-totals"]["total-mins-sum"] == "65"
    web = tw.ok("get", f"/projects/{ids['web']}/time/total.json")["projects"][0]
    assert web["time-totals"]["total-mins-sum"] == "0"
    # A task takes it onto the task; "" puts it back on its (new) project's own time.
    tw.ok("put", path, {"time-entry": {"todo-item-id": str(ids["design"])}})
    assert now() == (str(ids["web"]), str(ids["design"]), ids["design"], 65)
    tw.ok("put", path, {"time-entry": {"todo-item-id": ""}})
    assert now() == (str(ids["web"]), "", web_general, 65)
    tw.ok("put", path, {"time-entry": {"project-id": ids["app"], "todo-item-id": 0}})
    assert now() == (str(ids["app"]), "", mobile_general, 65)
    assert len(general_tasks(app)) == 2  # the projects' general tasks are made once
    # A task of another project than project-id is refused, and changes nothing.
    before = stored(app)
    answer = tw.refused(
        "put", path, {"time-entry": {"project-id": ids["app"], "todo-item-id": ids["build"]}}
    )
    assert answer["key"] == "api.error.task_not_in_project"
    tw.refused("put", path, {"time-entry": {"todo-item-id": web_general}}, 404)
    assert stored(app) == before


def test_who_may_log_time_on_a_project(app, tw, admin, make_user, ids):
    # Assigned to one task only: the project's general task is not among their assignments,
    # and Enter Time-Track reaches only those.
    one_task = make_user(ENTER_TIME_TRACK, username="onetask")
    admin.ok("put", f"/users/{one_task.id}/workAssignments", {"taskIds": [ids["design"]]})
    theirs = Teamwork(one_task.client, "onetask", "onetask")
    tasks_before, before = task_count(app), stored(app)
    answer = theirs.refused(
        "post", f"/projects/{ids['web']}/time_entries.json", entry(minutes=5), 403
    )
    assert answer["key"] == "api.error.access_denied"
    # Refused whole: not even the general task was made.
    assert (task_count(app), stored(app)) == (tasks_before, before)
    # Assigned to the general task directly, they may.
    tw.ok("post", f"/projects/{ids['web']}/time_entries.json", entry(minutes=5), 201)
    [(general, _, _)] = general_tasks(app)
    admin.ok("put", f"/tasks/{general}/assignedUsers", {"userIds": [one_task.id]})
    theirs.ok("post", f"/projects/{ids['web']}/time_entries.json", entry(minutes=7), 201)
    # Nobody logs on behalf of a user they do not see, on a project as on a task.
    for path in (f"/projects/{ids['web']}/time_entries.json",
                 f"/tasks/{ids['design']}/time_entries.json"):  # fmt: skip
        refused = tw.refused("post", path, entry(minutes=5, **{"person-id": one_task.id}), 404)
        assert refused["key"] == "api.error.object_not_found"


def test_the_general_task_in_the_catalogue(app, tw, admin, ids):
    # A task of the project named General already: the general task takes the next name.
    admin.ok("post", "/tasks", {"projectId": ids["web"], "name": "general"})
    tw.ok("post", f"/projects/{ids['web']}/time_entries.json", entry(minutes=5), 201)
    [(general, _, name)] = general_tasks(app)
    assert name == "General (2)"
    todo_names = {t["content"] for t in tw.ok("get", "/tasks.json")["todo-items"]}
    assert "general" in todo_names and "General (2)" not in todo_names
    # Renamed, it stays the project's general task; moved, it is refused.
    admin.ok("patch", f"/tasks/{general}", {"name": "Website, no task"})
    [shown] = tw.ok("get", "/time_entries.json")["time-entries"]
    assert shown["todo-item-id"] == ""
    answer = admin.ok("patch", f"/tasks/{general}", {"projectId": ids["app"]}, 400)
    assert answer["key"] == "api.error.general_task_move"
    # Deleted with its time like any task, it is made again when time needs it.
    admin.ok("delete", f"/tasks/{general}", status=204)
    assert general_tasks(app) == []
    tw.ok("post", f"/projects/{ids['web']}/time_entries.json", entry(minutes=5), 201)
    [(_, project_id, name)] = general_tasks(app)
    assert (project_id, name) == (ids["web"], "General (2)")


def test_time_on_an_archived_project_as_on_its_tasks(app, admin, ids):
    admin.ok("patch", f"/projects/{ids['erp']}", {"archived": True})
    tw_admin = Teamwork(admin.client, "admin", ADMIN_PASSWORD)
    on_task = tw_admin.request(
        "post", f"/tasks/{ids['migrate']}/time_entries.json", json=entry(minutes=5)
    )
    on_project = tw_admin.request(
        "post", f"/projects/{ids['erp']}/time_entries.json", json=entry(minutes=5)
    )
    assert on_task.status_code == on_project.status_code == 201
    [shown] = tw_admin.ok("get", "/time_entries.json?projectType=archived&todate=20250304")[
        "time-entries"
    ][1:]
    assert (shown["todo-item-id"], shown["project-status"]) == ("", "archived")


@pytest.mark.skipif(not PG_URL, reason="SQLite serializes write transactions: none interleave")
def test_two_first_entries_on_a_project_at_once_make_one_general_task(
    unthrottled, make_user, monkeypatch
):
    """Two requests that both found no general task make it at once: one makes it, the other
    waits for it and logs its time there; both answer 201."""
    import threading

    from timetracker.store import catalogue as catalogue_store

    app, _admin, task = unthrottled
    with app.extensions["timetracker"]["engine"].connect() as conn:
        project = conn.execute(text(f"SELECT project_id FROM tasks WHERE id = {task}")).scalar()
    both_looked = threading.Barrier(2, timeout=60)  # a failure before it: no hang
    insert = catalogue_store.insert_general_task

    def insert_after_both_looked(*args, **kwargs):
        both_looked.wait()
        return insert(*args, **kwargs)

    monkeypatch.setattr(catalogue_store, "insert_general_task", insert_after_both_looked)
    statuses = {}

    def post(name: str) -> None:
        make_user(ENTER_TIME_TRACK, username=name, assign_all=True)
        client = Teamwork(app.test_client(), name, name)
        path = f"/projects/{project}/time_entries.json"
        statuses[name] = client.request("post", path, json=entry(minutes=5)).status_code

    threads = [threading.Thread(target=post, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {"first": 201, "second": 201}
    [(general, _, name)] = general_tasks(app)
    assert name == "General"
    with app.extensions["timetracker"]["engine"].connect() as conn:
        on_it = conn.execute(text("SELECT task_id FROM time_entries")).scalars().all()
    assert on_it == [general, general]


# --- totals bounded by times of day --------------------------------------------------------------


@pytest.fixture
def timed_spread(app, admin, make_user, catalogue, ids):
    """Entries around the edges of February-March 2025 of a New York user (worker, as admin)
    and a Tokyo user, timed and untimed, billable and not, on tasks and on a project."""
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    admin.ok("patch", f"/tasks/{ids['build']}", {"typeOfWorkId": internal["id"]})
    group = admin.ok("post", "/timeZoneGroups", {"name": "Tokyo", "timeZoneId": "Asia/Tokyo"})
    new_york = make_user(ENTER_TIME_TRACK, username="worker", assign_all=True)
    tokyo = make_user(ENTER_TIME_TRACK, username="tokyo", assign_all=True)
    admin.ok("patch", f"/users/{tokyo.id}", {"timeZoneGroupId": group["id"]})
    clients = {
        "ny": Teamwork(new_york.client, "worker", "worker"),
        "tokyo": Teamwork(tokyo.client, "tokyo", "tokyo"),
    }
    rows = [
        ("ny", "design", "20250202", "23:30", 20),
        ("ny", "design", "20250203", "07:00", 30),
        ("ny", "design", "20250203", "09:00", 45),
        ("ny", "build", "20250203", None, 60),
        ("ny", "web", "20250203", "08:00", 25),  # on the project, at the minute
        ("ny", "design", "20250210", "12:00", 15),
        ("ny", "web", "20250215", None, 25),
        ("ny", "build", "20250301", "10:00", 40),
        ("ny", "design", "20250320", "16:00", 50),
        ("ny", "design", "20250320", "17:00", 10),
        ("ny", "design", "20250320", "18:00", 35),
        ("ny", "build", "20250320", None, 5),
        ("ny", "design", "20250321", "00:30", 5),
        # Tokyo: 14 hours ahead of New York in February, 13 after March 9.
        ("tokyo", "design", "20250204", "06:00", 11),  # Feb 3 16:00 in New York
        ("tokyo", "web", "20250203", "20:00", 12),  # Feb 3 06:00 in New York
        ("tokyo", "build", "20250202", None, 13),
        ("tokyo", "design", "20250321", "05:00", 14),  # Mar 20 16:00 in New York
        ("tokyo", "design", "20250321", "08:00", 16),  # Mar 20 19:00 in New York
        ("tokyo", "build", "20250321", None, 17),
        ("tokyo", "release", "20250305", "09:00", 18),
    ]
    for who, where, day, time, minutes in rows:
        kind = "projects" if where == "web" else "tasks"
        fields = {"date": day, "minutes": minutes, **({"time": time} if time else {})}
        clients[who].ok("post", f"/{kind}/{ids[where]}/time_entries.json", {"time-entry": fields},
                        201)  # fmt: skip
    return {"ny": new_york.id, "tokyo": tokyo.id}


def sum_listed(client, path: str, query: str) -> tuple[int, int, int]:
    """All minutes, billable minutes and the number of the entries a list answers."""
    answer = client.ok("get", f"{path}?{query}&pageSize=500")["time-entries"]
    minutes = [int(e["hours"]) * 60 + int(e["minutes"]) for e in answer]
    billable = [m for m, e in zip(minutes, answer, strict=True) if e["isbillable"] == "1"]
    return sum(minutes), sum(billable), len(answer)


WINDOWS = [
    "fromdate=20250203&fromtime=08:00&todate=20250320&totime=17:00",
    "fromdate=20250203&fromtime=08:00",
    "todate=20250320&totime=17:00",
    "fromdate=20250203&fromtime=05:00&todate=20250204&totime=10:00",
    "fromdate=20250203&fromtime=08:00&todate=20250210",
    "fromdate=20250201&todate=20250320&totime=16:59",
    "fromdate=20250203&fromtime=16:00&todate=20250203&totime=16:00",
    "fromdate=20250206&todate=20250321&totime=1:00",
    "fromdate=20250203&todate=20250320",
]


@pytest.mark.parametrize("window", WINDOWS)
def test_totals_with_times_are_the_sums_of_the_listed_entries(
    tw_admin, admin, timed_spread, ids, window
):
    minutes, billable, count = sum_listed(tw_admin, "/time_entries.json", window)
    sums = tw_admin.ok("get", f"/time/total.json?{window}")["time-totals"]
    assert (sums["total-mins-sum"], sums["billable-mins-sum"]) == (str(minutes), str(billable))
    assert sums["non-billable-mins-sum"] == str(minutes - billable)
    # Per project, per task, per task list, one user's, and the projects' page.
    per_project = {
        p["id"]: p for p in tw_admin.ok("get", f"/projects/time/total.json?{window}")["projects"]
    }
    for project in ("web", "app"):
        path = f"/projects/{ids[project]}/time_entries.json"
        minutes, billable, _ = sum_listed(tw_admin, path, window)
        body = tw_admin.ok("get", f"/projects/{ids[project]}/time/total.json?{window}")
        assert body["projects"][0]["time-totals"]["total-mins-sum"] == str(minutes)
        assert body["projects"][0]["time-totals"]["billable-mins-sum"] == str(billable)
        assert per_project[str(ids[project])]["totalMins"] == str(minutes)
        assert per_project[str(ids[project])]["totalBillableMins"] == str(billable)
        task_list = tw_admin.ok("get", f"/tasklists/{ids[project]}/time/total.json?{window}")
        assert task_list["projects"][0]["tasklist"]["time-totals"]["total-mins-sum"] == str(minutes)
    minutes, _, _ = sum_listed(tw_admin, f"/tasks/{ids['design']}/time_entries.json", window)
    task = tw_admin.ok("get", f"/tasks/{ids['design']}/time/total.json?{window}")
    assert task["projects"][0]["tasklist"]["task"]["time-totals"]["total-mins-sum"] == str(minutes)
    tokyo = timed_spread["tokyo"]
    minutes, _, _ = sum_listed(tw_admin, "/time_entries.json", f"{window}&userId={tokyo}")
    sums = tw_admin.ok("get", f"/time/total.json?{window}&userId={tokyo}")["time-totals"]
    assert sums["total-mins-sum"] == str(minutes)
    assert count > 0


@pytest.mark.parametrize("scope", ["entry", "dayTask"])
def test_totals_with_times_are_rounded_as_the_company_says(
    tw_admin, admin, timed_spread, ids, scope
):
    """Rounded up to 15 minutes per entry, or per day and task: the listed entries' minutes
    rounded so, added up."""
    admin.ok("patch", "/timeEntrySettings", {"rounding": {"mode": "up", "minutes": 15,
                                                          "scope": scope}})  # fmt: skip
    v1 = {e["id"]: e for e in admin.ok("get", "/timeEntries?limit=1000")["items"]}
    for window in WINDOWS[:4]:
        listed_ids = listed(tw_admin, f"{window}&pageSize=500")
        cells: dict[tuple, int] = {}
        for entry_id in listed_ids:
            one = v1[entry_id]
            key = (entry_id,) if scope == "entry" else (one["userId"], one["date"], one["taskId"])
            cells[key] = cells.get(key, 0) + one["minutes"]
        rounded = sum(-(-minutes // 15) * 15 for minutes in cells.values())
        sums = tw_admin.ok("get", f"/time/total.json?{window}")["time-totals"]
        assert sums["total-mins-sum"] == str(rounded), window


def test_times_of_day_narrow_the_totals(tw_admin, admin, timed_spread):
    """The windows above count different entries than whole days: the agreement is not that of
    two answers ignoring the times."""
    whole = tw_admin.ok("get", "/time/total.json?fromdate=20250203&todate=20250320")
    timed = tw_admin.ok("get", f"/time/total.json?{WINDOWS[0]}")
    # Whole days (each entry's own day): all but Feb 2 (20; 13 in Tokyo) and Mar 21 (5; 14,
    # 16 and 17 in Tokyo).
    assert whole["time-totals"]["total-mins-sum"] == "381"
    # From Feb 3 08:00 to Mar 20 17:00 in New York: not Feb 3 07:00 (30), Tokyo's Feb 3 06:00
    # here (12) nor Mar 20 18:00 (35); Tokyo's Mar 21 05:00 (Mar 20 16:00 here, 14) counts.
    assert timed["time-totals"]["total-mins-sum"] == "318"
    v1 = admin.ok("get", "/timetrack/totals?dateFrom=2025-02-03&dateTo=2025-03-20")["totals"]
    assert v1["totalMinutes"] == 381


# --- who may see what; authentication ------------------------------------------------------------


def test_what_the_caller_may_not_see_is_404(tw, admin, make_user, ids):
    other = make_user(ENTER_TIME_TRACK, username="other", assign_all=True)
    theirs = Teamwork(other.client, "other", "other").ok(
        "post", f"/tasks/{ids['migrate']}/time_entries.json", entry(minutes=5), 201
    )["timeLogId"]
    assert other.get(f"/timeEntries/{theirs}").status_code == 200
    for method, path in (
        ("get", f"/time_entries/{theirs}.json"),
        ("delete", f"/time_entries/{theirs}.json"),
        ("get", f"/tasks/{ids['migrate']}/time_entries.json"),
        ("get", f"/projects/{ids['erp']}/time_entries.json"),
        ("get", f"/projects/{ids['erp']}/time/total.json"),
        ("get", f"/tasks/{ids['migrate']}/time/total.json"),
        ("get", f"/tasklists/{ids['erp']}/time/total.json"),
        ("get", f"/projects/{ids['erp']}.json"),
        ("get", f"/tasks/{ids['migrate']}.json"),
        ("get", "/time_entries/999999.json"),
    ):
        tw.refused(method, path, status=404)
    tw.refused("put", f"/time_entries/{theirs}.json", entry(minutes=1), 404)
    assert tw.ok("get", "/time_entries.json")["time-entries"] == []
    # Someone else's time the caller may not enter: the person is not seen.
    tw.refused("post", f"/tasks/{ids['design']}/time_entries.json",
               entry(minutes=5, **{"person-id": other.id}), 404)  # fmt: skip


def test_a_token_as_the_basic_user_name_with_any_password(client, worker, ids):
    made = worker.ok("post", "/users/me/tokens", {"name": "Teamwork CLI", "scope": "write"})
    for password in ("", "X", "anything at all"):
        by_token = Teamwork(client, made["token"], password)
        me = by_token.ok("get", "/me.json")
        assert me["person"]["id"] == str(worker.id)
    by_token.ok("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes=5), 201)
    bearer = client.get(TW + "/me.json", headers={"Authorization": f"Bearer {made['token']}"})
    assert bearer.get_json()["person"]["id"] == str(worker.id)
    assert client.get(TW + "/time_entries.json").status_code == 401  # no credentials
    # Not on /api/v1, where a Basic user name is a user name.
    assert client.get("/api/v1/users/me", headers=basic(made["token"], "")).status_code == 401

    reader = worker.ok("post", "/users/me/tokens", {"name": "Reports", "scope": "read"})
    read_only = Teamwork(client, reader["token"], "")
    read_only.ok("get", "/time_entries.json")
    read_only.refused("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes=5), 403)

    for wrong in (Teamwork(client, "tt_unknown", ""), Teamwork(client, "worker", "wrong")):
        body = wrong.refused("get", "/time_entries.json", status=401)
        assert body["key"] == "api.error.not_authorized"


def test_doubled_slashes_and_unknown_paths(tw, ids):
    path = f"//tasks/{ids['design']}//time_entries.json"
    tw.ok("post", path, entry(minutes=5), 201)
    assert len(tw.ok("get", "//time_entries.json")["time-entries"]) == 1
    body = tw.refused("get", "/no_such_thing.json", status=404)
    assert body["key"] == "api.error.not_found"


def test_the_prefix_is_a_setting(make_app, admin):
    moved = make_app(TEAMWORK_PREFIX="/tw/v1").test_client()
    assert moved.get("/tw/v1/me.json", headers=basic("admin", ADMIN_PASSWORD)).status_code == 200
    assert moved.get("/teamwork/me.json", headers=basic("admin", ADMIN_PASSWORD)).status_code == 404
    paths = moved.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/tw/v1/time_entries.json" in paths

    off = make_app(TEAMWORK_PREFIX="off").test_client()
    answer = off.get("/teamwork/me.json", headers=basic("admin", ADMIN_PASSWORD))
    assert answer.status_code == 404 and "STATUS" not in answer.get_json()
    paths = off.get("/api/v1/openapi.json").get_json()["paths"]
    assert not [p for p in paths if not p.startswith("/api/v1/")]


def test_the_document_holds_the_face_under_its_own_tag(client):
    document = client.get("/api/v1/openapi.json").get_json()
    tagged = {
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and operation["tags"] == ["teamwork"]
    }
    assert {(m, p) for m, p in tagged if "time" in p} == {
        ("get", "/teamwork/time_entries.json"),
        ("get", "/teamwork/projects/{id}/time_entries.json"),
        ("post", "/teamwork/projects/{id}/time_entries.json"),
        ("get", "/teamwork/todo_items/{id}/time_entries.json"),
        ("post", "/teamwork/todo_items/{id}/time_entries.json"),
        ("get", "/teamwork/tasks/{id}/time_entries.json"),
        ("post", "/teamwork/tasks/{id}/time_entries.json"),
        ("get", "/teamwork/time_entries/{id}.json"),
        ("put", "/teamwork/time_entries/{id}.json"),
        ("delete", "/teamwork/time_entries/{id}.json"),
        ("get", "/teamwork/time/total.json"),
        ("get", "/teamwork/projects/{id}/time/total.json"),
        ("get", "/teamwork/tasklists/{id}/time/total.json"),
        ("get", "/teamwork/tasks/{id}/time/total.json"),
        ("get", "/teamwork/projects/time/total.json"),
    }
    assert all(p.startswith("/teamwork/") for _, p in tagged)
    headers = document["paths"]["/teamwork/time_entries.json"]["get"]["responses"]["200"]
    assert set(headers["headers"]) == {"X-Records", "X-Pages", "X-Page"}


# --- what clients read around the time -----------------------------------------------------------


def test_what_clients_read_at_start_up(tw, worker, ids):
    me = tw.ok("get", "/me.json")
    assert me["STATUS"] == "OK" and me["person"]["id"] == str(worker.id)
    assert me["person"]["user-name"] == "worker"
    account = tw.ok("get", "/authenticate.json")["account"]
    assert account["userId"] == str(worker.id)
    assert account["URL"].endswith("/teamwork/")
    assert [p["id"] for p in tw.ok("get", "/people.json")["people"]] == [str(worker.id)]
    assert tw.ok("get", "/companies.json")["companies"] == [{"id": "1", "name": "Acme"}]
    projects = tw.ok("get", "/projects.json")["projects"]
    assert [(p["id"], p["name"], p["status"]) for p in projects] == [
        (str(ids["web"]), "Website", "active")
    ]
    assert tw.ok("get", f"/projects/{ids['web']}.json")["project"] == projects[0]
    lists = tw.ok("get", f"/projects/{ids['web']}/tasklists.json")["tasklists"]
    assert [(t["id"], t["name"]) for t in lists] == [(str(ids["web"]), "Website")]
    todo_list = tw.ok("get", f"/tasklists/{ids['web']}.json")["todo-list"]
    assert (todo_list["id"], todo_list["project-id"]) == (str(ids["web"]), str(ids["web"]))
    names = [t["content"] for t in tw.ok("get", f"/tasklists/{ids['web']}/tasks.json")
             ["todo-items"]]  # fmt: skip
    assert names == ["Design", "Build"]
    assert tw.ok("get", f"/projects/{ids['web']}/tasks.json") == tw.ok(
        "get", f"/tasklists/{ids['web']}/tasks.json"
    )
    assert [t["id"] for t in tw.ok("get", "/tasks.json?pageSize=1&page=2")["todo-items"]] == [
        str(ids["build"])
    ]
    task = tw.ok("get", f"/tasks/{ids['design']}.json")["todo-item"]
    assert (task["todo-list-id"], task["completed"]) == (str(ids["web"]), False)


def test_tags_are_this_servers_tags(app, admin, tw, ids):
    """``tags`` in a body names the entry's tags (unknown names are created), an entry answers
    them as {id, name, color}, and tagIds lists the entries carrying any of them."""
    call = admin.ok("post", "/tags", {"name": "Call", "color": "#2f8de4"})
    made = tw.ok(
        "post",
        f"/tasks/{ids['design']}/time_entries.json",
        entry(minutes="30", tags="call, Follow-up"),
        status=201,
    )
    entry_id = made["timeLogId"]
    shown = tw.ok("get", f"/time_entries/{entry_id}.json")["time-entry"]
    follow_up = [t for t in admin.ok("get", "/tags")["items"] if t["name"] == "Follow-up"]
    assert len(follow_up) == 1  # created, once
    assert shown["tags"] == [
        {"id": str(call["id"]), "name": "Call", "color": "#2f8de4"},
        {"id": str(follow_up[0]["id"]), "name": "Follow-up", "color": follow_up[0]["color"]},
    ]
    assert admin.ok("get", f"/timeEntries/{entry_id}")["tagIds"] == sorted(
        [call["id"], follow_up[0]["id"]]
    )
    other = tw.ok("post", f"/tasks/{ids['design']}/time_entries.json", entry(minutes="5"),
                  status=201)["timeLogId"]  # fmt: skip
    listed = tw.ok("get", f"/time_entries.json?tagIds={call['id']}")["time-entries"]
    assert [e["id"] for e in listed] == [entry_id] and other != entry_id
    tw.ok("put", f"/time_entries/{entry_id}.json", {"time-entry": {"tags": ""}})
    assert tw.ok("get", f"/time_entries/{entry_id}.json")["time-entry"]["tags"] == []
    before = stored(app)
    refused = tw.refused("put", f"/time_entries/{entry_id}.json",
                         {"time-entry": {"tags": "ok," + "x" * 300}})  # fmt: skip
    assert refused["fields"] == "tags" and stored(app) == before
