"""The Teamwork time API as a translation: its paths, parameters and shapes turned into calls of
the services every face shares (time entries, totals, catalogue, users), and their answers into
Teamwork's values. No rule lives here: what may be seen, changed, locked or billed is decided by
those services, exactly as for ``/api/v1``.

Mapping: a company is a customer, a project a project, a todo item (task) a task; each project
has one task list, whose id and name are the project's. A time entry is an entry of
``/api/v1/timeEntries``. What the caller may not see answers 404, as an unknown id.

Time on a project without a task (Teamwork's project-level time) is time on the project's
general task (``catalogue.general_task``, made on demand by the catalogue): here such an entry
answers ``todo-item-id``, ``todo-item-name``, ``todo-list-id`` and ``todo-list-name`` empty,
as Teamwork answers project-level time, and the general task is no todo item (task lists leave
it out, its paths answer 404). Its time counts in its project's totals.

Tags are this server's tags (``/api/v1/tags``): an entry answers its tags as ``{id, name,
color}``, ``tags`` in a body (names, comma-separated) replaces the entry's, creating the names
that do not exist, and ``tagIds`` lists the entries carrying any of them.

The module is too long for the 400-line rule on purpose: the face is one translation (entries,
totals, and the catalogue clients read around them), read together.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker.access import Caller
from timetracker.errors import ApiError, not_found
from timetracker.schemas.time_entries import instant_text
from timetracker.services import catalogue, timetrack, totals
from timetracker.services.crud import Resource
from timetracker.services.tags import tags
from timetracker.services.time_entries import time_entries
from timetracker.services.users import users
from timetracker.store import tags as tag_store
from timetracker.store import time_entries as entry_store

MS_PER_SECOND = 1000
MINUTES_PER_DAY = 1440
# Teamwork's sorts -> the entry list's (a project's one task list is the project).
SORTS = {
    "date": "date",
    "user": "user",
    "task": "task",
    "tasklist": "project",
    "project": "project",
    "company": "customer",
    "dateupdated": "modified",
}


def _bad(key: str, message: str, field: str) -> ApiError:
    """A body that parses but does not fit: a task missing or in another project, a needed
    field left out."""
    return ApiError(400, key, message, fields=field)


def seen(resource: Resource, conn: Connection, caller: Caller, object_id) -> RowMapping:
    """The object if it exists and the caller may see it; 404 otherwise (never 403: what the
    caller may not see does not exist for them)."""
    try:
        return resource.reachable(conn, caller, object_id)
    except ApiError as exc:
        if exc.status == 403:
            raise not_found(resource.label, object_id) from None
        raise


def todo_item(conn: Connection, caller: Caller, task_id) -> RowMapping:
    """A task the caller may see that is a todo item here: a project's general task is not one
    (its time is the project's own), so it answers 404 as an unknown id."""
    row = seen(catalogue.tasks, conn, caller, task_id)
    if row["general"]:
        raise not_found(catalogue.tasks.label, task_id)
    return row


def _zone_finder(conn: Connection) -> Callable[[int], Any]:
    """A user's time zone by user id, each looked up once."""
    zones: dict[int, Any] = {}

    def zone(user_id: int):
        if user_id not in zones:
            zones[user_id] = timetrack.time_zone_of(conn, users.find(conn, user_id))
        return zones[user_id]

    return zone


def _moment(day: dt.date, time: dt.time, zone) -> int:
    """Epoch milliseconds of a day's time in a time zone."""
    return int(dt.datetime.combine(day, time, zone).timestamp() * MS_PER_SECOND)


# --- periods -------------------------------------------------------------------------------------


def _period(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """``fromdate``/``fromtime``/``todate``/``totime`` (the caller's time zone) as the entry
    list's filters: days alone bound entries by their day; with a time, entries with a start
    are bound by their start, entries without one by their day."""
    filters: dict[str, Any] = {}
    zone = None
    for side in ("from", "to"):
        day = args.get(f"{side}date")
        if day is None:
            continue
        time = args.get(f"{side}time")
        if time is None:
            filters[f"date_{side}"] = day
            continue
        zone = zone or timetrack.time_zone_of(conn, users.find(conn, caller.id))
        filters[f"moment_{side}"] = (_moment(day, time, zone), day)
    first, last = args.get("fromdate"), args.get("todate")
    if first is not None and last is not None and last < first:
        raise ApiError(400, "invalid_date_range", "todate precedes fromdate", "todate")
    return filters


# --- time entries: reading -----------------------------------------------------------------------


def _tags_of(conn: Connection, entry_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """The tags of each entry, as ``{id, name, color}``."""
    carried = tag_store.of_entries(conn, entry_ids)
    rows = tag_store.rows_of(conn, {t for ids in carried.values() for t in ids})
    return {
        entry_id: [{"id": str(t), "name": rows[t]["name"], "color": rows[t]["color"]} for t in ids]
        for entry_id, ids in carried.items()
    }


def _utc(moment: int) -> str:
    """Epoch milliseconds as Teamwork writes a moment, to the second: ``2014-03-30T10:10:00Z``
    (the API's own instant, without its milliseconds)."""
    return instant_text(moment - moment % MS_PER_SECOND)


# An entry's length as its hours and the minutes beyond them, as text, by minutes (an entry
# lasts 0 to a day): made once, not per entry.
_HOURS = tuple(str(minutes // 60) for minutes in range(MINUTES_PER_DAY + 1))
_MINUTES = tuple(str(minutes % 60) for minutes in range(MINUTES_PER_DAY + 1))


def shown(conn: Connection, rows: list, one: bool = False) -> list[dict]:
    """Entries (rows of ``store.time_entries.DESCRIBED_COLUMNS``) in Teamwork's shape, ready
    to answer (the schemas document it): the names around each, its moment in UTC, hours and
    minutes, billable and billed. ``has-start-time`` is ``"1"``/``"0"`` in lists, a boolean
    for ``one`` entry, as documented."""
    tags = _tags_of(conn, [row[0] for row in rows])
    zone = _zone_finder(conn)
    midnights: dict[tuple, str] = {}  # (user, day): an untimed entry's moment
    # What an entry shows of its task (its project, company and list) and of its person, made
    # once per task and per person of the page.
    of_task: dict[int, tuple[str, ...]] = {}
    of_person: dict[int, tuple[str, str, str]] = {}
    untagged: list = []
    answer = []
    for (
        entry_id, user_id, task_id, day, started, minutes, description, billable, project_id,
        customer_id, first_name, last_name, task_name, general, project_name, archived,
        customer_name, invoice_number,
    ) in rows:  # fmt: skip
        if started is not None:
            moment = _utc(started)
        else:
            moment = midnights.get((user_id, day))
            if moment is None:
                moment = _utc(_moment(day, dt.time(), zone(user_id)))
                midnights[user_id, day] = moment
        task = of_task.get(task_id)
        if task is None:
            project = str(project_id)
            if general:  # as Teamwork answers time without a task
                item_id = item_name = list_id = list_name = ""
            else:
                item_id, item_name = str(task_id), task_name
                list_id, list_name = project, project_name
            task = of_task[task_id] = (
                project,
                project_name,
                "archived" if archived else "active",
                str(customer_id),
                customer_name,
                list_id,
                list_name,
                item_id,
                item_name,
            )
        person = of_person.get(user_id)
        if person is None:
            person = of_person[user_id] = (str(user_id), first_name, last_name)
        timed = started is not None
        answer.append(
            {
                "id": str(entry_id),
                "project-id": task[0],
                "project-name": task[1],
                "project-status": task[2],
                "company-id": task[3],
                "company-name": task[4],
                "todo-list-id": task[5],
                "todo-list-name": task[6],
                "todo-item-id": task[7],
                "todo-item-name": task[8],
                "person-id": person[0],
                "person-first-name": person[1],
                "person-last-name": person[2],
                "description": description or "",
                "date": moment,
                "hours": _HOURS[minutes],
                "minutes": _MINUTES[minutes],
                "isbillable": "1" if billable else "0",
                "invoiceNo": invoice_number or "",
                "tags": tags.get(entry_id, untagged),
                "has-start-time": timed if one else ("1" if timed else "0"),
            }
        )
    return answer


def entry_list(
    conn: Connection,
    caller: Caller,
    args: Mapping[str, Any],
    project_id: int | None = None,
    task_id: int | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """A page of the entries the caller may read (of a project, or a task), and its paging:
    ``records`` (every match), ``pages`` and ``page``."""
    filters = _period(conn, caller, args)
    if project_id is not None:
        filters["project_ids"] = [seen(catalogue.projects, conn, caller, project_id)["id"]]
    if task_id is not None:
        filters["task_ids"] = [todo_item(conn, caller, task_id)["id"]]
    if args.get("userId"):
        filters["user_ids"] = [args["userId"]]
    billable = args.get("billableType", "all")
    if billable != "all":
        filters["billable"] = billable == "billable"
    invoiced = args.get("invoicedType", "all")
    if invoiced != "all":
        filters["billed"] = invoiced == "invoiced"
    filters["project_status"] = args.get("projectType") or "all"
    filters["include_deleted"] = bool(args.get("showDeleted"))
    size, page = args["pageSize"], args["page"]
    descending = (args.get("sortorder") or "asc").lower() == "desc"
    filters["sort"] = [(SORTS[args.get("sortby") or "date"], descending)]
    filters["offset"], filters["limit"] = (page - 1) * size, size
    if args.get("tagIds"):
        filters["tag_ids"] = args["tagIds"]
    rows = time_entries.described_page(conn, caller, filters)
    if 0 < len(rows) < size or (not rows and page == 1):
        # The last page (or none at all): the entries before it and its own are every match.
        records = filters["offset"] + len(rows)
    else:
        records = time_entries.count(conn, caller, filters)
    paging = {"records": records, "pages": math.ceil(records / size), "page": page}
    return {"time-entries": shown(conn, rows), "STATUS": "OK"}, paging


def entry(conn: Connection, caller: Caller, entry_id: int) -> dict[str, Any]:
    """One entry the caller may read. A deleted one is 404: Teamwork's entry has no way to say
    it is deleted (lists show deleted entries when asked)."""
    row = seen(time_entries, conn, caller, entry_id)
    if row["deleted"] is not None:
        raise not_found(time_entries.label, entry_id)
    described = entry_store.described(conn, [row["id"]])
    return {"time-entry": shown(conn, described, one=True)[0], "STATUS": "OK"}


# --- time entries: writing -----------------------------------------------------------------------


def _person(conn: Connection, caller: Caller, person_id: int) -> RowMapping:
    if person_id == caller.id:
        return users.find(conn, caller.id)
    return seen(users, conn, caller, person_id)


def _length(given: Mapping[str, Any], old: Mapping[str, Any] | None) -> int | None:
    """The minutes ``hours`` and ``minutes`` say (a missing one: the entry's own part, or 0);
    None when neither is given."""
    if "hours" not in given and "minutes" not in given:
        return None
    kept_hours, kept_minutes = divmod(old["minutes"], 60) if old is not None else (0, 0)
    return given.get("hours", kept_hours) * 60 + given.get("minutes", kept_minutes)


def _timing(
    conn: Connection, user: RowMapping, given: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The entries service's ``date``/``started``/``minutes`` for Teamwork's ``date``,
    ``time``, ``hours`` and ``minutes``, read in the entry's person's time zone. A new day
    without a time keeps a timed entry's time of day."""
    values: dict[str, Any] = {}
    minutes = _length(given, old)
    if minutes is not None:
        if not 1 <= minutes <= MINUTES_PER_DAY:
            raise _bad(
                "invalid_duration",
                f"hours and minutes make {minutes} minutes: an entry lasts 1 to {MINUTES_PER_DAY}",
                "minutes",
            )
        values["minutes"] = minutes
    day, time = given.get("date"), given.get("time")
    if old is not None and time is None and day is not None and old["started"] is not None:
        zone = timetrack.time_zone_of(conn, user)
        time = dt.datetime.fromtimestamp(old["started"] / MS_PER_SECOND, zone).time()
    if time is not None:
        zone = timetrack.time_zone_of(conn, user)
        values["started"] = _moment(day or old["date"], time, zone)
        if old is not None and old["started"] is None and minutes is None:
            values["minutes"] = old["minutes"]  # an untimed entry given a start keeps its length
    elif day is not None:
        values["date"] = day
    return values


def _common(conn: Connection, caller: Caller, given: Mapping[str, Any]) -> dict[str, Any]:
    values = {}
    if "description" in given:
        values["description"] = given["description"]
    if "isbillable" in given:
        values["billable"] = given["isbillable"]
    if "tags" in given:  # "a,b": the entry's tags, unknown names created
        names = [name.strip() for name in (given["tags"] or "").split(",")]
        values["tag_ids"] = tags.ids_of_names(conn, caller, [n for n in names if n])
    return values


def create_entry(
    conn: Connection,
    caller: Caller,
    body: Mapping[str, Any],
    project_id: int | None = None,
    task_id: int | None = None,
) -> int:
    """A new entry on a task (named by the path, or by ``todo-item-id`` when posting to a
    project), or on the project itself (posting to a project without ``todo-item-id``, or with
    ``""`` or ``0``): then on its general task. Its id."""
    given = body["time_entry"]
    if "date" not in given:
        raise _bad("date_required", "A time entry needs a date (YYYYMMDD)", "date")
    if "hours" not in given and "minutes" not in given:
        raise _bad("time_required", "A time entry needs hours or minutes", "minutes")
    if task_id is None:
        project = seen(catalogue.projects, conn, caller, project_id)
        if given.get("project_id", project["id"]) != project["id"]:
            raise _bad(
                "project_not_in_path",
                "project-id names another project than the path",
                "project-id",
            )
        if given.get("todo_item_id") is None:
            task = None  # time on the project: its general task, once the entry is checked
        else:
            task = todo_item(conn, caller, given["todo_item_id"])
            if task["project_id"] != project["id"]:
                raise _bad(
                    "task_not_in_project",
                    f"Task {task['id']} is not in project {project['id']}",
                    "todo-item-id",
                )
    else:
        task = todo_item(conn, caller, task_id)
        if given.get("todo_item_id", task["id"]) != task["id"]:
            raise _bad(
                "task_not_in_path", "todo-item-id names another task than the path", "todo-item-id"
            )
        if given.get("project_id", task["project_id"]) != task["project_id"]:
            raise _bad(
                "task_not_in_project",
                f"Task {task['id']} is not in project {given['project_id']}",
                "project-id",
            )
    user = _person(conn, caller, given.get("person_id", caller.id))
    values = {
        "user_id": user["id"],
        **_timing(conn, user, given, None),
        **_common(conn, caller, given),
    }
    if task is None:
        task = catalogue.general_task(conn, caller, project)
    created = time_entries.create(conn, caller, {**values, "task_id": task["id"]})
    return created["id"]


def _new_task(
    conn: Connection, caller: Caller, row: Mapping[str, Any], given: Mapping[str, Any]
) -> RowMapping | None:
    """The task an update puts the entry on (None: it stays on its own). ``todo-item-id`` names
    a task (``""``/``0``: none, the project's own time); ``project-id`` moves time on a project
    to the other project's own time, and otherwise must be the project of the entry's task."""
    current = catalogue.tasks.find(conn, row["task_id"])
    project = None
    if "project_id" in given:
        project = seen(catalogue.projects, conn, caller, given["project_id"])
    if "todo_item_id" in given and given["todo_item_id"] is not None:
        task = todo_item(conn, caller, given["todo_item_id"])
        if project is not None and task["project_id"] != project["id"]:
            raise _bad(
                "task_not_in_project",
                f"Task {task['id']} is not in project {project['id']}",
                "todo-item-id",
            )
        return task
    if "todo_item_id" in given or current["general"]:  # time on a project, without a task
        if project is None:
            project = catalogue.projects.find(conn, current["project_id"])
        return catalogue.general_task(conn, caller, project)
    if project is not None and current["project_id"] != project["id"]:
        raise _bad(
            "task_required",
            f"The entry is on a task: name a task of project {project['id']} with "
            'todo-item-id to move it there (or "" for time on the project)',
            "todo-item-id",
        )
    return None


def update_entry(conn: Connection, caller: Caller, entry_id: int, body: Mapping[str, Any]) -> None:
    """Change an entry: its time, description, billable flag, person, or task (``todo-item-id``;
    ``project-id`` moves time on a project to another project, and an entry on a task only
    with a ``todo-item-id`` of that project)."""
    given = body["time_entry"]
    row = seen(time_entries, conn, caller, entry_id)
    values: dict[str, Any] = {}
    user = users.find(conn, row["user_id"])
    if "person_id" in given:
        user = _person(conn, caller, given["person_id"])
        values["user_id"] = user["id"]
    values.update(_timing(conn, user, given, row))
    values.update(_common(conn, caller, given))
    task = _new_task(conn, caller, row, given)
    if task is not None and task["id"] != row["task_id"]:
        values["task_id"] = task["id"]
    time_entries.update(conn, caller, row["id"], values)


def delete_entry(conn: Connection, caller: Caller, entry_id: int) -> None:
    seen(time_entries, conn, caller, entry_id)
    time_entries.delete(conn, caller, entry_id, {})


# --- totals --------------------------------------------------------------------------------------


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def _sums(body: Mapping[str, Any]) -> dict[str, str]:
    sums = {}
    for part, key in (
        ("total", "totalMinutes"),
        ("billable", "billableMinutes"),
        ("non-billable", "nonBillableMinutes"),
        ("billed", "billedMinutes"),
        ("non-billed", "nonBilledMinutes"),
    ):
        sums[f"{part}-mins-sum"] = str(body[key])
        sums[f"{part}-hours-sum"] = _hours(body[key])
    return sums


def _estimates(body: Mapping[str, Any]) -> dict[str, str]:
    estimates = {}
    for part, key in (
        ("total", "estimatedMinutes"),
        ("active", "activeEstimatedMinutes"),
        ("completed", "completedEstimatedMinutes"),
    ):
        minutes = body.get(key, 0)
        estimates[f"{part}-mins-estimated"] = str(minutes)
        estimates[f"{part}-hours-estimated"] = _hours(minutes)
    return estimates


def _totalled(object_id: int, name: str, body: Mapping[str, Any], **more) -> dict[str, Any]:
    """A project, task list or task (``more``: its other keys, after the name) with its time
    estimates and totals (``body``: the totals service's numbers)."""
    return {
        "id": object_id,
        "name": name,
        **more,
        "time_estimates": _estimates(body),
        "time_totals": _sums(body),
    }


def _totals_filters(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """The totals service's filters for Teamwork's: the period (``fromTime``/``toTime`` bound
    it at moments of the caller's time zone, as the entry lists do), a user, project status."""
    filters: dict[str, Any] = {"archived": args.get("projectType") or "all"}
    period = _period(conn, caller, args)
    for side, name in (("from", "dateFrom"), ("to", "dateTo")):
        if f"date_{side}" in period:
            filters[name] = period[f"date_{side}"]
        if f"moment_{side}" in period:
            filters[f"moment_{side}"] = period[f"moment_{side}"]
            filters[name] = period[f"moment_{side}"][1]
    if args.get("userId"):
        filters["user_ids"] = [args["userId"]]
    return filters


def _counted(conn: Connection, caller: Caller, args: Mapping[str, Any], **narrowed) -> dict:
    filters = _totals_filters(conn, caller, args)
    return totals.totals(conn, caller, {**filters, **narrowed})["totals"]


def account_totals(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """``/time/total.json``: every entry the caller may read."""
    return {"STATUS": "OK", "time_totals": _sums(_counted(conn, caller, args))}


def _company(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["customer_id"], "name": row["customer_name"]}


def project_totals(conn: Connection, caller: Caller, project_id: int, args) -> dict[str, Any]:
    project = seen(catalogue.projects, conn, caller, project_id)
    body = _counted(conn, caller, args, project_ids=[project["id"]])
    item = _totalled(project["id"], project["name"], body, company=_company(project))
    return {"STATUS": "OK", "projects": [item]}


def task_list_totals(conn: Connection, caller: Caller, list_id: int, args) -> dict[str, Any]:
    """A task list is its project: the project's totals, in a task list's place."""
    project = seen(catalogue.projects, conn, caller, list_id)
    body = _counted(conn, caller, args, project_ids=[project["id"]])
    task_list = _totalled(project["id"], project["name"], body)
    item = {
        "id": project["id"],
        "name": project["name"],
        "company": _company(project),
        "tasklist": task_list,
    }
    return {"STATUS": "OK", "projects": [item]}


def task_totals(conn: Connection, caller: Caller, task_id: int, args) -> dict[str, Any]:
    task = todo_item(conn, caller, task_id)
    body = _counted(conn, caller, args, task_ids=[task["id"]])
    task_body = _totalled(task["id"], task["name"], body)
    item = {
        "id": task["project_id"],
        "name": task["project_name"],
        "company": _company(task),
        "tasklist": {"id": task["project_id"], "name": task["project_name"], "task": task_body},
    }
    return {"STATUS": "OK", "projects": [item]}


def per_project_totals(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict:
    """``/projects/time/total.json``: a page of the projects the caller sees, each with its
    totals over the period."""
    size = args["pageSize"]
    listed: dict[str, Any] = {"offset": (args["page"] - 1) * size, "limit": size}
    status = args.get("projectType") or "all"
    if status != "all":
        listed["archived"] = status == "archived"
    filters = {k: v for k, v in _totals_filters(conn, caller, args).items() if k != "archived"}
    page = totals.project_list(conn, caller, {**filters, **listed})
    projects = []
    for item in page["items"]:
        body = item["totals"]
        projects.append(
            {
                "id": item["id"],
                "name": item["name"],
                "company": _company(item),
                "totalMins": str(body["totalMinutes"]),
                "totalBillableMins": str(body["billableMinutes"]),
                "totalNonBillableMins": str(body["nonBillableMinutes"]),
            }
        )
    return {"STATUS": "OK", "projects": projects}


# --- what clients read around the time -----------------------------------------------------------


def _page(args: Mapping[str, Any]) -> dict[str, Any]:
    size = args["pageSize"]
    return {"offset": (args["page"] - 1) * size, "limit": size}


def _person_shown(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "user_name": row["username"],
        "email_address": row.get("email") or "",
    }


def me(conn: Connection, caller: Caller) -> dict[str, Any]:
    """The caller, as ``person``."""
    return {"person": _person_shown(users.find(conn, caller.id)), "STATUS": "OK"}


def account(conn: Connection, caller: Caller, url: str) -> dict[str, Any]:
    """``/authenticate.json``: the account (this server, at ``url``) and who is calling."""
    row = users.find(conn, caller.id)
    body = {
        "id": 1,
        "URL": url,
        "userId": row["id"],
        "firstname": row["first_name"],
        "lastname": row["last_name"],
    }
    return {"account": body, "STATUS": "OK"}


def people(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """The users the caller may see, by id."""
    rows = users.list(conn, caller, _page(args))["items"]
    return {"people": [_person_shown(row) for row in rows], "STATUS": "OK"}


def companies(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """The customers the caller may see, by id."""
    rows = catalogue.customers.list(conn, caller, _page(args))["items"]
    return {"companies": rows, "STATUS": "OK"}


def _project_shown(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"] or "",
        "status": "archived" if row["archived"] else "active",
        "company": _company(row),
    }


def projects(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    rows = catalogue.projects.list(conn, caller, _page(args))["items"]
    return {"projects": [_project_shown(row) for row in rows], "STATUS": "OK"}


def project(conn: Connection, caller: Caller, project_id: int) -> dict[str, Any]:
    row = seen(catalogue.projects, conn, caller, project_id)
    return {"project": _project_shown(row), "STATUS": "OK"}


def _task_list_shown(row: Mapping[str, Any]) -> dict[str, Any]:
    """A project's one task list: the project's id and name."""
    return {
        "id": row["id"],
        "name": row["name"],
        "project_id": row["id"],
        "project_name": row["name"],
    }


def task_lists(conn: Connection, caller: Caller, project_id: int) -> dict[str, Any]:
    row = seen(catalogue.projects, conn, caller, project_id)
    return {"tasklists": [_task_list_shown(row)], "STATUS": "OK"}


def task_list(conn: Connection, caller: Caller, list_id: int) -> dict[str, Any]:
    row = seen(catalogue.projects, conn, caller, list_id)
    return {"todo_list": _task_list_shown(row), "STATUS": "OK"}


def _task_shown(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "content": row["name"],
        "description": row["description"] or "",
        "project_id": row["project_id"],
        "project_name": row["project_name"],
        "todo_list_id": row["project_id"],
        "todo_list_name": row["project_name"],
        "company_id": row["customer_id"],
        "company_name": row["customer_name"],
        "completed": row["status"] == "completed",
        "estimated_minutes": row["estimated_time"] or 0,
    }


def tasks(
    conn: Connection, caller: Caller, args: Mapping[str, Any], project_id: int | None = None
) -> dict[str, Any]:
    """The tasks the caller may see (of a project, or of its one task list), but the projects'
    general tasks."""
    filters = {**_page(args), "general": False}
    if project_id is not None:
        filters["project_ids"] = [seen(catalogue.projects, conn, caller, project_id)["id"]]
    rows = catalogue.tasks.list(conn, caller, filters)["items"]
    return {"todo_items": [_task_shown(row) for row in rows], "STATUS": "OK"}


def task(conn: Connection, caller: Caller, task_id: int) -> dict[str, Any]:
    row = todo_item(conn, caller, task_id)
    return {"todo_item": _task_shown(row), "STATUS": "OK"}
