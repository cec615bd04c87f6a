"""Importing history from other time trackers (``POST /imports/{format}``, ``timetracker import
FORMAT FILE``): the CSV exports of Toggl Track, Clockify, Harvest, Kimai and TimeTagger, and this
server's own entries CSV (``services.import_formats`` reads each into the same lines).

Two passes, as the other imports: every line is read and judged first, and any problem refuses
the whole file (400 ``api.error.invalid_csv``, every problem with its line number); otherwise
one transaction creates what the file needs and then its entries:

- users, matched by email, then username, then full name (case-insensitively); one that is not
  found is a line's problem, or, with ``create_users``, a new user (Manage Accounts &
  Permissions; no password until one is set);
- customers, projects and tasks, matched by name and created when missing (as ``import tasks``
  creates them: Manage Scope of Work over what they are created in);
- tags by name, created as ``POST /tags`` would;
- with ``assign`` (the default), each task the user is not assigned to yet, where the caller
  may assign it;
- the time entries, judged and written as ``POST /timeEntries`` with an array judges them
  (``time_entries_many.create_many``: rights, assignments, employment, locks, approved weeks,
  1440 minutes a day, overlaps when refused).

Wall-clock times (Toggl Track, Clockify, Kimai) are read in the time zone of the user's time
zone group, which also decides the entry's day. Each entry remembers its source line
(``store.imports.add_imported_keys``): a line imported before is left alone, so importing the
same file again creates nothing twice. A dry run does all of it and undoes it, answering what
would have been created. Running records (TimeTagger's without a stop) and Harvest's lines of
0 hours are skipped and counted.

The module is too long for the house's 400 lines on purpose: how an import finds its users, its
catalogue and then writes are one story, read best in one place.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError
from timetracker.schemas.base import Rows
from timetracker.services import catalogue, import_formats
from timetracker.services.csv_import import collector_paused, decode, refuse_lines
from timetracker.services.import_formats import FORMATS, Line, person_key
from timetracker.services.tags import tags as tag_service
from timetracker.services.task_import import _Rights
from timetracker.services.time_entries_many import create_many
from timetracker.services.users import users as user_service
from timetracker.store import imports as store
from timetracker.store import settings
from timetracker.store import tags as tag_store
from timetracker.store.db import Savepoint, large_cache
from timetracker.store.users import DEFAULT_ID
from timetracker.store.util import name_key

Progress = Callable[[int], None]


class Options:
    """What an import is asked to do besides reading the file."""

    def __init__(
        self,
        dry_run: bool = False,
        create_users: bool = False,
        assign: bool = True,
        user: str | None = None,
        max_rows: int = 100_000,
    ):
        self.dry_run, self.create_users, self.assign = dry_run, create_users, assign
        self.user, self.max_rows = user, max_rows


def unknown_format(name: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        f"No import format '{name[:50]}'; the formats are {', '.join(FORMATS)}",
        fields="format",
    )


# --- users -------------------------------------------------------------------------------------


class _People:
    """The company's users by what an export names them by, and the users the file creates."""

    def __init__(self, conn: Connection, caller: Caller, options: Options):
        self.conn, self.caller, self.options = conn, caller, options
        self.by_email: dict[str, list] = {}
        self.by_username: dict[str, Any] = {}
        self.by_name: dict[str, list] = {}
        for row in store.users_by_identity(conn):
            if row["email"]:
                self.by_email.setdefault(person_key(row["email"]), []).append(row)
            self.by_username[row["username_key"]] = row
            self.by_name.setdefault(row["name_key"], []).append(row)
        self.new: dict[str, dict[str, Any]] = {}  # identity -> the user to create
        self.fixed = None  # the user of every line of an export without users
        self.may_create = access.can_manage_accounts(caller)
        self.answers: dict[tuple, tuple[Any, list[str]]] = {}

    def find(self, line: Line, wrong: list[str]) -> Any:
        """The user row the line names, the new user's identity (a str), or None; answered
        once for the lines naming a user alike."""
        asked = (line.email, line.username, line.name, line.first_name, line.last_name)
        answer = self.answers.get(asked)
        if answer is None:
            problems: list[str] = []
            answer = self.answers[asked] = (self._find(line, problems), problems)
        wrong.extend(answer[1])
        return answer[0]

    def _find(self, line: Line, wrong: list[str]) -> Any:
        if not line.names_user:
            return self._fixed(wrong)
        if line.email:
            found = self.by_email.get(person_key(line.email))
            if found:
                return self._one(found, f"email '{line.email}'", wrong)
            found = self.by_username.get(person_key(line.email))
            if found is not None:
                return found
        if line.username:
            # As written first (a username may hold two spaces in a row), then spaces collapsed.
            found = self.by_username.get(name_key(line.username)) or self.by_username.get(
                person_key(line.username)
            )
            if found is not None:
                return found
        if line.name:
            found = self.by_username.get(person_key(line.name))
            if found is not None:
                return found
            found = self.by_name.get(person_key(line.name))
            if found:
                return self._one(found, f"name '{line.name}'", wrong)
        return self._new(line, wrong)

    def _one(self, rows: list, what: str, wrong: list[str]):
        if len(rows) > 1:
            names = ", ".join(r["username"] for r in rows[:5])
            wrong.append(f"user: {len(rows)} users have the {what} ({names})")
            return None
        return rows[0]

    def _fixed(self, wrong: list[str]):
        """The user of an export that names none (TimeTagger): the ``user`` option, else the
        caller."""
        if self.fixed is None:
            wanted = self.options.user
            if wanted:
                self.fixed = (
                    self.by_username.get(person_key(wanted))
                    or (self.by_email.get(person_key(wanted)) or [None])[0]
                )
                if self.fixed is None:
                    self.fixed = f"no user '{wanted}'"
            elif self.caller.id and person_key(self.caller.username) in self.by_username:
                self.fixed = self.by_username[person_key(self.caller.username)]
            else:
                self.fixed = "the file names no user: give the user option"
        if isinstance(self.fixed, str):
            wrong.append(f"user: {self.fixed}")
            return None
        return self.fixed

    def _new(self, line: Line, wrong: list[str]) -> str | None:
        shown = line.email or line.username or line.name or ""
        if not self.options.create_users:
            wrong.append(f"user: no user '{shown}' (the createUsers option creates users)")
            return None
        if not self.may_create:
            wrong.append(
                f"user: no user '{shown}', and creating users needs Manage Accounts & Permissions"
            )
            return None
        identity = person_key(line.username or line.email or line.name or "")
        if identity not in self.new:
            username = (line.username or line.email or line.name or "").strip()
            if len(username) > 255:
                wrong.append("user: a name longer than 255 characters")
                return None
            first, last = _split_name(line)
            self.new[identity] = {
                "username": username,
                "first_name": first,
                "last_name": last,
                "email": line.email.strip() if line.email else None,
            }
        return identity


