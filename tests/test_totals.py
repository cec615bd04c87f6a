"""Totals: the kept monthly totals stay equal to the records, and every answer equals the sums of
what GET /timetrack lists, whatever the period, grouping and filters."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from timetracker.access import ENTER_TIME_TRACK, MANAGE_COST_BILLING
from timetracker.store import kept_totals

GROUPINGS = [
    (),
    ("project",),
    ("customer",),
    ("task",),
    ("user",),
    ("typeOfWork",),
    ("day",),
    ("week",),
    ("month",),
    ("customer", "user"),
    ("project", "month"),
    ("user", "task", "week"),
]


@pytest.fixture
def app(make_app):
    """These tests send many requests: a throttle they all fit in."""
    return make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)


def path(user, day, task, suffix=""):
    return f"/timetrack/{user}/{day}/{task}{suffix}"


@pytest.fixture
def tracked(admin, make_user, catalogue):
    """Acme (Website: Design, Build; Mobile app: Release, completed) and Globex (archived; ERP:
    Migrate data); Build's type of work is not billable. Two users track time over February to
    April, with records on the first and last days of months."""
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    admin.ok("patch", f"/tasks/{tasks['build']}", {"typeOfWorkId": internal["id"]})
    users = {}
    for name in ("worker", "other"):
        users[name] = make_user(ENTER_TIME_TRACK, username=name, assign_all=True).id
    rng = random.Random(7)
    day, items = dt.date(2025, 2, 1), []
    while day <= dt.date(2025, 4, 30):
        for user in users.values():
            for task in rng.sample(sorted(tasks.values()), 2):
                minutes = 15 * rng.randint(1, 8)
                items.append((path(user, day, task), minutes))
        day += dt.timedelta(days=rng.choice((1, 2, 3)))
    for day in ("2025-02-28", "2025-03-01", "2025-03-31", "2025-04-01"):
        items.append((path(users["worker"], day, tasks["design"]), 30))
    answers = admin.ok(
        "post",
        "/batch",
        [{"method": "PATCH", "relativeUrl": url, "body": {"time": m}} for url, m in items],
    )
    assert {a["status"] for a in answers} == {200}
    return {
        "tasks": tasks,
        "users": users,
        "projects": {k: p["id"] for k, p in catalogue["projects"].items()},
        "customers": {k: c["id"] for k, c in catalogue["customers"].items()},
        "internal": internal["id"],
    }


def listed_records(client, date_from="1970-01-01", date_to=None):
    """Every record the client may read: (userId, date, taskId, minutes, billable, billed)."""
    found = []
    start = date_from
    while True:
        query = f"dateFrom={start}&includeReferenced=billingStatus"
        if date_to:
            query += f"&dateTo={date_to}"
        body = client.ok("get", f"/timetrack?{query}")
        for day in body["data"]:
            for r in day["records"]:
                found.append(
                    (day["userId"], day["date"], r["taskId"], r["time"], r["billable"], r["billed"])
                )
        if "nextDateFrom" not in body:
            return found
        start = body["nextDateFrom"]


def week_of(day: str, first: int = 1) -> str:
    d = dt.date.fromisoformat(day)
    return (d - dt.timedelta(days=((d.isoweekday() % 7) - first) % 7)).isoformat()


def expected_totals(records, group_by, task_info):
    """The totals the API must answer, summed here from listed records."""
    key_of = {
        "user": lambda r: r[0],
        "task": lambda r: r[2],
        "project": lambda r: task_info[r[2]]["projectId"],
        "customer": lambda r: task_info[r[2]]["customerId"],
        "typeOfWork": lambda r: task_info[r[2]]["typeOfWorkId"],
        "day": lambda r: r[1],
        "week": lambda r: week_of(r[1]),
        "month": lambda r: r[1][:8] + "01",
    }
    groups: dict[tuple, list[int]] = {}
    for r in records:
        key = tuple(key_of[d](r) for d in group_by)
        sums = groups.setdefault(key, [0, 0, 0])
        sums[0] += r[3]
        sums[1] += r[3] if r[4] else 0
        sums[2] += r[3] if r[5] else 0
    return groups


def answered(body, group_by):
    names = {
        "user": "userId",
        "task": "taskId",
        "project": "projectId",
        "customer": "customerId",
        "typeOfWork": "typeOfWorkId",
        "day": "date",
        "week": "week",
        "month": "month",
    }
    return {
        tuple(g[names[d]] for d in group_by): [
            g["totals"]["totalMinutes"],
            g["totals"]["billableMinutes"],
            g["totals"]["billedMinutes"],
        ]
        for g in body["groups"]
        if g["totals"]["totalMinutes"]
    }


def task_infos(admin):
    return {
        t["id"]: {
            "projectId": t["projectId"],
            "customerId": t["customerId"],
            "typeOfWorkId": t["typeOfWorkId"],
        }
        for t in admin.ok("get", "/tasks")["items"]
    }


def kept_equals_rebuilt(app) -> None:
    engine = app.extensions["timetracker"]["engine"]
    with engine.begin() as conn:
        kept = kept_totals.kept_rows(conn)
        kept_totals.rebuild(conn)
        rebuilt = kept_totals.kept_rows(conn)
        conn.rollback()
    assert kept == rebuilt


def test_totals_equal_the_listed_records_for_any_period_and_grouping(admin, tracked):
    admin.ok(
        "post", "/invoices", {"number": "I-1", "dateFrom": "2025-03-10", "dateTo": "2025-04-05"}
    )
    info = task_infos(admin)
    rng = random.Random(11)
    periods = [("2025-01-01", "2025-12-31"), ("2025-03-01", "2025-03-31"), (None, None)]
    periods += [("2025-03-01", "2025-04-30"), ("2025-02-28", "2025-04-01")]
    for _ in range(8):
        start = dt.date(2025, 1, 25) + dt.timedelta(days=rng.randint(0, 60))
        end = start + dt.timedelta(days=rng.randint(0, 70))
        periods.append((start.isoformat(), end.isoformat()))
    for date_from, date_to in periods:
        records = listed_records(admin, date_from or "1970-01-01", date_to)
        for group_by in GROUPINGS:
            query = []
            if date_from:
                query += [f"dateFrom={date_from}", f"dateTo={date_to}"]
            if group_by:
                query.append("groupBy=" + ",".join(group_by))
            body = admin.ok("get", "/timetrack/totals?" + "&".join(query))
            expected = expected_totals(records, group_by, info)
            if not group_by:
                assert body["groups"] == []
            assert answered(body, group_by) == {
                k: v for k, v in expected.items() if v[0] and group_by
            }, (
                date_from,
                date_to,
                group_by,
            )
            overall = [sum(v[i] for v in expected.values()) for i in range(3)]
            t = body["totals"]
            assert [t["totalMinutes"], t["billableMinutes"], t["billedMinutes"]] == overall
            assert t["nonBillableMinutes"] == overall[0] - overall[1]
            assert t["nonBilledMinutes"] == overall[0] - overall[2]
            assert t["totalHours"] == round(overall[0] / 60, 2)


def test_filters_narrow_like_the_records(admin, tracked):
    admin.ok(
        "post", "/invoices", {"number": "I-1", "dateFrom": "2025-03-01", "dateTo": "2025-03-20"}
    )
    info = task_infos(admin)
    records = listed_records(admin, "2025-02-10", "2025-04-20")
    period = "dateFrom=2025-02-10&dateTo=2025-04-20"
    worker, tasks = tracked["users"]["worker"], tracked["tasks"]
    web, globex, internal = (
        tracked["projects"]["web"],
        tracked["customers"]["globex"],
        tracked["internal"],
    )
    two = {tasks["design"], tasks["release"]}

    def project(r):
        return info[r[2]]["projectId"]

    def customer(r):
        return info[r[2]]["customerId"]

    cases = [
        (f"userIds={worker}", lambda r: r[0] == worker),
        ("taskIds=" + ",".join(map(str, two)), lambda r: r[2] in two),
        (f"projectIds={web}", lambda r: project(r) == web),
        (f"customerIds={globex}", lambda r: customer(r) == globex),
        (f"typeOfWorkIds={internal}", lambda r: info[r[2]]["typeOfWorkId"] == internal),
        ("billable=true", lambda r: r[4]),
        ("billable=false", lambda r: not r[4]),
        ("billed=true", lambda r: r[5]),
        ("billed=false", lambda r: not r[5]),
        ("archived=archived", lambda r: customer(r) == globex),
        ("archived=active", lambda r: customer(r) != globex),
        ("departmentIds=-1", lambda r: True),
        (
            f"userIds={worker}&billed=false&projectIds={web}",
            lambda r: r[0] == worker and not r[5] and project(r) == web,
        ),
    ]
    for condition, keep in cases:
        kept = [r for r in records if keep(r)]
        for group_by in ((), ("project", "month"), ("user", "day")):
            grouping = "&groupBy=" + ",".join(group_by) if group_by else ""
            body = admin.ok("get", f"/timetrack/totals?{period}&{condition}{grouping}")
            expected = expected_totals(kept, group_by, info)
            assert answered(body, group_by) == {
                k: v for k, v in expected.items() if v[0] and group_by
            }, (
                condition,
                group_by,
            )
            assert body["totals"]["totalMinutes"] == sum(r[3] for r in kept), condition


def test_kept_totals_follow_every_kind_of_change(app, admin, tracked):
    tasks, users = tracked["tasks"], tracked["users"]
    kept_equals_rebuilt(app)
    worker = users["worker"]
    admin.ok("patch", path(worker, "2025-03-03", tasks["design"]), {"time": 200})
    admin.ok("patch", path(worker, "2025-03-03", tasks["design"], "/time"), {"delta": -20})
    admin.ok("patch", path(worker, "2025-03-04", tasks["build"]), {"time": 0})
    admin.ok(
        "post",
        "/batch",
        [
            {"method": "PATCH", "relativeUrl": path(worker, "2025-05-02", tasks["release"]),
             "body": {"time": 45}},
            {"method": "PATCH", "relativeUrl": path(worker, "2025-05-03", tasks["release"]),
             "body": {"time": 15}},
        ],
    )  # fmt: skip
    kept_equals_rebuilt(app)
    imported = admin.client.post(
        "/api/v1/timetrack/import",
        data="username,date,customer,project,task,minutes,comment\n"
        "worker,2025-03-03,Acme,Website,Design,30,\n"
        "other,2025-06-01,Acme,Website,Build,60,\n",
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.get_json()
    kept_equals_rebuilt(app)
    invoice = admin.ok(
        "post", "/invoices", {"number": "A", "dateFrom": "2025-02-01", "dateTo": "2025-03-15"}
    )
    kept_equals_rebuilt(app)
    admin.ok("put", f"/userRates/{worker}", [
        {"dateFrom": "2025-01-01", "regularRate": 30, "overtimeRate": 45},
        {"dateFrom": "2025-03-17", "regularRate": 42.5, "overtimeRate": 60},
    ])  # fmt: skip
    kept_equals_rebuilt(app)
    admin.ok("delete", f"/invoices/{invoice['id']}", status=204)
    kept_equals_rebuilt(app)
    admin.ok("delete", f"/tasks/{tasks['release']}", status=204)
    kept_equals_rebuilt(app)
    assert admin.ok("get", f"/timetrack/totals?taskIds={tasks['release']}")["groups"] == []


def test_money_is_cost_and_revenue_for_those_who_may_see_it(admin, make_user, tracked):
    worker, other = tracked["users"]["worker"], tracked["users"]["other"]
    admin.ok("put", f"/userRates/{worker}", [
        {"dateFrom": "2025-01-01", "regularRate": 30, "overtimeRate": 45},
        {"dateFrom": "2025-03-17", "regularRate": 42.5, "overtimeRate": 60},
    ])  # fmt: skip
    for type_of_work in admin.ok("get", "/typesOfWork")["items"]:
        admin.ok("patch", f"/typesOfWork/{type_of_work['id']}", {"rate": 80})
    records = listed_records(admin, "2025-02-15", "2025-04-15")
    info = task_infos(admin)
    cost = sum(r[3] * (30 if r[1] < "2025-03-17" else 42.5) for r in records if r[0] == worker) / 60
    revenue = sum(r[3] * 80 for r in records if r[4]) / 60
    for group_by in ("", "&groupBy=month", "&groupBy=project", "&groupBy=week"):
        body = admin.ok("get", f"/timetrack/totals?dateFrom=2025-02-15&dateTo=2025-04-15{group_by}")
        assert body["currency"] == "USD"
        assert body["totals"]["cost"] == round(cost, 2)
        assert body["totals"]["revenue"] == round(revenue, 2)
        if group_by:
            grouped = sum(g["totals"]["cost"] for g in body["groups"])
            assert grouped == pytest.approx(cost, abs=0.05)
    assert info  # the tasks were read
    # A biller sees money over its team; not over users outside it; others never.
    biller = make_user(MANAGE_COST_BILLING, username="biller", scope_all=True)
    admin.ok("put", f"/users/{biller.id}/team", {"userIds": [worker]})
    mine = biller.ok("get", "/timetrack/totals?dateFrom=2025-02-15&dateTo=2025-04-15")
    assert mine["totals"]["cost"] == round(cost, 2)
    assert mine["totals"]["totalMinutes"] == sum(r[3] for r in records if r[0] == worker)
    outside = biller.ok("get", f"/timetrack/totals?userIds={worker},{other}")
    assert "cost" not in outside["totals"] and "currency" not in outside
    plain = make_user(ENTER_TIME_TRACK, username="plain", assign_all=True)
    body = plain.ok("get", "/timetrack/totals?groupBy=project")
    assert "cost" not in body["totals"] and "revenue" not in body["totals"]


def test_estimates_where_tasks_are_grouped_or_addressed(admin, tracked):
    tasks, projects = tracked["tasks"], tracked["projects"]
    for name, minutes in (("design", 600), ("build", 300), ("release", 120)):
        admin.ok("patch", f"/tasks/{tasks[name]}", {"estimatedTime": minutes})
    body = admin.ok("get", "/timetrack/totals?groupBy=project")
    by_project = {g["projectId"]: g["totals"] for g in body["groups"]}
    web = by_project[projects["web"]]
    assert (web["estimatedMinutes"], web["activeEstimatedMinutes"]) == (900, 900)
    app_totals = by_project[projects["app"]]
    assert app_totals["estimatedMinutes"] == 120
    assert (
        app_totals["completedEstimatedMinutes"] == 120 and app_totals["activeEstimatedHours"] == 0
    )
    assert body["totals"]["estimatedMinutes"] == 1020
    task = admin.ok("get", f"/tasks/{tasks['design']}/totals")
    assert task["totals"]["estimatedMinutes"] == 600
    # A task with an estimate and no time shows when grouping by task.
    new = admin.ok(
        "post", "/tasks", {"projectId": projects["web"], "name": "Plan", "estimatedTime": 60}
    )
    grouped = admin.ok("get", "/timetrack/totals?groupBy=task")
    planned = next(g for g in grouped["groups"] if g["taskId"] == new["id"])
    assert planned["totals"]["totalMinutes"] == 0 and planned["totals"]["estimatedMinutes"] == 60
    # Without tasks grouped or addressed there are no estimates.
    assert "estimatedMinutes" not in admin.ok("get", "/timetrack/totals?groupBy=user")["totals"]


def test_leave_beside_work(admin, tracked):
    worker = tracked["users"]["worker"]
    leave_types = {t["name"]: t["id"] for t in admin.ok("get", "/leaveTypes")["items"]}
    leave_type = next(iter(leave_types.values()))
    admin.ok("patch", f"/leavetime/{worker}/2025-05-05/{leave_type}", {"leaveTime": 480})
    body = admin.ok("get", "/timetrack/totals?dateFrom=2025-05-01&dateTo=2025-05-31&groupBy=user")
    (group,) = body["groups"]
    assert group["userId"] == worker
    assert group["totals"]["leaveMinutes"] == {str(leave_type): 480}
    assert group["totals"]["totalMinutes"] == 0
    assert body["totals"]["leaveTotalMinutes"] == 480
    by_task = admin.ok("get", "/timetrack/totals?dateFrom=2025-05-01&groupBy=task")
    assert "leaveMinutes" not in by_task["totals"]


def test_totals_of_one_object_and_the_projects_list(admin, make_user, tracked):
    tasks, projects, customers = tracked["tasks"], tracked["projects"], tracked["customers"]
    worker = tracked["users"]["worker"]
    whole = admin.ok("get", "/timetrack/totals?groupBy=project,customer")
    per_project = {g["projectId"]: g["totals"]["totalMinutes"] for g in whole["groups"]}
    for name, project_id in projects.items():
        body = admin.ok("get", f"/projects/{project_id}/totals")
        assert body["totals"]["totalMinutes"] == per_project.get(project_id, 0), name
    acme = admin.ok("get", f"/customers/{customers['acme']}/totals")
    assert (
        acme["totals"]["totalMinutes"]
        == per_project[projects["web"]] + per_project[projects["app"]]
    )
    mine = admin.ok("get", f"/users/{worker}/totals?groupBy=month")
    assert (
        mine["totals"]["totalMinutes"]
        == admin.ok("get", f"/timetrack/totals?userIds={worker}")["totals"]["totalMinutes"]
    )
    design = admin.ok(
        "get", f"/tasks/{tasks['design']}/totals?dateFrom=2025-03-01&dateTo=2025-03-31"
    )
    assert design["dateFrom"] == "2025-03-01"
    listed = admin.ok("get", "/projects/totals?sort=name&dateFrom=2025-03-01&dateTo=2025-03-31")
    assert [p["name"] for p in listed["items"]] == ["ERP", "Mobile app", "Website"]
    march = admin.ok(
        "get", "/timetrack/totals?dateFrom=2025-03-01&dateTo=2025-03-31&groupBy=project"
    )
    march_by = {g["projectId"]: g["totals"] for g in march["groups"]}
    for item in listed["items"]:
        assert item["totals"]["totalMinutes"] == march_by[item["id"]]["totalMinutes"]
    page = admin.ok("get", "/projects/totals?limit=1&offset=1&sort=name")
    assert [p["name"] for p in page["items"]] == ["Mobile app"] and page["offset"] == 1
    # Unknown objects are 404, objects out of reach 403.
    assert admin.get("/projects/999999/totals").status_code == 404
    assert admin.get("/users/nosuchuser/totals").status_code == 404
    outsider = make_user(ENTER_TIME_TRACK, username="outsider")
    assert outsider.get(f"/projects/{projects['web']}/totals").status_code == 403
    assert outsider.get(f"/users/{worker}/totals").status_code == 403
    assert outsider.ok("get", "/users/me/totals")["totals"]["totalMinutes"] == 0


def test_referenced_objects(admin, tracked):
    body = admin.ok(
        "get",
        "/timetrack/totals?groupBy=customer,project,user&includeReferenced=customers,projects,users",
    )
    assert {str(g["customerId"]) for g in body["groups"]} == set(body["customers"])
    assert {str(g["projectId"]) for g in body["groups"]} == set(body["projects"])
    assert {str(g["userId"]) for g in body["groups"]} == set(body["users"])
    assert body["projects"][str(tracked["projects"]["web"])]["name"] == "Website"


@pytest.mark.parametrize(
    "query, field",
    [
        ("groupBy=project,project", "groupBy"),
        ("groupBy=day,week", "groupBy"),
        ("groupBy=user,task,project,customer", "groupBy"),
        ("groupBy=year", "groupBy"),
        ("archived=maybe", "archived"),
        ("dateFrom=2025-03-10&dateTo=2025-03-01", "dateTo"),
        ("dateFrom=2025-02-30", "dateFrom"),
        ("billable=perhaps", "billable"),
        ("userIds=x", "userIds"),
    ],
)
def test_bad_questions_are_400(admin, query, field):
    response = admin.get(f"/timetrack/totals?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["key"].startswith("api.error.")
    assert field in body.get("fields", "") or field in body["message"]


def csv_rows(response):
    import csv
    import io

    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_summary_report_is_the_totals_as_json_or_csv(admin, tracked):
    query = "dateFrom=2025-02-10&dateTo=2025-04-20&groupBy=project,user"
    assert admin.ok("get", f"/reports/summary?{query}") == admin.ok(
        "get", f"/timetrack/totals?{query}"
    )
    answer = admin.ok("get", f"/timetrack/totals?{query}&includeReferenced=projects,users")
    rows = csv_rows(admin.get(f"/reports/summary?{query}&format=csv"))
    assert list(rows[0])[:4] == ["projectId", "projectName", "userId", "userName"]
    assert [
        (int(r["projectId"]), int(r["userId"]), int(r["totalMinutes"]), r["projectName"])
        for r in rows
    ] == [
        (
            g["projectId"],
            g["userId"],
            g["totals"]["totalMinutes"],
            answer["projects"][str(g["projectId"])]["name"],
        )
        for g in answer["groups"]
    ]
    assert {r["userName"] for r in rows} == {"worker", "other"}
    (overall,) = csv_rows(admin.get("/reports/summary?format=csv"))
    assert (
        int(overall["totalMinutes"])
        == admin.ok("get", "/timetrack/totals")["totals"]["totalMinutes"]
    )
    by_accept = admin.client.get(
        "/api/v1/reports/summary?groupBy=month", headers={**admin.headers, "Accept": "text/csv"}
    )
    assert [r["month"] for r in csv_rows(by_accept)] == ["2025-02-01", "2025-03-01", "2025-04-01"]


def test_the_projects_and_users_reports(admin, make_user, tracked):
    period = "dateFrom=2025-03-01&dateTo=2025-03-31"
    projects = admin.ok("get", f"/reports/projects?{period}&sort=name")
    assert projects == admin.ok("get", f"/projects/totals?{period}&sort=name")
    rows = csv_rows(admin.get(f"/reports/projects?{period}&sort=name&format=csv"))
    assert [(r["name"], int(r["totalMinutes"])) for r in rows] == [
        (p["name"], p["totals"]["totalMinutes"]) for p in projects["items"]
    ]
    users = admin.ok("get", f"/reports/users?{period}")
    minutes = {u["id"]: u["totals"]["totalMinutes"] for u in users["items"]}
    by_user = admin.ok("get", f"/timetrack/totals?{period}&groupBy=user")["groups"]
    assert {g["userId"]: g["totals"]["totalMinutes"] for g in by_user} == {
        k: v for k, v in minutes.items() if v
    }
    rows = csv_rows(admin.get(f"/reports/users?{period}&format=csv"))
    assert {int(r["id"]): int(r["totalMinutes"]) for r in rows} == minutes
    # A worker's users report: themselves, with their own time.
    worker = make_user(ENTER_TIME_TRACK, username="solo")
    (me,) = worker.ok("get", f"/reports/users?{period}")["items"]
    assert me["id"] == worker.id and me["totals"]["totalMinutes"] == 0
    assert "cost" not in me["totals"]


def test_answers_skip_the_serializer_and_equal_its_dump(admin, tracked, monkeypatch):
    """Totals answers are written without a serializer pass over their groups: the same answer,
    key for key and type for type, as their schema's dump gives."""
    from timetracker.api import totals as totals_api

    leave_type = admin.ok("get", "/leaveTypes")["items"][0]["id"]
    admin.ok("patch", f"/leavetime/{tracked['users']['worker']}/2025-03-04/{leave_type}",
             {"leaveTime": 120})  # fmt: skip
    # money (the administrator), dates, estimates, leave and every kind of referenced object
    questions = [
        "/timetrack/totals?dateFrom=2025-02-10&dateTo=2025-04-20&groupBy=user,month"
        "&includeReferenced=users,departments",
        "/timetrack/totals?groupBy=task,day&includeReferenced=tasks,projects,customers,typesOfWork",
        "/timetrack/totals?groupBy=week&dateFrom=2025-03-01&dateTo=2025-03-31",
        "/timetrack/totals?dateFrom=2025-03-01",
        f"/tasks/{tracked['tasks']['design']}/totals?groupBy=user",
        f"/users/{tracked['users']['other']}/totals?groupBy=project,month",
        "/reports/summary?groupBy=customer,user&includeReferenced=customers",
    ]
    fast = [admin.ok("get", q) for q in questions]
    monkeypatch.setattr(totals_api, "answer_response", lambda answer: answer)  # the schema dumps
    dumped = [admin.ok("get", q) for q in questions]
    assert fast == dumped
    assert repr(fast) == repr(dumped)  # ints stay ints and floats floats
    assert any(g["totals"].get("leaveTotalMinutes") for g in fast[0]["groups"])
    assert "cost" in fast[0]["totals"] and fast[0]["groups"][0]["month"] == "2025-02-01"
