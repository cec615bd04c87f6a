"""``includeReferenced`` shows each caller exactly what its own GETs answer, and user ids inside
answers name only users the caller may see.

The company is ``tests/test_permissions.py``'s (every role, the worker assigned to Web, the
managers with the worker as team and Acme as scope), with time, leave and comments of the worker
and of the administrator. For every role and every listing that offers ``includeReferenced``,
each map must hold the referenced objects the role may GET, byte for byte as that GET answers
them, and none of the others.
"""

from __future__ import annotations

import json

import pytest

from tests.test_permissions import ROLES, VISIBLE_USERS, company  # noqa: F401

DAYS = "dateFrom=2025-03-01&dateTo=2025-03-31"
TIMETRACK_MAPS = "tasks,projects,customers,users,departments,timeZoneGroups,typesOfWork,"
TIMETRACK_MAPS += "workflowStatuses"


COMMENTED = (
    ("tasks", "Design"),
    ("tasks", "Release"),
    ("tasks", "Migrate"),
    ("projects", "Web"),
    ("projects", "ERP"),
    ("customers", "Acme"),
    ("customers", "Globex"),
)


@pytest.fixture
def busy(company):  # noqa: F811 - the fixture imported above
    """The company with time on every task, leave, comments and a second department."""
    clients, ids = company
    admin = clients["admin"]
    for user, day, task in (
        ("worker", "2025-03-03", "Design"),
        ("worker", "2025-03-04", "Build"),
        ("admin", "2025-03-05", "Migrate"),
        ("admin", "2025-03-06", "Release"),
    ):
        admin.ok("patch", f"/timetrack/{ids[user]}/{day}/{ids[task]}", {"time": 60})
    for user in ("worker", "admin"):
        admin.ok("patch", f"/leavetime/{ids[user]}/2025-03-10/1", {"leaveTime": 480})
    sales = admin.ok("post", "/departments", {"name": "Sales"})["id"]
    paris = admin.ok("post", "/timeZoneGroups", {"name": "Paris", "timeZoneId": "Europe/Paris"})
    admin.ok(
        "patch", f"/users/{ids['admin']}", {"departmentId": sales, "timeZoneGroupId": paris["id"]}
    )
    for kind, name in COMMENTED:
        admin.ok("post", f"/{kind}/{ids[name]}/comments", {"text": f"About {name}"})
    clients["worker"].ok("post", f"/tasks/{ids['Design']}/comments", {"text": "Done"})
    return clients, ids


def gets(client):
    """The caller's own GET of one object: (status, body), asked once per object."""
    seen: dict[str, tuple[int, object]] = {}

    def get(kind: str, object_id) -> tuple[int, object]:
        path = f"/{kind}/{object_id}"
        if path not in seen:
            response = client.get(path)
            seen[path] = (response.status_code, response.get_json())
        return seen[path]

    return get


def reached(get, kind: str, ids, field: str) -> set:
    """``field`` of the objects of ``kind`` among ``ids`` that the caller may GET."""
    found = set()
    for object_id in ids:
        status, body = get(kind, object_id)
        if status == 200:
            found.add(body[field])
    return found


def assert_map_is_what_get_answers(get, answer: dict, kind: str, ids) -> int:
    """The ``kind`` map of ``answer`` holds exactly the objects among ``ids`` that the caller's
    GET answers, each as that GET answers it (the same keys in the same order); the others are
    absent. Returns how many objects the GET refused."""
    shown = answer.get(kind)
    assert shown is not None, kind
    refused = 0
    for object_id in ids:
        status, body = get(kind, object_id)
        if status == 200:
            assert json.dumps(shown.get(str(object_id))) == json.dumps(body), (kind, object_id)
        else:
            assert status in (403, 404), (kind, object_id, status)
            assert str(object_id) not in shown, (kind, object_id)
            refused += 1
    assert set(shown) <= {str(i) for i in ids}, (kind, set(shown), ids)
    return refused


def check_time_listing(client, get, answer: dict) -> int:
    """The maps of a GET /timetrack answer: tasks named by records, and what those tasks name
    (those the caller may GET); users named by days, and their departments and time zone
    groups (of the users the caller may GET)."""
    task_ids = {r["taskId"] for day in answer["data"] for r in day["records"]}
    user_ids = {day["userId"] for day in answer["data"]}
    refused = assert_map_is_what_get_answers(get, answer, "tasks", task_ids)
    for kind, field in (
        ("projects", "projectId"),
        ("customers", "customerId"),
        ("typesOfWork", "typeOfWorkId"),
        ("workflowStatuses", "workflowStatusId"),
    ):
        ids = reached(get, "tasks", task_ids, field)
        refused += assert_map_is_what_get_answers(get, answer, kind, ids)
    return refused + check_people(get, answer, user_ids)


def check_people(get, answer: dict, user_ids) -> int:
    refused = assert_map_is_what_get_answers(get, answer, "users", user_ids)
    for kind, field in (("departments", "departmentId"), ("timeZoneGroups", "timeZoneGroupId")):
        ids = reached(get, "users", user_ids, field)
        refused += assert_map_is_what_get_answers(get, answer, kind, ids)
    return refused