def _split_name(line: Line) -> tuple[str, str]:
    """First and last name of a new user: as the export gives them, else the full name split at
    its last space, else the email's local part (or the one word) for both."""
    if line.first_name or line.last_name:
        first = line.first_name or line.last_name or ""
        return first[:255], (line.last_name or first)[:255]
    if line.name and " " in line.name.strip():
        first, last = line.name.strip().rsplit(" ", 1)
        return first[:255], last[:255]
    word = (line.name or (line.email or line.username or "").split("@")[0]).strip() or "?"
    return word[:255], word[:255]


# --- the catalogue -----------------------------------------------------------------------------


class _Catalogue:
    """Customers, projects and tasks by name key, and those the file creates."""

    def __init__(self, conn: Connection, caller: Caller, lines: list[Line]):
        self.conn = conn
        self.customers = store.customers_by_name_key(conn, {name_key(x.customer) for x in lines})
        self.projects = store.projects_by_name_key(conn, self.customers.values())
        self.tasks = store.tasks_by_name_keys(conn, {name_key(x.task) for x in lines})
        self.may = _Rights(conn, caller)
        self.new_customers: dict[str, str] = {}
        self.new_projects: dict[tuple[str, str], tuple[str, str]] = {}
        self.new_tasks: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        self.answers: dict[tuple[str, str, str], list[str]] = {}

    def check(self, line: Line) -> tuple[tuple[str, str, str], list[str]]:
        keys = (name_key(line.customer), name_key(line.project), name_key(line.task))
        if keys not in self.answers:
            self.answers[keys] = self._check(keys, line)
        return keys, self.answers[keys]

    def _check(self, keys, line: Line) -> list[str]:
        if keys in self.tasks:
            return []
        customer_id = self.customers.get(keys[0])
        project_id = self.projects.get((customer_id, keys[1])) if customer_id else None
        where = f"project '{line.project}' of customer '{line.customer}'"
        if customer_id is None:
            if not self.may("customer", None, None):
                return [
                    f"customer: '{line.customer}' does not exist, and creating a customer needs "
                    "Manage Scope of Work over the whole company"
                ]
            self.new_customers.setdefault(keys[0], line.customer)
        elif project_id is None and not self.may("project", customer_id, None):
            return [
                f"project: '{line.project}' does not exist, and you may not create projects "
                f"of customer '{line.customer}'"
            ]
        elif project_id is not None and not self.may("task", customer_id, project_id):
            return [f"task: '{line.task}' does not exist, and you may not create tasks in {where}"]
        if project_id is None:
            self.new_projects.setdefault(keys[:2], (line.customer, line.project))
        self.new_tasks.setdefault(keys, (line.customer, line.project, line.task))
        return []

    def create(self, caller: Caller) -> None:
        """Create the customers, projects and tasks the file needs; ``tasks`` then holds every
        task of the file."""
        conn = self.conn
        new = [{"name": name} for name in self.new_customers.values()]
        ids = store.insert_named(conn, "customer", new)
        self.customers.update(zip(self.new_customers, ids, strict=True))
        catalogue.LEVELS["customer"].record_created(conn, caller, ids)
        projects = []
        for (customer_key, _), (_, name) in self.new_projects.items():
            projects.append({"name": name, "customer_id": self.customers[customer_key]})
        ids = store.insert_named(conn, "project", projects)
        for (customer_key, project_key), project_id in zip(self.new_projects, ids, strict=True):
            self.projects[(self.customers[customer_key], project_key)] = project_id
        catalogue.LEVELS["project"].record_created(conn, caller, ids)
        type_of_work = settings.default_type_of_work(conn)["id"] if self.new_tasks else None
        status = settings.builtin_status_id(conn, "open") if self.new_tasks else None
        tasks = [
            {
                "name": name,
                "project_id": self.projects[(self.customers[keys[0]], keys[1])],
                "type_of_work_id": type_of_work,
                "workflow_status_id": status,
            }
            for keys, (_, _, name) in self.new_tasks.items()
        ]
        ids = store.insert_named(conn, "task", tasks)
        catalogue.LEVELS["task"].record_created(conn, caller, ids)
        if ids:
            self.tasks = store.tasks_by_name_keys(conn, {k[2] for k in self.answers})


