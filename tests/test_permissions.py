"""The permission matrix as a table: for every role, what it sees and what it may change.

The company below has two customers. Acme has the projects Web (tasks Design, Build) and App
(task Release); Globex has ERP (task Migrate). The worker is assigned to Web. Each manager role
holds one permission with the worker as assigned team and Acme as scope of work.

These tables are the contract of ``timetracker.access``: change them only with the rules.
"""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, seed, seeded
from timetracker.access import (
    ENTER_TIME_TRACK,
    LOCK_TIME_TRACK,
    MANAGE_ACCOUNTS,
    MANAGE_COST_BILLING,
    MANAGE_PTO_SICK,
    MANAGE_SCOPE_OF_WORK,
    MANAGE_SYSTEM_SETTINGS,
    MODIFY_APPROVE_TIME_TRACK,
)

# role -> (permissions, account flags)
ROLES = {
    "nobody": ((), {}),
    "worker": ((ENTER_TIME_TRACK,), {}),
    "approver": ((MODIFY_APPROVE_TIME_TRACK,), {}),
    "scoper": ((MANAGE_SCOPE_OF_WORK,), {}),
    "biller": ((MANAGE_COST_BILLING,), {}),
    "accounts": ((MANAGE_ACCOUNTS,), {}),
    "settings": ((MANAGE_SYSTEM_SETTINGS,), {}),
    "pto": ((MANAGE_PTO_SICK,), {}),
    "locker": ((LOCK_TIME_TRACK,), {}),
    "seer": ((), {"sees_all_data": True}),
}
MANAGERS = ("approver", "scoper", "biller")

ALL_TASKS = {"Design", "Build", "Release", "Migrate"}
ACME_TASKS = {"Design", "Build", "Release"}

# --- what each role sees ------------------------------------------------------------------------

VISIBLE_TASKS = {
    "nobody": set(),
    "worker": {"Design", "Build"},  # work assignments: project Web
    "approver": ACME_TASKS,  # scope of work: customer Acme
    "scoper": ACME_TASKS,
    "biller": ACME_TASKS,
    "accounts": ALL_TASKS,
    "settings": set(),
    "pto": set(),
    "locker": set(),
    "seer": set(),  # "see all users' data" is about people, not the catalogue
}
VISIBLE_PROJECTS = {
    "nobody": set(),
    "worker": {"Web"},
    "approver": {"Web", "App"},
    "scoper": {"Web", "App"},
    "biller": {"Web", "App"},
    "accounts": {"Web", "App", "ERP"},
    "settings": set(),
    "pto": set(),
    "locker": set(),
    "seer": set(),
}
VISIBLE_CUSTOMERS = {
    "nobody": set(),
    "worker": {"Acme"},
    "approver": {"Acme"},
    "scoper": {"Acme"},
    "biller": {"Acme"},
    "accounts": {"Acme", "Globex"},
    "settings": set(),
    "pto": set(),
    "locker": set(),
    "seer": set(),
}
EVERYONE = {"admin", *ROLES}
VISIBLE_USERS = {
    "nobody": {"nobody"},
    "worker": {"worker"},
    "approver": {"approver", "worker"},  # self and assigned team
    "scoper": {"scoper", "worker"},
    "biller": {"biller", "worker"},
    "accounts": EVERYONE,
    "settings": {"settings"},
    "pto": {"pto"},
    "locker": {"locker"},
    "seer": EVERYONE,
}

# --- what each role may change: (method, path template, body) -> roles answered 200 -------------
# Every other role gets 403 api.error.access_denied (or 404 nowhere: all objects exist).

