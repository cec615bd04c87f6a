"""The ``modified`` stamp of listed objects and the lists' ``modifiedAfter`` filter: a sync client
asks for what changed since the newest stamp it saw, whatever made the change."""

from __future__ import annotations

import time

import pytest

from timetracker.access import ENTER_TIME_TRACK, MANAGE_ACCOUNTS
from timetracker.store.util import now_ms


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)


def newest(admin, path):
    return max(item["modified"] for item in admin.ok("get", path)["items"])


def changed_since(client, path, stamp, **args):
    query = "&".join(f"{k}={v}" for k, v in {"modifiedAfter": stamp, **args}.items())
    return [item["id"] for item in client.ok("get", f"{path}?{query}")["items"]]


# path, a create body, a change to make
KINDS = {
    "customers": ({"name": "Initech"}, {"description": "Printers"}),
    "departments": ({"name": "Sales"}, {"name": "Sales & Marketing"}),
    "timeZoneGroups": (
        {"name": "Lisbon", "timeZoneId": "Europe/Lisbon"},
        {"name": "Lisboa"},
    ),
    "leaveTypes": ({"name": "Study leave", "balance": "None"}, {"archived": True}),
    "workflowStatuses": ({"name": "Review", "type": "open"}, {"name": "In review"}),
    "typesOfWork": ({"name": "Travel", "billable": False}, {"rate": 12.5}),
    "tags": ({"name": "Urgent"}, {"color": "#ff0000"}),
}


@pytest.mark.parametrize("path", sorted(KINDS))
def test_a_list_after_a_stamp_holds_exactly_what_changed_since(admin, path):
    create, change = KINDS[path]
    first = admin.ok("post", f"/{path}", create)
    second = admin.ok("post", f"/{path}", {**create, "name": create["name"] + " 2"})
    assert second["modified"] >= first["modified"] > 0
    seen = newest(admin, f"/{path}")
    assert changed_since(admin, f"/{path}", seen) == []

    changed = admin.ok("patch", f"/{path}/{first['id']}", change)
    assert changed["modified"] > seen
    assert admin.ok("get", f"/{path}/{first['id']}")["modified"] == changed["modified"]
    assert changed_since(admin, f"/{path}", seen) == [first["id"]]
    # Everything, once more, from the beginning.
    everything = [item["id"] for item in admin.ok("get", f"/{path}")["items"]]
    assert sorted(changed_since(admin, f"/{path}", 0)) == sorted(everything)


def test_catalogue_levels_and_moves(admin, catalogue):
    seen = max(newest(admin, f"/{p}") for p in ("customers", "projects", "tasks"))
    design = catalogue["tasks"]["design"]
    app_project = catalogue["projects"]["app"]
    moved = admin.ok("patch", f"/tasks/{design['id']}", {"projectId": app_project["id"]})
    assert moved["modified"] > seen and moved["created"] == design["created"]
    admin.ok("patch", f"/projects/{app_project['id']}", {"description": "iOS and Android"})
    assert changed_since(admin, "/tasks", seen) == [design["id"]]
    assert changed_since(admin, "/projects", seen) == [app_project["id"]]
    assert changed_since(admin, "/customers", seen) == []
    # The filter combines with the others.
    assert changed_since(admin, "/tasks", seen, projectIds=catalogue["projects"]["web"]["id"]) == []


def test_the_stamp_grows_with_every_change_even_within_one_millisecond(admin, catalogue):
    task = catalogue["tasks"]["build"]
    stamps = [task["modified"]]
    for n in range(5):
        stamps.append(admin.ok("patch", f"/tasks/{task['id']}", {"estimatedTime": n})["modified"])
    assert stamps == sorted(set(stamps))


def test_changes_made_as_a_side_effect_move_the_stamp(admin, make_user):
    """Deleting a department moves its users to the built-in one: their stamp moves too."""
    department = admin.ok("post", "/departments", {"name": "Support"})
    members = [make_user(ENTER_TIME_TRACK) for _ in range(2)]
    bystander = make_user(ENTER_TIME_TRACK)
    for member in members:
        admin.ok("patch", f"/users/{member.id}", {"departmentId": department["id"]})
    seen = newest(admin, "/users")
    admin.ok("delete", f"/departments/{department['id']}", status=204)
    changed = changed_since(admin, "/users", seen)
    assert sorted(changed) == sorted(m.id for m in members)
    assert bystander.id not in changed
    for member in members:
        assert admin.ok("get", f"/users/{member.id}")["departmentId"] == -1