def check_totals(get, answer: dict) -> int:
    """The maps of a totals answer: the objects its groups name."""
    refused = 0
    for kind, key in (
        ("customers", "customerId"),
        ("projects", "projectId"),
        ("tasks", "taskId"),
        ("users", "userId"),
        ("departments", "departmentId"),
        ("typesOfWork", "typeOfWorkId"),
    ):
        if kind in answer:
            ids = {g[key] for g in answer["groups"] if g.get(key) is not None}
            refused += assert_map_is_what_get_answers(get, answer, kind, ids)
    return refused


def check_items(get, answer: dict, maps: dict[str, str]) -> int:
    """The maps of a list: the objects its items name in ``maps``' fields."""
    refused = 0
    for kind, field in maps.items():
        ids = {item[field] for item in answer["items"]}
        refused += assert_map_is_what_get_answers(get, answer, kind, ids)
    return refused


# Roles some listing names objects to that their GET refuses: records (time-track, leave) reach
# wider than the catalogue or the users they name ("see all users' data", Manage PTO & Sick
# Days Settings), and comments on visible tasks by authors out of reach (the others who see
# tasks, but not everyone).
NAMED_OUT_OF_REACH = {"seer", "pto", "worker", "approver", "scoper", "biller"}


@pytest.mark.parametrize("role", ROLES)
def test_referenced_maps_are_what_the_callers_gets_answer(busy, role):
    clients, ids = busy
    client = clients[role]
    get = gets(client)
    refused = 0

    listing = client.ok("get", f"/timetrack?{DAYS}&includeReferenced={TIMETRACK_MAPS}")
    refused += check_time_listing(client, get, listing)

    leave = client.ok(
        "get", f"/leavetime?{DAYS}&includeReferenced=users,departments,timeZoneGroups,leaveTypes"
    )
    refused += check_people(get, leave, {item["userId"] for item in leave["data"]})
    refused += check_items(get, {"items": leave["data"], **leave}, {"leaveTypes": "leaveTypeId"})

    every_map = "includeReferenced=customers,projects,tasks,users,departments,typesOfWork"
    for path in ("/timetrack/totals", "/reports/summary"):
        for grouping in ("customer,project,task", "user,department,typeOfWork"):
            refused += check_totals(get, client.ok("get", f"{path}?groupBy={grouping}&{every_map}"))
    for kind, name in (*COMMENTED, ("users", "worker"), ("users", "admin")):
        grouping = "user,task" if kind != "users" else "customer,project,department"
        response = client.get(f"/{kind}/{ids[name]}/totals?groupBy={grouping}&{every_map}")
        if response.status_code == 200:
            refused += check_totals(get, response.get_json())

    tasks = client.ok(
        "get", "/tasks?includeReferenced=customers,projects,typesOfWork,workflowStatuses"
    )
    check_items(
        get,
        tasks,
        {
            "customers": "customerId",
            "projects": "projectId",
            "typesOfWork": "typeOfWorkId",
            "workflowStatuses": "workflowStatusId",
        },
    )
    for path in ("/projects", "/projects/totals", "/reports/projects"):
        check_items(
            get,
            client.ok("get", f"{path}?includeReferenced=customers"),
            {"customers": "customerId"},
        )
    people = {"departments": "departmentId", "timeZoneGroups": "timeZoneGroupId"}
    for path in ("/users", "/reports/users"):
        check_items(
            get, client.ok("get", f"{path}?includeReferenced=departments,timeZoneGroups"), people
        )

    for kind, name in COMMENTED:
        response = client.get(f"/{kind}/{ids[name]}/comments?includeReferenced=users")
        if response.status_code != 200:
            continue
        comments = response.get_json()
        authors = {c["userId"] for c in comments["items"]} | {
            c["updatingUserId"] for c in comments["items"]
        }
        refused += assert_map_is_what_get_answers(get, comments, "users", authors)

    # The test reaches the cases it is about: these roles were named objects they may not GET.
    assert (refused > 0) == (role in NAMED_OUT_OF_REACH), (role, refused)


def test_a_record_reader_is_not_shown_the_catalogue_it_may_not_get(busy):
    """'See all users' data' reads everyone's time, not the catalogue: the records name tasks,
    and the maps hold none of them, nor their projects and customers."""
    clients, ids = busy
    seer = clients["seer"]
    listing = seer.ok("get", f"/timetrack?{DAYS}&includeReferenced=tasks,projects,customers,users")
    assert {r["taskId"] for d in listing["data"] for r in d["records"]} == {
        ids[t] for t in ("Design", "Build", "Migrate", "Release")
    }
    assert listing["tasks"] == listing["projects"] == listing["customers"] == {}
    assert set(listing["users"]) == {str(ids["worker"]), str(ids["admin"])}
    assert seer.get(f"/customers/{ids['Acme']}").status_code == 403
    totals = seer.ok("get", "/timetrack/totals?groupBy=customer&includeReferenced=customers")
    assert {g["customerId"] for g in totals["groups"]} == {ids["Acme"], ids["Globex"]}
    assert totals["customers"] == {}
    # The summary report's CSV names only what the caller may see.
    csv = seer.get("/reports/summary?groupBy=customer&format=csv").get_data(as_text=True)
    assert "Acme" not in csv and "Globex" not in csv
    assert csv.splitlines()[1].startswith(f"{ids['Acme']},,")