# --- the import --------------------------------------------------------------------------------


def import_file(
    connect: Callable[[bool], Connection],
    caller: Caller,
    format_name: str,
    data: bytes,
    options: Options,
    progress: Callable[[str, int], Progress] | None = None,
) -> dict[str, Any]:
    """Import one product's export; what was (or, in a dry run, would be) created."""
    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise unknown_format(format_name)
    access.ensure_can_import_timetrack(caller)
    with collector_paused():
        text = decode(data)
        bar = progress("Reading lines", text.count("\n")) if progress else None
        lines, problems, count = import_formats.read(fmt, text, options.max_rows, bar)
        conn = connect(True)
        known = store.imported_keys(conn, fmt.source, [x.key for x in lines])
        fresh = [x for x in lines if x.key not in known]
        # Nothing to count yet: running records, and Harvest's lines of 0 hours.
        running = [x for x in fresh if x.when[0] == "running" or not x.when[2]]
        if running:
            fresh = [x for x in fresh if x.when[0] != "running" and x.when[2]]
        people = _People(conn, caller, options)
        places = _Catalogue(conn, caller, fresh)
        tag_names = {name_key(t): t for x in fresh for t in x.tags}
        judged: list[tuple[Line, Any, tuple]] = []
        for line in fresh:
            wrong: list[str] = []
            user = people.find(line, wrong)
            keys, catalogue_problems = places.check(line)
            wrong += catalogue_problems
            if wrong:
                problems.setdefault(line.line, []).extend(wrong)
            else:
                judged.append((line, user, keys))
        result = {
            "format": fmt.source,
            "dryRun": options.dry_run,
            "lines": count,
            "alreadyImported": len(lines) - len(fresh) - len(running),
            "skipped": len(running),
        }
        if not judged:
            if problems:
                raise refuse_lines(problems)
            return result | _created([], people, places, [], 0)
        savepoint = Savepoint(conn)
        try:
            created = _write(conn, caller, fmt.source, judged, people, places, tag_names,
                             problems, options, progress)  # fmt: skip
        except BaseException:
            savepoint.end(False)
            raise
        savepoint.end(keep=not options.dry_run)
    return result | created


