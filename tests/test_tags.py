"""Tags: the /tags resource, the tags time entries carry, and totals by tag."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event, inspect, text

from timetracker.access import (
    ENTER_TIME_TRACK,
    MANAGE_ACCOUNTS,
    MANAGE_COST_BILLING,
    MANAGE_SCOPE_OF_WORK,
    MANAGE_SYSTEM_SETTINGS,
    MODIFY_APPROVE_TIME_TRACK,
)
from timetracker.store.migrate import downgrade, upgrade

DAY = "2025-03-04"


def links(app) -> list[tuple[int, int]]:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        rows = conn.execute(
            text("SELECT time_entry_id, tag_id FROM time_entry_tags ORDER BY 1, 2")
        ).all()
    return [tuple(r) for r in rows]


def error_of(response, status: int, key: str) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["key"] == f"api.error.{key}"
    return body


# --- /tags ------------------------------------------------------------------------------------


def test_tags_are_created_listed_changed_and_deleted(admin):
    grey = admin.ok("post", "/tags", {"name": " Urgent "})
    assert (grey["name"], grey["color"]) == ("Urgent", "#9e9e9e")
    assert grey["created"] > 0 and grey["modified"] >= grey["created"]
    assert grey["allowedActions"] == {"canModify": True, "canDelete": True}
    blue = admin.ok("post", "/tags", {"name": "Client call", "color": "#3F51B5"})
    assert blue["color"] == "#3f51b5"
    assert admin.ok("get", f"/tags/{blue['id']}") == blue

    assert [t["id"] for t in admin.ok("get", "/tags")["items"]] == [grey["id"], blue["id"]]
    names = [t["name"] for t in admin.ok("get", "/tags?sort=name")["items"]]
    assert names == ["Client call", "Urgent"]
    assert [t["id"] for t in admin.ok("get", "/tags?name=URGENT")["items"]] == [grey["id"]]
    assert [t["id"] for t in admin.ok("get", "/tags?words=call")["items"]] == [blue["id"]]
    assert [t["id"] for t in admin.ok("get", f"/tags?ids={grey['id']}")["items"]] == [grey["id"]]
    assert [t["id"] for t in admin.ok("get", "/tags?sort=-name&limit=1")["items"]] == [grey["id"]]

    changed = admin.ok("patch", f"/tags/{grey['id']}", {"color": "#FF0000"})
    assert (changed["name"], changed["color"]) == ("Urgent", "#ff0000")
    assert changed["modified"] > grey["modified"]
    since = admin.ok("get", f"/tags?modifiedAfter={blue['modified']}")["items"]
    assert [t["id"] for t in since] == [grey["id"]]
    renamed = admin.ok("patch", f"/tags/{grey['id']}", {"name": "urgent"})  # its own name
    assert renamed["name"] == "urgent"

    admin.ok("delete", f"/tags/{grey['id']}", status=204)
    assert admin.get(f"/tags/{grey['id']}").status_code == 404
    assert [t["id"] for t in admin.ok("get", "/tags")["items"]] == [blue["id"]]


@pytest.mark.parametrize(
    ("body", "key", "field"),
    [
        ({"name": "client CALL"}, "tag_exists", None),
        ({"name": "x", "color": "red"}, "invalid_argument", "color"),
        ({"name": "x", "color": "#12345"}, "invalid_argument", "color"),
        ({"name": "x", "color": "#1234567"}, "invalid_argument", "color"),
        ({"name": "x", "color": "#12345g"}, "invalid_argument", "color"),
        ({"name": "x", "color": "#123456\n"}, "invalid_argument", "color"),
        ({"name": "x", "color": None}, "invalid_argument", "color"),
        ({"name": "   "}, "invalid_argument", "name"),
    ],
)
def test_bad_tags_are_refused(admin, body, key, field):
    taken = admin.ok("post", "/tags", {"name": "Client call"})
    error = error_of(admin.post("/tags", json=body), 400, key)
    if field:
        assert field in str(error.get("fields"))
    assert [t["id"] for t in admin.ok("get", "/tags")["items"]] == [taken["id"]]
    other = admin.ok("post", "/tags", {"name": "Other"})
    error_of(admin.patch(f"/tags/{other['id']}", json=body), 400, key)
    assert admin.ok("get", f"/tags/{other['id']}") == other


# (permissions, may create, may change and delete)
ROLES = [
    ((), False, False),
    ((ENTER_TIME_TRACK,), True, False),
    ((MODIFY_APPROVE_TIME_TRACK,), True, False),
    ((MANAGE_SCOPE_OF_WORK,), False, False),
    ((MANAGE_COST_BILLING,), False, False),
    ((MANAGE_SYSTEM_SETTINGS,), True, True),
    ((MANAGE_ACCOUNTS,), True, True),
]


@pytest.mark.parametrize(("permissions", "creates", "manages"), ROLES)
def test_who_may_create_change_and_delete_tags(admin, make_user, permissions, creates, manages):
    user = make_user(*permissions)
    tag = admin.ok("post", "/tags", {"name": "Shared"})
    # Everyone reads them.
    shown = user.ok("get", f"/tags/{tag['id']}")
    assert shown["allowedActions"] == {"canModify": manages, "canDelete": manages}
    assert [t["id"] for t in user.ok("get", "/tags")["items"]] == [tag["id"]]

    response = user.post("/tags", json={"name": "Mine"})
    if creates:
        assert response.status_code == 200, response.get_json()
    else:
        error_of(response, 403, "access_denied")

    response = user.patch(f"/tags/{tag['id']}", json={"color": "#000000"})
    if manages:
        assert response.get_json()["color"] == "#000000"
    else:
        error_of(response, 403, "access_denied")
        assert admin.ok("get", f"/tags/{tag['id']}")["color"] == "#9e9e9e"
    response = user.delete(f"/tags/{tag['id']}")
    if manages:
        assert response.status_code == 204
    else:
        error_of(response, 403, "access_denied")
        assert admin.get(f"/tags/{tag['id']}").status_code == 200


def test_a_tag_needs_a_name(admin):
    error = error_of(admin.post("/tags", json={"color": "#123456"}), 400, "invalid_argument")
    assert "name" in str(error["fields"])


def test_tag_changes_are_events_everyone_sees(admin, make_user):
    tag = admin.ok("post", "/tags", {"name": "Review"})
    admin.ok("patch", f"/tags/{tag['id']}", {"color": "#00ff00"})
    admin.ok("delete", f"/tags/{tag['id']}", status=204)
    reader = make_user(ENTER_TIME_TRACK)
    seen = [e for e in reader.ok("get", "/changes")["items"] if e["kind"] == "tag"]
    assert [e["name"] for e in seen] == ["tag.create", "tag.update", "tag.delete"]
    assert seen[0]["data"] == {k: v for k, v in tag.items() if k != "allowedActions"}
    logged = admin.ok("get", "/auditLog?kinds=tag")["items"]
    assert [e["name"] for e in logged] == ["tag.delete", "tag.update", "tag.create"]
    assert logged[1]["changes"] == {"color": ["#9e9e9e", "#00ff00"]}


# --- tags on time entries ---------------------------------------------------------------------


@pytest.fixture
def tag_ids(admin):
    return {name: admin.ok("post", "/tags", {"name": name})["id"] for name in ("b", "a", "c")}


def test_entries_carry_tags_set_on_create_and_patch(app, admin, worker, catalogue, tag_ids):
    design = catalogue["tasks"]["design"]["id"]
    a, b, c = tag_ids["a"], tag_ids["b"], tag_ids["c"]
    entry = worker.ok(
        "post",
        "/timeEntries",
        {"taskId": design, "date": DAY, "minutes": 30, "tagIds": [c, a, c]},
    )
    assert entry["tagIds"] == sorted([a, c])
    assert worker.ok("get", f"/timeEntries/{entry['id']}")["tagIds"] == sorted([a, c])
    plain = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 5})
    assert plain["tagIds"] == []

    changed = worker.ok("patch", f"/timeEntries/{entry['id']}", {"tagIds": [b]})
    assert changed["tagIds"] == [b]
    assert changed["modified"] > entry["modified"]
    kept = worker.ok("patch", f"/timeEntries/{entry['id']}", {"description": "notes"})
    assert kept["tagIds"] == [b]  # left alone when not given
    cleared = worker.ok("patch", f"/timeEntries/{entry['id']}", {"tagIds": []})
    assert cleared["tagIds"] == []
    assert links(app) == []
    # The record's minutes never moved.
    assert worker.ok("get", f"/timetrack/worker/{DAY}/{design}")["time"] == 35

    logged = admin.ok("get", "/auditLog")["items"]
    events = [e for e in logged if e["kind"] == "timeEntry" and e["objectId"] == str(entry["id"])]
    events.reverse()  # oldest first
    assert events[0]["data"]["tagIds"] == sorted([a, c])
    assert events[1]["changes"]["tagIds"] == [sorted([a, c]), [b]]


def test_unknown_tags_are_refused_naming_tag_ids(app, worker, catalogue, tag_ids):
    design = catalogue["tasks"]["design"]["id"]
    body = {"taskId": design, "date": DAY, "minutes": 30, "tagIds": [tag_ids["a"], 99999]}
    error = error_of(worker.post("/timeEntries", json=body), 404, "object_not_found")
    assert "tagIds" in str(error.get("fields")) and "99999" in error["message"]
    assert worker.ok("get", "/timeEntries")["items"] == []
    entry = worker.ok("post", "/timeEntries", {**body, "tagIds": [tag_ids["a"]]})
    response = worker.patch(f"/timeEntries/{entry['id']}", json={"tagIds": [99999], "minutes": 9})
    error_of(response, 404, "object_not_found")
    after = worker.ok("get", f"/timeEntries/{entry['id']}")
    assert (after["tagIds"], after["minutes"]) == ([tag_ids["a"]], 30)
    for bad in ("x", [2**31], ["1"], [1.5], None):
        response = worker.patch(f"/timeEntries/{entry['id']}", json={"tagIds": bad})
        assert response.status_code == 400, (bad, response.get_json())
    assert links(app) == [(entry["id"], tag_ids["a"])]


def test_a_tag_change_follows_the_entrys_rules(admin, worker, catalogue, tag_ids):
    design = catalogue["tasks"]["design"]["id"]
    entry = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30})
    path = f"/timeEntries/{entry['id']}"
    admin.ok("post", "/timetrack/lock", {"dateFrom": DAY, "dateTo": DAY})
    error_of(worker.patch(path, json={"tagIds": [tag_ids["a"]]}), 403, "timetrack_locked")
    admin.ok("post", "/timetrack/unlock", {"dateFrom": DAY, "dateTo": DAY})
    invoice = admin.ok("post", "/invoices", {"number": "I-1", "dateFrom": DAY, "dateTo": DAY})
    error_of(worker.patch(path, json={"tagIds": [tag_ids["a"]]}), 403, "timetrack_billed")
    admin.ok("delete", f"/invoices/{invoice['id']}", status=204)
    other = admin.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 5})
    error_of(worker.patch(f"/timeEntries/{other['id']}", json={"tagIds": []}), 403, "access_denied")
    assert worker.ok("get", path)["tagIds"] == []
    assert worker.ok("patch", path, {"tagIds": [tag_ids["a"]]})["tagIds"] == [tag_ids["a"]]


def test_deleting_a_tag_detaches_it_and_changes_nothing_else(
    app, admin, worker, catalogue, tag_ids
):
    design = catalogue["tasks"]["design"]["id"]
    a, b = tag_ids["a"], tag_ids["b"]
    entry = worker.ok(
        "post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30, "tagIds": [a, b]}
    )
    cursor = admin.ok("get", "/changes")["cursor"]
    admin.ok("delete", f"/tags/{a}", status=204)
    after = worker.ok("get", f"/timeEntries/{entry['id']}")
    assert after["tagIds"] == [b]
    assert after["modified"] == entry["modified"]
    assert links(app) == [(entry["id"], b)]
    later = admin.ok("get", f"/changes?since={cursor}")["items"]
    assert [e["name"] for e in later] == ["tag.delete"]


def test_lists_filter_by_tags_and_read_all_tags_in_one_query(
    app, admin, worker, catalogue, tag_ids
):
    design, build = (catalogue["tasks"][n]["id"] for n in ("design", "build"))
    a, b, c = tag_ids["a"], tag_ids["b"], tag_ids["c"]
    made = [
        worker.ok("post", "/timeEntries",
                  {"taskId": task, "date": DAY, "minutes": 10 * (n + 1), "tagIds": tags})
        for n, (task, tags) in enumerate(
            [(design, [a]), (build, [a, b]), (design, []), (build, [c])]
        )
    ]  # fmt: skip
    ids = [e["id"] for e in made]

    def listed(query: str) -> list[int]:
        return [e["id"] for e in worker.ok("get", f"/timeEntries?{query}")["items"]]

    assert listed(f"tagIds={a}") == ids[:2]
    assert listed(f"tagIds={b},{c}") == [ids[1], ids[3]]
    assert listed(f"tagIds={a}&taskIds={build}") == [ids[1]]
    assert listed("tagIds=99999") == []
    assert worker.get("/timeEntries?tagIds=x").status_code == 400
    response = worker.get(f"/timeEntries?tagIds={a}&withTotal=true")
    assert response.headers["X-Total-Count"] == "2"

    engine = app.extensions["timetracker"]["engine"]
    reads = []

    def count(conn, cursor, statement, *_):
        if "time_entry_tags" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        items = worker.ok("get", "/timeEntries")["items"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [e["tagIds"] for e in items] == [[a], sorted([a, b]), [], [c]]
    assert len(reads) == 1


# --- totals by tag ----------------------------------------------------------------------------


def entry_sums(client, query: str) -> dict[str, int]:
    items = client.ok("get", f"/timeEntries?{query}")["items"]
    return {
        "totalMinutes": sum(e["minutes"] for e in items),
        "billedMinutes": sum(e["minutes"] for e in items if e["invoiceId"] is not None),
    }


def totals_of(client, query: str) -> dict:
    return client.ok("get", f"/timetrack/totals?{query}")


def picked(body: dict) -> dict[str, int]:
    return {k: body[k] for k in ("totalMinutes", "billedMinutes")}


@pytest.fixture
def tagged(admin, make_user, worker, catalogue, tag_ids):
    """Entries of the worker and of a colleague on two days, some tagged twice, some not; the
    first day billed."""
    design, build = (catalogue["tasks"][n]["id"] for n in ("design", "build"))
    a, b = tag_ids["a"], tag_ids["b"]
    colleague = make_user(ENTER_TIME_TRACK, assign_all=True)
    for client, task, day, minutes, tags in (
        (worker, design, DAY, 30, [a]),
        (worker, build, DAY, 45, [a, b]),
        (worker, design, "2025-03-05", 20, []),
        (worker, build, "2025-03-05", 15, [b]),
        (colleague, design, "2025-03-05", 60, [a]),
        (colleague, design, "2025-03-06", 25, []),
    ):
        body = {"taskId": task, "date": day, "minutes": minutes, "tagIds": tags}
        client.ok("post", "/timeEntries", body)
    admin.ok("post", "/invoices", {"number": "I-1", "dateFrom": DAY, "dateTo": DAY})
    return colleague


def test_tag_totals_are_the_sums_of_the_listed_entries(admin, worker, tagged, tag_ids):
    a, b = tag_ids["a"], tag_ids["b"]
    for client in (admin, worker, tagged):
        for query in (f"tagIds={a}", f"tagIds={b}", f"tagIds={a},{b}"):
            answer = totals_of(client, query)
            assert picked(answer["totals"]) == entry_sums(client, query), (client.username, query)
        ranged = "dateFrom=2025-03-05&dateTo=2025-03-31"
        assert picked(totals_of(client, f"tagIds={a}&{ranged}")["totals"]) == entry_sums(
            client, f"tagIds={a}&{ranged}"
        )

    answer = totals_of(admin, f"tagIds={a}&groupBy=user")
    by_user = {g["userId"]: g["totals"]["totalMinutes"] for g in answer["groups"]}
    assert by_user == {worker.id: 75, tagged.id: 60}
    assert "leaveMinutes" not in answer["totals"]  # leave has no tags


def test_grouping_by_tag_counts_an_entry_in_each_of_its_tags(admin, worker, tagged, tag_ids):
    a, b = tag_ids["a"], tag_ids["b"]
    answer = totals_of(admin, "groupBy=tag&includeReferenced=tags")
    groups = {g["tagId"]: g["totals"]["totalMinutes"] for g in answer["groups"]}
    assert groups == {None: 45, a: 135, b: 60}
    assert [g["tagId"] for g in answer["groups"]] == [None, *sorted([a, b])]  # untagged first
    assert answer["totals"]["totalMinutes"] == 195  # each entry once
    assert totals_of(admin, "")["totals"] == answer["totals"]
    assert answer["tags"][str(a)]["name"] == "a"
    for tag in (a, b):
        assert groups[tag] == entry_sums(admin, f"tagIds={tag}")["totalMinutes"]
    billed = {g["tagId"]: g["totals"]["billedMinutes"] for g in answer["groups"]}
    assert billed == {None: 0, a: 75, b: 45}

    # With tagIds: only those tags' groups.
    answer = totals_of(admin, f"groupBy=tag&tagIds={b}")
    assert [(g["tagId"], g["totals"]["totalMinutes"]) for g in answer["groups"]] == [(b, 60)]
    assert answer["totals"]["totalMinutes"] == 60

    # The worker counts only their own entries.
    mine = totals_of(worker, "groupBy=tag")
    assert {g["tagId"]: g["totals"]["totalMinutes"] for g in mine["groups"]} == {
        None: 20,
        a: 75,
        b: 60,
    }
    by_day = totals_of(admin, "groupBy=tag,day")
    cells = {(g["tagId"], g["date"]): g["totals"]["totalMinutes"] for g in by_day["groups"]}
    assert cells[(a, "2025-03-05")] == 60 and cells[(None, "2025-03-06")] == 25


def without_leave(totals: dict) -> dict:
    return {k: v for k, v in totals.items() if not k.startswith("leave")}


def test_a_tag_on_every_entry_totals_exactly_as_the_kept_totals(
    admin, worker, tagged, tag_ids, catalogue
):
    """Every field (billable, billed, cost, revenue) summed from the entries agrees with the
    totals kept per month when the tag selects every entry."""
    admin.ok("put", f"/userRates/{worker.id}", [
        {"dateFrom": "2025-01-01", "regularRate": 30, "overtimeRate": 45},
        {"dateFrom": "2025-03-05", "regularRate": 42.5, "overtimeRate": 60},
    ])  # fmt: skip
    for type_of_work in admin.ok("get", "/typesOfWork")["items"]:
        admin.ok("patch", f"/typesOfWork/{type_of_work['id']}", {"rate": 80})
    everything = admin.ok("post", "/tags", {"name": "everything"})["id"]
    for entry in admin.ok("get", "/timeEntries")["items"]:
        if entry["invoiceId"] is None:
            tags = sorted({*entry["tagIds"], everything})
            admin.ok("patch", f"/timeEntries/{entry['id']}", {"tagIds": tags})
    billed = [e for e in admin.ok("get", "/timeEntries")["items"] if e["invoiceId"] is not None]
    assert billed  # their tags cannot change: the tag selects every other entry
    others = f"tagIds={everything},{tag_ids['a']},{tag_ids['b']}"
    for grouping in ("", "&groupBy=user", "&groupBy=project,month"):
        plain = totals_of(admin, f"dateFrom=2025-01-01&dateTo=2025-12-31{grouping}")
        tagged_answer = totals_of(
            admin, f"dateFrom=2025-01-01&dateTo=2025-12-31&{others}{grouping}"
        )
        assert plain["totals"]["cost"] > 0 and plain["totals"]["revenue"] > 0
        # Leave has no tags: it is reported without a tag filter only.
        assert tagged_answer["totals"] == without_leave(plain["totals"])
        assert [{**g, "totals": without_leave(g["totals"])} for g in plain["groups"]] == (
            tagged_answer["groups"]
        )


def test_the_summary_report_groups_by_tag(admin, tagged, tag_ids):
    response = admin.get("/reports/summary?groupBy=tag&format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    named = {row["tagName"]: int(row["totalMinutes"]) for row in rows}
    assert named == {"": 45, "a": 135, "b": 60}


def test_the_lists_with_totals_filter_by_tags(admin, worker, tagged, tag_ids, catalogue):
    b = tag_ids["b"]
    web = catalogue["projects"]["web"]["id"]
    projects = admin.ok("get", f"/projects/totals?tagIds={b}&ids={web}")["items"]
    assert [p["totals"]["totalMinutes"] for p in projects] == [60]
    users = admin.ok("get", f"/reports/users?tagIds={b}&ids={worker.id},{tagged.id}")["items"]
    assert {u["id"]: u["totals"]["totalMinutes"] for u in users} == {worker.id: 60, tagged.id: 0}


# --- the migration ----------------------------------------------------------------------------


def test_the_migration_goes_back_without_tags(app, worker, catalogue, tag_ids):
    design = catalogue["tasks"]["design"]["id"]
    body = {"taskId": design, "date": DAY, "minutes": 30, "tagIds": [tag_ids["a"]]}
    worker.ok("post", "/timeEntries", body)
    engine = app.extensions["timetracker"]["engine"]
    downgrade(engine, "0014")
    assert not {"tags", "time_entry_tags"} & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert worker.ok("get", "/timeEntries")["items"][0]["tagIds"] == []
    assert worker.ok("post", "/tags", {"name": "again"})["modified"] > 0