def test_a_leave_manager_is_not_shown_users_it_may_not_get(busy):
    """Manage PTO & Sick Days Settings reads everyone's leave, but sees only itself among
    users: the leave names the others, the users map holds none of them."""
    clients, ids = busy
    pto = clients["pto"]
    leave = pto.ok("get", f"/leavetime?{DAYS}&includeReferenced=users,departments")
    assert {item["userId"] for item in leave["data"]} == {ids["worker"], ids["admin"]}
    assert leave["users"] == {}
    assert set(leave["departments"]) == set()


def test_comment_authors_the_caller_may_not_see(busy):
    """A comment keeps its author's id (a typed client reads it as a number), but the users map
    holds only the authors the caller may see, as GET /users/{id} shows them."""
    clients, ids = busy
    worker = clients["worker"]
    comments = worker.ok("get", f"/tasks/{ids['Design']}/comments?includeReferenced=users")
    assert [c["userId"] for c in comments["items"]] == [ids["admin"], ids["worker"]]
    assert list(comments["users"]) == [str(ids["worker"])]
    assert comments["users"][str(ids["worker"])] == worker.ok("get", f"/users/{ids['worker']}")


# --- user ids inside answers ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_assigned_users_list_only_users_the_caller_may_see(busy, role):
    clients, ids = busy
    client = clients[role]
    everyone = {ids[name] for name in VISIBLE_USERS["accounts"]}
    # The administrator is assigned to all work, the worker to Web.
    assigned = {ids["admin"], ids["worker"]}
    visible = {ids[name] for name in VISIBLE_USERS[role]}
    response = client.get(f"/tasks/{ids['Design']}/assignedUsers")
    if response.status_code != 200:
        return
    assert set(response.get_json()["userIds"]) == assigned & visible & everyone, role


def test_setting_assigned_users_keeps_those_the_caller_may_not_see(busy):
    """A manager sets the users they see; direct assignments of users they cannot see stay
    (they could not have listed them)."""
    clients, ids = busy
    admin, scoper = clients["admin"], clients["scoper"]
    admin.ok("put", f"/tasks/{ids['Release']}/assignedUsers", {"userIds": [ids["locker"]]})
    body = scoper.ok("put", f"/tasks/{ids['Release']}/assignedUsers", {"userIds": [ids["worker"]]})
    assert body["userIds"] == [ids["worker"]]
    everyone = admin.ok("get", f"/tasks/{ids['Release']}/assignedUsers")["userIds"]
    assert {ids["locker"], ids["worker"]} <= set(everyone)


def test_a_team_lists_only_users_the_caller_may_see(busy):
    clients, ids = busy
    admin, worker = clients["admin"], clients["worker"]
    admin.ok("put", f"/users/{ids['worker']}/team", {"userIds": [ids["admin"], ids["worker"]]})
    # The worker holds no manager permission: the team reaches nobody but themselves.
    assert worker.ok("get", "/users/me/team")["userIds"] == [ids["worker"]]
    assert admin.ok("get", f"/users/{ids['worker']}/team")["userIds"] == sorted(
        [ids["admin"], ids["worker"]]
    )


def test_locking_everyone_answers_the_users_the_caller_may_see(busy):
    clients, ids = busy
    locker = clients["locker"]
    body = locker.ok("post", "/timetrack/lock", {"dateFrom": "2025-04-01", "dateTo": "2025-04-02"})
    assert body["userIds"] == [ids["locker"]]
    # Everyone's time is locked all the same.
    response = clients["worker"].patch(
        f"/timetrack/{ids['worker']}/2025-04-01/{ids['Design']}", json={"time": 5}
    )
    assert response.status_code == 403
    named = locker.ok(
        "post",
        "/timetrack/unlock",
        {"dateFrom": "2025-04-01", "dateTo": "2025-04-02", "userIds": [ids["worker"]]},
    )
    assert named["userIds"] == [ids["worker"]]  # the users named are answered as named


def test_an_invoice_names_only_users_the_caller_may_see(busy):
    clients, ids = busy
    admin, biller = clients["admin"], clients["biller"]
    invoice = admin.ok(
        "post",
        "/invoices",
        {
            "number": "F-1",
            "dateFrom": "2025-03-01",
            "dateTo": "2025-03-04",
            "userIds": [ids["worker"], ids["locker"]],
        },
    )
    assert invoice["userIds"] == sorted([ids["worker"], ids["locker"]])
    assert biller.ok("get", f"/invoices/{invoice['id']}")["userIds"] == [ids["worker"]]