WRITES = [
    ("post", "/customers", {"name": "New customer"}, {"accounts"}),
    ("post", "/projects", {"customerId": "{Acme}", "name": "New"}, {"accounts", "scoper"}),
    ("post", "/projects", {"customerId": "{Globex}", "name": "New"}, {"accounts"}),
    ("patch", "/customers/{Acme}", {"description": "x"}, {"accounts", "scoper"}),
    ("patch", "/tasks/{Design}", {"description": "x"}, {"accounts", "scoper"}),
    ("patch", "/tasks/{Migrate}", {"description": "x"}, {"accounts"}),
    ("post", "/tasks", {"projectId": "{App}", "name": "New"}, {"accounts", "scoper"}),
    ("put", "/tasks/{Release}/assignedUsers", {"userIds": ["{worker}"]}, {"accounts", "scoper"}),
    ("post", "/workflowStatuses", {"name": "Doing", "type": "open"}, {"settings"}),
    ("post", "/typesOfWork", {"name": "Design work"}, {"settings"}),
    ("post", "/leaveTypes", {"name": "Jury duty", "balance": "None"}, {"pto", "settings"}),
    ("post", "/departments", {"name": "Sales"}, {"accounts"}),
    ("post", "/timeZoneGroups", {"name": "Paris", "timeZoneId": "Europe/Paris"}, {"accounts"}),
    (
        "post",
        "/users",
        {"username": "new", "password": "pw", "firstName": "N", "lastName": "U"},
        {"accounts"},
    ),
    ("patch", "/users/{worker}", {"firstName": "Wendy"}, {"accounts"}),
    ("put", "/users/{worker}/permissions", {"permissions": [ENTER_TIME_TRACK]}, {"accounts"}),
    ("put", "/users/{worker}/team", {"userIds": []}, {"accounts"}),
    ("put", "/users/{worker}/scope", {"customerIds": []}, {"accounts"}),
    ("put", "/users/{worker}/workAssignments", {"projectIds": ["{App}"]}, {"accounts", "scoper"}),
    (
        "put",
        "/userRates/{worker}",
        [{"dateFrom": "2025-01-01", "regularRate": 40, "overtimeRate": 60}],
        {"accounts"},
    ),
]

READS = [
    ("/userRates/{worker}", {"accounts", "biller"}),
    ("/users/{worker}/permissions", {"accounts", "worker"}),
    ("/users/{worker}/team", {"accounts", "worker"}),
    ("/users/{worker}/workAssignments", {"accounts", "worker", *MANAGERS, "seer"}),
    (
        "/users/{worker}/schedule?dateFrom=2025-01-06&dateTo=2025-01-10",
        {"accounts", "worker", *MANAGERS, "seer"},
    ),
]


@pytest.fixture
def app(make_app):
    # The hook receivers of these tests listen on loopback.
    return make_app(HOOK_ALLOWED_NETWORKS=["127.0.0.1:*"])


@seed("company")
def build_company(admin, make_user) -> dict[str, int]:
    """The company of this module's docstring, made through the API: its objects' and its
    users' ids by name."""
    ids = {"admin": 1}
    for name in ("Acme", "Globex"):
        ids[name] = admin.ok("post", "/customers", {"name": name})["id"]
    for customer, project in (("Acme", "Web"), ("Acme", "App"), ("Globex", "ERP")):
        ids[project] = admin.ok(
            "post", "/projects", {"customerId": ids[customer], "name": project}
        )["id"]
    for project, task in (
        ("Web", "Design"),
        ("Web", "Build"),
        ("App", "Release"),
        ("ERP", "Migrate"),
    ):
        ids[task] = admin.ok("post", "/tasks", {"projectId": ids[project], "name": task})["id"]
    for role, (permissions, flags) in ROLES.items():
        ids[role] = make_user(*permissions, username=role, **flags).id
    admin.ok("put", f"/users/{ids['worker']}/workAssignments", {"projectIds": [ids["Web"]]})
    for manager in MANAGERS:
        admin.ok("put", f"/users/{ids[manager]}/team", {"userIds": [ids["worker"]]})
        admin.ok("put", f"/users/{ids[manager]}/scope", {"customerIds": [ids["Acme"]]})
    return ids


@pytest.fixture
def company(admin, client):
    """The company (made once, see ``build_company``): a client logged in as each role, and
    the ids by name."""
    ids = seeded(build_company)
    clients = {"admin": admin}
    for role in ROLES:
        clients[role] = ApiClient(client, role, role)
        clients[role].id = ids[role]
    return clients, dict(ids)


