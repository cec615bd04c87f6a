"""Importing the work catalogue from CSV: one task per line, with its project and customer,
which are created when they do not exist yet. Every line is checked first, every problem is
reported with its line number, and nothing is imported unless every line is good.

The template (the header row names the columns; their order is free)::

    customer,project,task,description,deadline,estimatedTime,typeOfWork,workflowStatus
    Acme,Web,Wireframes,Sketches of the new pages,2030-01-31,480,Design,Doing

``customer``, ``project`` and ``task`` are required. Customers and projects are found by name
(case-insensitive, as names are unique) and created when missing, spelt as on the first line
naming them. A task that already exists in its project is a line error, not an update: an
import adds work and never changes what is there (change tasks with ``PATCH /tasks/{id}``).
``deadline`` is ``YYYY-MM-DD``, ``estimatedTime`` minutes; ``typeOfWork`` and
``workflowStatus`` are names of existing ones (empty: the default type of work, the built-in
open status).

Each object is created under the rules of creating it through the API: a customer needs Manage
Accounts & Permissions or Manage Scope of Work over the whole company; a project, Manage Scope
of Work covering its customer; a task, covering its project.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import flatten_messages
from timetracker.schemas.catalogue import TaskImportRowSchema
from timetracker.services import catalogue
from timetracker.services.csv_import import decode, read_lines, refuse_lines
from timetracker.store import imports as store
from timetracker.store import settings
from timetracker.store.util import name_key

COLUMNS = (
    "customer",
    "project",
    "task",
    "description",
    "deadline",
    "estimatedTime",
    "typeOfWork",
    "workflowStatus",
)
REQUIRED = ("customer", "project", "task")
MAX_ROWS = 10_000
TEMPLATE = (
    ",".join(COLUMNS)
    + "\nAcme,Web,Wireframes,Sketches of the new pages,2030-01-31,480,Design,Doing\n"
)


class Plan:
    """The customers, projects and tasks a checked file creates, or its problems by line."""

    def __init__(self, problems: dict[int, list[str]]):
        self.problems = problems
        self.customers: dict[str, dict[str, Any]] = {}  # name key -> columns
        self.projects: dict[tuple[str, str], dict[str, Any]] = {}  # (customer, project) keys
        # (customer key, project key, task columns)
        self.tasks: list[tuple[str, str, dict[str, Any]]] = []


class _Rights:
    """Whether the caller may create a customer, a project of a customer, a task of a
    project: ``access.can_manage_catalogue``, asked once per parent."""

    def __init__(self, conn: Connection, caller: Caller):
        self.conn, self.caller = conn, caller
        self.answers: dict[tuple, bool] = {}

    def __call__(self, kind: str, customer_id: int | None, project_id: int | None) -> bool:
        key = (kind, customer_id, project_id)
        if key not in self.answers:
            parent = None
            if kind == "project":
                parent = {"id": None, "customer_id": customer_id}
            elif kind == "task":
                parent = {"id": None, "customer_id": customer_id, "project_id": project_id}
            self.answers[key] = access.can_manage_catalogue(self.conn, self.caller, kind, parent)
        return self.answers[key]


def _named(rows: dict[str, Any], name: str | None, column: str, wrong: list[str]):
    """The setting (type of work, workflow status) of that name, or None with a problem."""
    if name is None:
        return None
    row = rows.get(name_key(name))
    if row is None:
        what = {"typeOfWork": "type of work", "workflowStatus": "workflow status"}[column]
        wrong.append(f"{column}: no {what} named '{name}'")
    return row


def parse(lines: list, problems: dict[int, list[str]]) -> list[tuple[int, dict[str, Any]]]:
    """Each line's cells validated as the API validates a task's fields (without the
    database): (line, values) of the lines whose names can be looked up."""
    schema = TaskImportRowSchema()
    rows = []
    for line, cells in lines:
        values = {c: v.strip() for c, v in zip(COLUMNS, cells, strict=True) if v.strip()}
        try:
            rows.append((line, schema.load(values)))
        except ValidationError as error:
            pairs = flatten_messages(error.messages)
            problems.setdefault(line, []).extend(f"{name}: {msg}" for name, msg in pairs)
            # The line's other cells are still judged, so that every problem is listed.
            valid = error.valid_data or {}
            if all(valid.get(c) for c in REQUIRED):
                rows.append((line, valid))
    return rows


def check(conn: Connection, caller: Caller, rows: list, problems: dict[int, list[str]]) -> Plan:
    """Judge every parsed line against the file's other lines and what is stored."""
    plan = Plan(problems)
    customers = store.customers_by_name_key(conn, {name_key(r["customer"]) for _, r in rows})
    projects = store.projects_by_name_key(conn, customers.values())
    existing = store.task_name_keys(conn, projects.values())
    types_of_work, statuses = store.named_settings(conn)
    default_type = settings.default_type_of_work(conn)["id"]
    open_status = settings.builtin_status_id(conn, "open")
    may_create = _Rights(conn, caller)
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        wrong: list[str] = []
        keys = (name_key(row["customer"]), name_key(row["project"]), name_key(row["task"]))
        customer_id = customers.get(keys[0])
        project_id = projects.get((customer_id, keys[1])) if customer_id is not None else None
        where = f"project '{row['project']}' of customer '{row['customer']}'"
        if keys in seen:
            wrong.append(f"task: '{row['task']}' of {where} is also on line {seen[keys]}")
        elif project_id is not None and (project_id, keys[2]) in existing:
            wrong.append(f"task: '{row['task']}' already exists in {where}")
        seen.setdefault(keys, line)
        if customer_id is None and not may_create("customer", None, None):
            wrong.append(
                f"customer: '{row['customer']}' does not exist, and creating a customer needs "
                "Manage Scope of Work over the whole company"
            )
        elif customer_id is not None and project_id is None:
            if not may_create("project", customer_id, None):
                wrong.append(
                    f"project: '{row['project']}' does not exist, and you may not create "
                    f"projects of customer '{row['customer']}'"
                )
        elif project_id is not None and not may_create("task", customer_id, project_id):
            wrong.append(f"task: you may not create tasks in {where}")
        type_of_work = _named(types_of_work, row.get("typeOfWork"), "typeOfWork", wrong)
        if type_of_work is not None and type_of_work["archived"]:
            wrong.append(f"typeOfWork: '{row['typeOfWork']}' is archived")
        status = _named(statuses, row.get("workflowStatus"), "workflowStatus", wrong)
        if wrong or line in problems:
            problems.setdefault(line, []).extend(wrong)
            continue
        if customer_id is None:
            plan.customers.setdefault(keys[0], {"name": row["customer"]})
        if project_id is None:
            plan.projects.setdefault(keys[:2], {"name": row["project"], "customer_id": customer_id})
        task = {
            "project_id": project_id,
            "name": row["task"],
            "description": row.get("description"),
            "deadline": row.get("deadline"),
            "estimated_time": row.get("estimatedTime"),
            "type_of_work_id": type_of_work["id"] if type_of_work else default_type,
            "workflow_status_id": status["id"] if status else open_status,
        }
        plan.tasks.append((keys[0], keys[1], task))
    return plan