def test_sort_by_modified(admin, catalogue):
    tasks = catalogue["tasks"]
    for key in ("release", "design", "build"):
        stamp = admin.ok("patch", f"/tasks/{tasks[key]['id']}", {"description": key})["modified"]
        # Stamps are milliseconds: two changes in one millisecond tie, and a tie sorts by id.
        while now_ms() <= stamp:
            time.sleep(0.001)
    items = admin.ok("get", "/tasks?sort=-modified")["items"]
    assert [i["id"] for i in items[:3]] == [tasks[k]["id"] for k in ("build", "design", "release")]
    ascending = admin.ok("get", "/tasks?sort=%2Bmodified")["items"]
    assert [i["modified"] for i in ascending] == sorted(i["modified"] for i in items)


def test_modified_after_shows_only_what_the_caller_may_see(admin, make_user, catalogue):
    worker = make_user(ENTER_TIME_TRACK)
    web = catalogue["projects"]["web"]
    admin.ok("put", f"/users/{worker.id}/workAssignments", {"projectIds": [web["id"]]})
    seen = newest(admin, "/tasks")
    for task in catalogue["tasks"].values():
        admin.ok("patch", f"/tasks/{task['id']}", {"description": "changed"})
    visible = {catalogue["tasks"][k]["id"] for k in ("design", "build")}
    assert set(changed_since(worker, "/tasks", seen)) == visible
    assert len(changed_since(admin, "/tasks", seen)) == 4


def test_users_list_filters_by_stamp_for_every_caller(admin, make_user):
    manager = make_user(MANAGE_ACCOUNTS)
    seen = newest(admin, "/users")
    admin.ok("patch", f"/users/{manager.id}", {"lastName": "Smith"})
    assert changed_since(manager, "/users", seen) == [manager.id]


@pytest.mark.parametrize("bad", ["-1", "abc", "1.5", str(2**53 + 1), ""])
def test_a_bad_stamp_is_a_400(admin, bad):
    response = admin.get(f"/customers?modifiedAfter={bad}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["key"] == "api.error.invalid_argument" and body["fields"] == "modifiedAfter"


def test_an_object_is_never_modified_before_it_was_created(admin, catalogue):
    project = catalogue["projects"]["web"]["id"]
    for n in range(30):
        customer = admin.ok("post", "/customers", {"name": f"C{n}"})
        task = admin.ok("post", "/tasks", {"projectId": project, "name": f"T{n}"})
        assert customer["modified"] >= customer["created"]
        assert task["modified"] >= task["created"]


def test_what_an_object_shows_of_another_moves_its_stamp(admin, catalogue):
    """A task shows its project's and customer's names and ids, its workflow status and type of
    work names; a project its customer's name. Changing those moves the stamps of what shows
    them, and only of that."""
    tasks, projects = catalogue["tasks"], catalogue["projects"]
    acme, globex = catalogue["customers"]["acme"], catalogue["customers"]["globex"]
    web_tasks = sorted(tasks[k]["id"] for k in ("design", "build"))

    def after(change):
        seen = max(newest(admin, f"/{p}") for p in ("customers", "projects", "tasks"))
        change()
        return (
            sorted(changed_since(admin, "/tasks", seen)),
            sorted(changed_since(admin, "/projects", seen)),
        )

    web = projects["web"]["id"]
    moved = after(lambda: admin.ok("patch", f"/projects/{web}", {"customerId": globex["id"]}))
    assert moved == (web_tasks, [web])
    assert admin.ok("get", f"/tasks/{web_tasks[0]}")["customerId"] == globex["id"]
    renamed = after(lambda: admin.ok("patch", f"/customers/{acme['id']}", {"name": "Acme Inc"}))
    assert renamed == ([tasks["release"]["id"]], [projects["app"]["id"]])
    described = after(lambda: admin.ok("patch", f"/projects/{web}", {"description": "d"}))
    assert described == ([], [web])  # tasks show no project description
    status = admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    admin.ok("patch", f"/tasks/{web_tasks[0]}", {"workflowStatusId": status["id"]})
    retyped = after(
        lambda: admin.ok("patch", f"/workflowStatuses/{status['id']}", {"type": "completed"})
    )
    assert retyped == ([web_tasks[0]], [])
    kind = admin.ok("get", "/typesOfWork/default")
    renamed_kind = after(lambda: admin.ok("patch", f"/typesOfWork/{kind['id']}", {"name": "Work"}))
    assert renamed_kind[0] == sorted(t["id"] for t in tasks.values())
    rated = after(lambda: admin.ok("patch", f"/typesOfWork/{kind['id']}", {"rate": 10}))
    assert rated == ([], [])  # a task does not show its type of work's rate