def _write(
    conn: Connection,
    caller: Caller,
    source: str,
    judged: list[tuple[Line, Any, tuple]],
    people: _People,
    places: _Catalogue,
    tag_names: dict[str, str],
    problems: dict[int, list[str]],
    options: Options,
    progress,
) -> dict[str, Any]:
    """Create what the lines need, then their entries (refusing the file with every problem,
    ``problems`` included, when any line is refused)."""
    large_cache(conn)  # keeps the pages of a large import in memory until it commits
    new_users = {}
    for identity, values in people.new.items():
        row = user_service.create(conn, caller, {**values, "password_hash": "!"})
        new_users[identity] = row["id"]
    if new_users:
        fresh = {r["id"]: r for r in store.users_by_identity(conn) if r["id"] in new_users.values()}
        new_users = {identity: fresh[i] for identity, i in new_users.items()}
    places.create(caller)
    before = tag_store.by_name_keys(conn, tag_names)
    if len(before) < len(tag_names):
        tag_service.ids_of_names(conn, caller, list(tag_names.values()))
    tag_ids = tag_store.by_name_keys(conn, tag_names) if len(before) < len(tag_names) else before
    tags_created = sorted(n for k, n in tag_names.items() if k not in before)
    zones: dict[int, zoneinfo.ZoneInfo] = {}
    default_zone = store.default_time_zone(conn, DEFAULT_ID)
    items, numbers, keys, pairs = [], [], [], {}
    for line, user, task_keys in judged:
        if isinstance(user, str):
            user = new_users[user]
        task = places.tasks[task_keys]
        item: dict[str, Any] = {"user_id": user["id"], "task_id": task["id"]}
        kind, first, second = line.when
        if kind == "local":
            zone = zones.get(user["id"])
            if zone is None:
                zone = zones[user["id"]] = zoneinfo.ZoneInfo(user["time_zone_id"] or default_zone)
            item["started"] = int(first.replace(tzinfo=zone).timestamp() * 1000)
            item["ended"] = int(second.replace(tzinfo=zone).timestamp() * 1000)
        elif kind == "instant":
            item["started"], item["ended"] = first, second
        else:
            item["date"], item["minutes"] = first, second
        if line.description is not None:
            item["description"] = line.description
        if line.billable is not None:
            item["billable"] = line.billable
        if line.tags:
            item["tag_ids"] = sorted({tag_ids[name_key(t)] for t in line.tags})
        items.append(item)
        numbers.append(line.line)
        keys.append(line.key)
        pairs[(user["id"], task["id"])] = (user, task)
    assigned = _assign(conn, caller, list(pairs.values())) if options.assign else 0
    bar = progress("Writing entries", 1) if progress else None
    created = create_many(conn, caller, items, numbers, problems)
    if bar:
        bar(1)
    try:
        store.add_imported_keys(conn, source, list(zip(keys, _values(created, "id"), strict=True)))
    except IntegrityError as exc:
        raise ApiError(
            409,
            "import_in_progress",
            "Another import of the same lines finished first; import the file again to add "
            "what it has left",
        ) from exc
    return _created(created, people, places, tags_created, assigned)


def _assign(conn: Connection, caller: Caller, pairs: list[tuple[Any, Any]]) -> int:
    """Assign each user the tasks of their lines they are not assigned to yet, where the caller
    may; the others stay unassigned, and their lines refused by the entries' rules."""
    users = list({u["id"]: u for u, _ in pairs}.values())
    assigned = access.assignment_checker(conn, users)
    wanted = [
        (user["id"], task["id"])
        for user, task in pairs
        if not assigned(user, task) and access.can_assign_task_to(conn, caller, user["id"], task)
    ]
    store.add_task_assignments(conn, wanted)
    return len(wanted)


def _created(created: list, people: _People, places: _Catalogue, tags: list, assigned: int):
    return {
        "entriesCreated": len(created),
        "minutesCreated": sum(_values(created, "minutes")),
        "usersCreated": sorted(v["username"] for v in people.new.values()) if created else [],
        "customersCreated": sorted(places.new_customers.values()) if created else [],
        "projectsCreated": sorted(" / ".join(p) for p in places.new_projects.values())
        if created
        else [],
        "tasksCreated": sorted(" / ".join(t) for t in places.new_tasks.values()) if created else [],
        "tagsCreated": tags,
        "tasksAssigned": assigned,
    }


def _values(created: Sequence, name: str) -> list:
    """One attribute of each created entry (read from ``Rows``' tuples: a mapping made per
    entry cost a large import a second)."""
    if isinstance(created, Rows):
        at = created.attributes.index(name)
        return [row[at] for row in created.tuples]
    return [entry[name] for entry in created]


def template(format_name: str) -> str:
    return FORMATS[format_name].example