def fill(template, ids):
    """Replace ``{Name}`` placeholders (in paths and bodies) with the ids of the company."""
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in ids:
            return ids[template[1:-1]]
        return template.format(**ids)
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


def names(body, key="name"):
    return {item[key] for item in body["items"]}


@pytest.mark.parametrize("role", ROLES)
def test_visible_catalogue(company, role):
    clients, ids = company
    client = clients[role]
    assert names(client.ok("get", "/tasks")) == VISIBLE_TASKS[role]
    assert names(client.ok("get", "/projects")) == VISIBLE_PROJECTS[role]
    assert names(client.ok("get", "/customers")) == VISIBLE_CUSTOMERS[role]
    # Single objects: visible ones answer 200, the others 403 (never 404: they exist).
    for task in ALL_TASKS:
        response = client.get(f"/tasks/{ids[task]}")
        expected = 200 if task in VISIBLE_TASKS[role] else 403
        assert response.status_code == expected, (role, task)
        comments = client.get(f"/tasks/{ids[task]}/comments")
        assert comments.status_code == expected, (role, task)


@pytest.mark.parametrize("role", ROLES)
def test_visible_users(company, role):
    clients, ids = company
    client = clients[role]
    listed = client.ok("get", "/users")["items"]
    by_id = {ids[name]: name for name in EVERYONE}
    assert {by_id[u["id"]] for u in listed} == VISIBLE_USERS[role]
    for other in EVERYONE:
        expected = 200 if other in VISIBLE_USERS[role] else 403
        assert client.get(f"/users/{ids[other]}").status_code == expected, (role, other)
    assert client.ok("get", "/users/me")["id"] == ids[role]


@pytest.mark.parametrize("role", ROLES)
def test_private_user_fields(company, role):
    clients, ids = company
    client = clients[role]
    me = client.ok("get", "/users/me")
    assert me["username"] == role  # everyone sees their own account
    for user in client.ok("get", "/users")["items"]:
        private = {"username", "email", "hired", "releaseDate"} & set(user)
        if role == "accounts" or user["id"] == ids[role]:
            assert private == {"username", "email", "hired", "releaseDate"}
        else:
            assert private == set(), (role, user["id"])
        assert "password" not in user and "passwordHash" not in user


@pytest.mark.parametrize("role", ROLES)
def test_writes(company, role):
    clients, ids = company
    for method, path, body, allowed in WRITES:
        response = getattr(clients[role], method)(fill(path, ids), json=fill(body, ids))
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, method, path, response.get_json())
        if expected == 403:
            assert response.get_json()["key"] == "api.error.access_denied"


@pytest.mark.parametrize("role", ROLES)
def test_reads_of_other_users_data(company, role):
    clients, ids = company
    for path, allowed in READS:
        response = clients[role].get(fill(path, ids))
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path, response.get_json())