def create(conn: Connection, plan: Plan) -> dict[str, list[int]]:
    """Create the planned customers, then projects, then tasks: one ``executemany`` each."""
    customer_ids = store.insert_named(conn, "customer", list(plan.customers.values()))
    new_customers = dict(zip(plan.customers, customer_ids, strict=True))
    for (customer_key, _), project in plan.projects.items():
        if project["customer_id"] is None:
            project["customer_id"] = new_customers[customer_key]
    project_ids = store.insert_named(conn, "project", list(plan.projects.values()))
    new_projects = dict(zip(plan.projects, project_ids, strict=True))
    for customer_key, project_key, task in plan.tasks:
        if task["project_id"] is None:
            task["project_id"] = new_projects[(customer_key, project_key)]
    task_ids = store.insert_named(conn, "task", [task for _, _, task in plan.tasks])
    return {"taskIds": task_ids, "customerIds": customer_ids, "projectIds": project_ids}


def import_csv(connect: Callable[[bool], Connection], caller: Caller, data: bytes) -> dict:
    """Import tasks (with their customers and projects) from CSV, in one transaction."""
    access.ensure_can_import_catalogue(caller)
    table = read_lines(decode(data), COLUMNS, REQUIRED, MAX_ROWS, "tasks")
    rows = parse(table.lines, table.problems)
    # A file with bad cells is judged on a read; only a good one takes the write lock.
    conn = connect(not table.problems)
    plan = check(conn, caller, rows, table.problems)
    if plan.problems:
        raise refuse_lines(plan.problems)
    created = create(conn, plan)
    for kind, key in (("customer", "customerIds"), ("project", "projectIds"), ("task", "taskIds")):
        catalogue.LEVELS[kind].record_created(conn, caller, created[key])
    return {"imported": len(created["taskIds"]), **created}