@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_follow_the_rules(company, role):
    clients, ids = company
    client = clients[role]
    can_change_acme = role in {"accounts", "scoper"}
    for task in client.ok("get", "/tasks")["items"]:
        assert task["allowedActions"] == {
            "canModify": can_change_acme,
            "canDelete": can_change_acme,
        }, (role, task["name"])
    statuses = client.ok("get", "/workflowStatuses")["items"]
    assert all(s["allowedActions"]["canModify"] == (role == "settings") for s in statuses)
    # canSubmitTimetrack: for yourself with Enter Time-Track, for your team with Modify &
    # Approve Users' Time-Track.
    for user in client.ok("get", "/users")["items"]:
        name = {ids[n]: n for n in EVERYONE}[user["id"]]
        expected = (name == role == "worker") or (role == "approver" and name == "worker")
        assert user["allowedActions"]["canSubmitTimetrack"] == expected, (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_rate_fields(company, role):
    clients, _ = company
    clients["admin"].ok("patch", "/typesOfWork/1", {"rate": 99})
    expected = 99 if role in {"accounts", "biller", "settings"} else None
    assert clients[role].ok("get", "/typesOfWork/1")["rate"] == expected


def test_scoped_manager_keeps_assignments_outside_the_scope(company):
    clients, ids = company
    admin, scoper = clients["admin"], clients["scoper"]
    admin.ok(
        "put", f"/users/{ids['worker']}/workAssignments", {"projectIds": [ids["Web"], ids["ERP"]]}
    )
    # The scoper (scope: Acme) replaces the worker's assignments with App only...
    body = scoper.ok("put", f"/users/{ids['worker']}/workAssignments", {"projectIds": [ids["App"]]})
    # ...which removes Web (inside the scope) but keeps ERP (outside it).
    assert sorted(body["projectIds"]) == sorted([ids["App"], ids["ERP"]])
    response = scoper.put(
        f"/users/{ids['worker']}/workAssignments", json={"projectIds": [ids["ERP"]]}
    )
    assert response.status_code == 403
    response = scoper.put(f"/users/{ids['worker']}/workAssignments", json={"allScope": True})
    assert response.status_code == 403


def test_new_tasks_are_open_to_the_first_administrator(admin, company):
    _, ids = company
    task = admin.ok("post", "/tasks", {"projectId": ids["ERP"], "name": "Fresh"})
    assert ids["admin"] in admin.ok("get", f"/tasks/{task['id']}/assignedUsers")["userIds"]
    assert admin.ok("get", "/users/1/workAssignments")["allScope"] is True
    assert admin.ok("get", "/users/1/team")["allUsers"] is True
    assert admin.ok("get", "/users/1/scope")["allScope"] is True


# --- invoices -----------------------------------------------------------------------------------
#
# March: the worker's time on Design and Build (Acme), the admin's on Migrate (Globex);
# February: the admin's on Migrate, billed by the admin's invoice ADMIN-FEB.
# role -> (records a March invoice without filters bills, sees ADMIN-FEB); None: 403 throughout.
INVOICES = {
    "nobody": None,
    "worker": None,
    "approver": None,
    "scoper": None,
    "biller": (2, False),  # the team (the worker) on the scope of work (Acme)
    "accounts": (3, True),
    "settings": None,
    "pto": None,
    "locker": None,
    "seer": None,
}
MARCH = {"dateFrom": "2025-03-01", "dateTo": "2025-03-31"}


@pytest.mark.parametrize("role", ROLES)
def test_invoices(company, role):
    clients, ids = company
    admin, client = clients["admin"], clients[role]
    for user, day, task in (
        ("worker", "2025-03-03", "Design"),
        ("worker", "2025-03-04", "Build"),
        ("admin", "2025-03-05", "Migrate"),
        ("admin", "2025-02-05", "Migrate"),
    ):
        admin.ok("patch", f"/timetrack/{ids[user]}/{day}/{ids[task]}", {"time": 60})
    feb = {"dateFrom": "2025-02-01", "dateTo": "2025-02-28"}
    admin_invoice = admin.ok("post", "/invoices", {"number": "ADMIN-FEB", **feb})
    expected = INVOICES[role]
    if expected is None:
        assert client.post("/invoices", json={"number": "R", **MARCH}).status_code == 403
        assert client.get("/invoices").status_code == 403
        assert client.get(f"/invoices/{admin_invoice['id']}").status_code == 403
        assert client.delete(f"/invoices/{admin_invoice['id']}").status_code == 403
        assert admin.ok("get", "/invoices")["items"] == [admin_invoice]
        return
    billed, sees_admins = expected
    invoice = client.ok("post", "/invoices", {"number": "R", **MARCH})
    assert invoice["records"] == billed
    visible = {i["number"] for i in client.ok("get", "/invoices")["items"]}
    assert visible == ({"R", "ADMIN-FEB"} if sees_admins else {"R"})
    assert client.get(f"/invoices/{admin_invoice['id']}").status_code == (
        200 if sees_admins else 403
    )
    # Filters naming users, customers or projects outside the reach are refused whole.
    for number, outside in enumerate(
        (
            {"userIds": [ids["admin"]]},
            {"customerIds": [ids["Globex"]]},
            {"projectIds": [ids["ERP"]]},
        )
    ):
        response = client.post("/invoices", json={"number": f"S{number}", **MARCH, **outside})
        assert response.status_code == (200 if sees_admins else 403), outside
    assert client.delete(f"/invoices/{admin_invoice['id']}").status_code == (
        204 if sees_admins else 403
    )
    client.ok("delete", f"/invoices/{invoice['id']}", status=204)


# --- totals: every role's totals equal the sums of the records it lists -------------------------

# Who gets cost and revenue in the totals of everything they read.
MONEY = {"accounts", "biller"}  # the biller: over its team, which is all it reads


@pytest.mark.parametrize("role", ROLES)
def test_totals_equal_what_the_role_lists(company, role):
    clients, ids = company
    admin, client = clients["admin"], clients[role]
    for user, day, task, minutes in (
        ("worker", "2025-03-03", "Design", 60),
        ("worker", "2025-03-04", "Build", 30),
        ("worker", "2025-04-01", "Design", 15),
        ("admin", "2025-03-05", "Migrate", 45),
        ("admin", "2025-03-06", "Release", 90),
    ):
        admin.ok("patch", f"/timetrack/{ids[user]}/{day}/{ids[task]}", {"time": minutes})
    listed = client.ok("get", "/timetrack?dateFrom=2025-01-01&dateTo=2025-12-31")
    records = [(d["userId"], r["taskId"], r["time"]) for d in listed["data"] for r in d["records"]]
    for query in ("", "groupBy=user", "groupBy=task", "groupBy=project,month"):
        body = client.ok("get", f"/timetrack/totals?dateFrom=2025-01-01&dateTo=2025-12-31&{query}")
        assert body["totals"]["totalMinutes"] == sum(r[2] for r in records), (role, query)
        assert sum(g["totals"]["totalMinutes"] for g in body["groups"]) == (
            sum(r[2] for r in records) if query else 0
        )
        assert ("cost" in body["totals"]) == (role in MONEY), role
    by_user = client.ok("get", "/timetrack/totals?groupBy=user")
    assert {g["userId"]: g["totals"]["totalMinutes"] for g in by_user["groups"]} == {
        u: sum(r[2] for r in records if r[0] == u) for u in {r[0] for r in records}
    }
    # Totals of an object: 200 for the objects the role sees, 403 for the others.
    for task in ALL_TASKS:
        expected = 200 if task in VISIBLE_TASKS[role] else 403
        assert client.get(f"/tasks/{ids[task]}/totals").status_code == expected, (role, task)
    for user in ("worker", "admin"):
        expected = 200 if user in VISIBLE_USERS[role] else 403
        assert client.get(f"/users/{ids[user]}/totals").status_code == expected, (role, user)
    summary = client.ok("get", "/reports/summary?groupBy=user")
    assert summary == by_user
    people = client.ok("get", "/reports/users")
    assert sum(u["totals"]["totalMinutes"] for u in people["items"]) == sum(r[2] for r in records)
    assert len(people["items"]) == len(VISIBLE_USERS[role])
    assert names(client.ok("get", "/reports/projects")) == VISIBLE_PROJECTS[role]
    projects = client.ok("get", "/projects/totals")
    assert names(projects) == VISIBLE_PROJECTS[role]
    assert sum(p["totals"]["totalMinutes"] for p in projects["items"]) == sum(
        r[2] for r in records if r[1] in {ids[t] for t in VISIBLE_TASKS[role]}
    )


def test_a_biller_sees_money_over_its_team(company):
    clients, ids = company
    biller = clients["biller"]
    body = biller.ok("get", "/timetrack/totals")
    assert "cost" in body["totals"] and body["currency"] == "USD"
    assert "cost" not in biller.ok("get", f"/timetrack/totals?userIds={ids['admin']}")["totals"]


@pytest.mark.parametrize("role", ROLES)
def test_tokens(company, role):
    clients, ids = company
    admin, client = clients["admin"], clients[role]
    workers = clients["worker"].ok("post", "/users/me/tokens", {"name": "W", "scope": "read"})
    mine = client.ok("post", "/users/me/tokens", {"name": "Mine", "scope": "read"})
    own = [t["id"] for t in client.ok("get", "/users/me/tokens")["items"]]
    assert own == ([workers["id"], mine["id"]] if role == "worker" else [mine["id"]])
    reaches_others = role == "accounts"
    listed = client.get(f"/users/{ids['worker']}/tokens")
    assert listed.status_code == (200 if reaches_others or role == "worker" else 403)
    assert (
        client.post(
            f"/users/{ids['admin']}/tokens", json={"name": "X", "scope": "read"}
        ).status_code
        == 403
    )  # tokens are made by their own user, whoever asks
    if role != "worker":
        revoke = client.delete(f"/users/{ids['worker']}/tokens/{workers['id']}")
        assert revoke.status_code == (204 if reaches_others else 403)
    client.ok("delete", f"/users/me/tokens/{mine['id']}", status=204)
    assert admin.ok("get", "/users/me/tokens")["items"] == []


# Who may start (and so stop) the worker's timer on Design: whoever may change that time.
STARTS_WORKERS_TIMER = {"worker", "approver"}
# Who sees a running timer of the worker on Design: whoever reads that time.
SEES_WORKERS_TIMER = {"worker", "approver", "scoper", "biller", "accounts", "seer"}


@pytest.mark.parametrize("role", ROLES)
def test_timers(company, role):
    clients, ids = company
    client, worker = clients[role], clients["worker"]
    body = {"taskId": ids["Design"], "userId": ids["worker"]}
    started = client.post("/timers", json=body)
    assert started.status_code == (200 if role in STARTS_WORKERS_TIMER else 403), role
    if started.status_code != 200:
        worker.ok("post", "/timers", body)
    listed = [t["userId"] for t in client.ok("get", "/timers")["items"]]
    assert listed == ([ids["worker"]] if role in SEES_WORKERS_TIMER else [])
    stop = client.post(f"/timers/{ids['worker']}/stop")
    expected = 200 if role in STARTS_WORKERS_TIMER else 403 if role in SEES_WORKERS_TIMER else 404
    assert stop.status_code == expected, role


@pytest.mark.parametrize("role", ROLES)
def test_changes_and_audit_log(company, role):
    """The feed's time-track events are exactly the records the role reads; the audit log is
    for Manage Accounts & Permissions."""
    clients, ids = company
    admin, client = clients["admin"], clients[role]
    start = admin.ok("get", "/changes")["cursor"]
    for user, task in (("worker", "Design"), ("admin", "Migrate"), ("admin", "Release")):
        admin.ok("patch", f"/timetrack/{ids[user]}/2025-03-03/{ids[task]}", {"time": 60})
    listed = client.ok("get", "/timetrack?dateFrom=2025-03-03&dateTo=2025-03-03")
    readable = {(d["userId"], r["taskId"]) for d in listed["data"] for r in d["records"]}
    events = client.ok("get", f"/changes?since={start}")["items"]
    seen = {(e["data"]["userId"], e["data"]["taskId"]) for e in events if e["kind"] == "timetrack"}
    assert seen == readable, role
    assert client.get("/auditLog").status_code == (200 if role == "accounts" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_hooks(company, role, tmp_path):
    """Anyone subscribes; a hook delivers exactly the time-track records its owner reads; users
    see and delete their own hooks, Manage Accounts & Permissions anyone's."""
    from tests.receiver import Receiver
    from timetracker.services.hook_delivery import Deliverer

    clients, ids = company
    admin, client, worker = clients["admin"], clients[role], clients["worker"]
    receiver = Receiver()
    try:
        workers = worker.ok("post", "/hooks", {"target_url": receiver.url + "/w", "event": "*"})
        mine = client.ok("post", "/hooks", {"target_url": receiver.url, "event": "timetrack"})
        for user, task in (("worker", "Design"), ("admin", "Migrate"), ("admin", "Release")):
            admin.ok("patch", f"/timetrack/{ids[user]}/2025-03-03/{ids[task]}", {"time": 60})
        everyones = {h["id"] for h in client.ok("get", "/hooks")["items"]}
        assert (workers["id"] in everyones) == (role in ("accounts", "worker")), role
        if role != "worker":
            deleted = client.delete(f"/hooks/{workers['id']}").status_code
            assert deleted == (204 if role == "accounts" else 403), role
        Deliverer.for_app(client.client.application).run_once()
        listed = client.ok("get", "/timetrack?dateFrom=2025-03-03&dateTo=2025-03-03")
        readable = {(d["userId"], r["taskId"]) for d in listed["data"] for r in d["records"]}
        mine_received = [r for r in receiver.received if r.path == "/hook"]
        seen = {(e["userId"], e["taskId"]) for r in mine_received for e in r.events}
        assert seen == readable, role
    finally:
        receiver.close()
    listed = {h["id"] for h in client.ok("get", "/hooks")["items"]}
    # Manage Accounts & Permissions lists everyone's, but has deleted the worker's.
    assert listed == {mine["id"]} | ({workers["id"]} if role == "worker" else set()), role
    seen_hook = client.get(f"/hooks/{workers['id']}").status_code
    assert seen_hook == (404 if role == "accounts" else 200 if role == "worker" else 403)
    client.ok("delete", f"/hooks/{mine['id']}", status=204)


# Every kind of path that names a user, with {u} for the user; a body where the method needs one.
USER_PATHS = [
    ("get", "/users/{u}", None),
    ("get", "/users/{u}/schedule?dateFrom=2025-01-06&dateTo=2025-01-10", None),
    ("get", "/users/{u}/weeklySchedule", None),
    ("get", "/users/{u}/permissions", None),
    ("get", "/users/{u}/team", None),
    ("get", "/users/{u}/scope", None),
    ("get", "/users/{u}/workAssignments", None),
    ("get", "/users/{u}/totals", None),
    ("get", "/users/{u}/tokens", None),
    ("get", "/userRates/{u}", None),
    ("get", "/timetrack/{u}/2025-01-06/{Design}", None),
    ("patch", "/timetrack/{u}/2025-01-06/{Design}", {"time": 30}),
    ("patch", "/timetrack/{u}/2025-01-06/{Design}/time", {"delta": 0}),
    ("get", "/leavetime/{u}/2025-01-07/{leave}", None),
    ("patch", "/leavetime/{u}/2025-01-07/{leave}", {"leaveTime": 60}),
    ("post", "/timers/{u}/stop", None),
    ("delete", "/timers/{u}", None),
]
# Who reaches the worker through a path's own rule without seeing the worker as a user.
REACHES_THROUGH_THE_PATH = {"/leavetime/": {"pto"}}


def shown(response, uid: str) -> dict:
    """An error answer as it would read for any uid (the message quotes the one asked)."""
    body = dict(response.get_json())
    body.pop("requestId", None)
    body["message"] = body["message"].replace(uid, "{u}")
    return body


@pytest.mark.parametrize("role", ROLES)
def test_a_username_out_of_reach_answers_as_an_unknown_one(admin, company, role):
    """No path tells which usernames exist: a username the caller may not reach answers
    exactly as one nobody has (404); one in reach answers as the user's id does."""
    clients, ids = company
    client = clients[role]
    ids = {**ids, "leave": admin.ok("get", "/leaveTypes")["items"][0]["id"]}
    for method, template, body in USER_PATHS:
        path = fill(template.replace("{u}", "{{u}}"), ids)

        def send(uid, path=path, method=method, body=body):
            kwargs = {} if body is None else {"json": body}
            return getattr(client, method)(path.replace("{u}", uid), **kwargs)

        unknown = send("nosuchuser")
        assert unknown.status_code == 404, (role, path, unknown.get_json())
        by_id, by_name = send(str(ids["worker"])), send("worker")
        reaches = "worker" in VISIBLE_USERS[role] or any(
            part in path and role in roles for part, roles in REACHES_THROUGH_THE_PATH.items()
        )
        if reaches:
            assert by_name.status_code == by_id.status_code, (role, path, by_name.get_json())
        else:
            assert by_name.status_code == 404, (role, path, by_name.get_json())
            assert shown(by_name, "worker") == shown(unknown, "nosuchuser"), (role, path)
