"""A small, realistic demo company, loaded through the same services the API uses.

Every demo user's password equals their username.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

# The permissions the demo accounts hold (the same identifiers access.py names).
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
from timetracker.permissions import COMMAND_LINE
from timetracker.services import catalogue, settings
from timetracker.services import users as user_service
from timetracker.services.departments import departments as department_service
from timetracker.services.leave_types import leave_types
from timetracker.services.time_zone_groups import time_zone_groups
from timetracker.services.user_rates import set_rates
from timetracker.store import entities
from timetracker.store import users as user_store
from timetracker.store.catalogue import CUSTOMERS, PROJECTS

# The demo is loaded as the system itself: every permission over the whole company.
LOADER = dataclasses.replace(COMMAND_LINE, username="demo")

WORKFLOW_STATUSES = [
    ("In Progress", "open"),
    ("Ready for Review", "open"),
    ("Cancelled", "completed"),
]

TYPES_OF_WORK = [
    # name, rate per hour, billable
    ("Engineering", 110, True),
    ("Design", 95, True),
    ("Project management", 120, True),
    ("Internal meetings", None, False),
]

# customer -> project -> [(task, workflow status, type of work, estimate in minutes)]
CATALOGUE = {
    "Big Bang Company": {
        "description": "Long-standing client in retail.",
        "projects": {
            "Online Store": [
                ("Checkout redesign", "In Progress", "Design", 2400),
                ("Payment provider integration", "New", "Engineering", 4800),
                ("Load testing", "New", "Engineering", 960),
            ],
            "Mobile App": [
                ("iOS release 2.4", "Ready for Review", "Engineering", 3000),
                ("Push notifications", "Completed", "Engineering", 1200),
            ],
        },
    },
    "Galaxy Corporation": {
        "description": "Logistics group, three regional offices.",
        "projects": {
            "Fleet Tracking": [
                ("Map view", "In Progress", "Engineering", 2400),
                ("Driver onboarding flow", "New", "Design", 1440),
            ],
            "Data Warehouse": [
                ("Nightly import", "Completed", "Engineering", 1800),
                ("Quarterly report", "New", "Project management", 480),
                ("Schema review", "Ready for Review", "Engineering", 600),
            ],
        },
    },
    "Our Company": {
        "description": "Internal work that is not billed to a client.",
        "projects": {
            "Administration": [
                ("Team meetings", "New", "Internal meetings", None),
                ("Hiring", "In Progress", "Internal meetings", None),
                ("Office move", "Cancelled", "Internal meetings", None),
            ],
        },
    },
}


DEPARTMENTS = ["Engineering", "Design", "Sales", "Management", "Support"]

TIME_ZONE_GROUPS = {  # the default group -1 is New York
    "London": "Europe/London",
    "Berlin": "Europe/Berlin",
    "Tokyo": "Asia/Tokyo",
    "San Francisco": "America/Los_Angeles",
}

ET, MA, SW, CB = (
    ENTER_TIME_TRACK,
    MODIFY_APPROVE_TIME_TRACK,
    MANAGE_SCOPE_OF_WORK,
    MANAGE_COST_BILLING,
)

# username, first, last, department, time zone group, permissions, assigned projects, extras.
USERS = [
    (
        "mhill",
        "Martin",
        "Hill",
        "Management",
        None,
        (ET, MA, SW, CB),
        ["Online Store"],
        {"team": "Engineering Design", "scope": ["Big Bang Company", "Galaxy Corporation"]},
    ),
    (
        "kbrown",
        "Kate",
        "Brown",
        "Management",
        "London",
        (ET, MA),
        ["Fleet Tracking"],
        {"team": "London Berlin", "scope": ["Galaxy Corporation"]},
    ),
    (
        "awong",
        "Alice",
        "Wong",
        "Management",
        None,
        (CB,),
        [],
        {"team_all": True, "scope_all": True},
    ),
    (
        "hreed",
        "Harriet",
        "Reed",
        "Management",
        None,
        (MANAGE_ACCOUNTS, MANAGE_PTO_SICK),
        [],
        {"team_all": True, "scope_all": True},
    ),
    ("sortiz", "Sam", "Ortiz", "Support", None, (MANAGE_SYSTEM_SETTINGS, LOCK_TIME_TRACK), [], {}),
    ("jsmith", "John", "Smith", "Engineering", None, (ET,), ["Online Store"], {"rate": 85}),
    ("ewhite", "Emma", "White", "Engineering", "London", (ET,), ["Mobile App"], {"rate": 80}),
    (
        "dlee",
        "David",
        "Lee",
        "Engineering",
        "San Francisco",
        (ET,),
        ["Fleet Tracking"],
        {"rate": 90},
    ),
    (
        "oivanova",
        "Olga",
        "Ivanova",
        "Engineering",
        "Berlin",
        (ET,),
        ["Data Warehouse"],
        {"rate": 85},
    ),
    (
        "tnakamura",
        "Takeshi",
        "Nakamura",
        "Engineering",
        "Tokyo",
        (ET,),
        ["Mobile App"],
        {"rate": 80},
    ),
    (
        "pgarcia",
        "Pablo",
        "Garcia",
        "Engineering",
        "San Francisco",
        (ET,),
        ["Online Store", "Fleet Tracking"],
        {"rate": 75},
    ),
    (
        "mrossi",
        "Marco",
        "Rossi",
        "Engineering",
        "Berlin",
        (ET,),
        ["Fleet Tracking", "Data Warehouse"],
        {"rate": 85},
    ),
    (
        "lmartin",
        "Lucie",
        "Martin",
        "Design",
        "Berlin",
        (ET,),
        ["Online Store", "Fleet Tracking"],
        {"rate": 70},
    ),
    (
        "rkhan",
        "Rahul",
        "Khan",
        "Design",
        "London",
        (ET,),
        ["Mobile App"],
        {"rate": 70, "week": [0, 480, 480, 480, 480, 0, 0]},
    ),
    ("sjohnson", "Sarah", "Johnson", "Support", None, (ET,), ["Administration"], {"rate": 50}),
    ("slopez", "Sofia", "Lopez", "Sales", "San Francisco", (ET,), ["Administration"], {"rate": 60}),
    ("trainee", "Tom", "Young", "Engineering", None, (ET,), ["Administration"], {"rate": 35}),
    ("vstone", "Victor", "Stone", "Management", "London", (), [], {"sees_all_data": True}),
    (
        "fgrey",
        "Fiona",
        "Grey",
        "Engineering",
        "Berlin",
        (ET,),
        ["Data Warehouse"],
        {"released_days_ago": 60},
    ),
    ("npark", "Nina", "Park", "Design", "Tokyo", (ET,), ["Mobile App"], {"hired_in_days": 14}),
]


def load(conn: Connection, today: dt.date | None = None, hash_method: str = "scrypt") -> dict:
    """Create the demo data; returns how many objects of each kind were made."""
    today = today or dt.date.today()
    status_ids = {"New": 1, "Completed": 2}
    for name, status_type in WORKFLOW_STATUSES:
        status = {"name": name, "type": status_type}
        status_ids[name] = settings.workflow_statuses.create(conn, LOADER, status)["id"]
    type_ids = {}
    for index, (name, rate, billable) in enumerate(TYPES_OF_WORK):
        row = settings.types_of_work.create(
            conn, LOADER, {"name": name, "rate": rate, "billable": billable, "default": index == 0}
        )
        type_ids[name] = row["id"]
    counts = {"customers": 0, "projects": 0, "tasks": 0}
    for customer_name, customer in CATALOGUE.items():
        customer_id = catalogue.customers.create(
            conn, LOADER, {"name": customer_name, "description": customer["description"]}
        )["id"]
        counts["customers"] += 1
        for project_name, tasks in customer["projects"].items():
            project_id = catalogue.projects.create(
                conn, LOADER, {"customer_id": customer_id, "name": project_name}
            )["id"]
            counts["projects"] += 1
            for offset, (task_name, status, type_name, estimate) in enumerate(tasks):
                catalogue.tasks.create(
                    conn,
                    LOADER,
                    {
                        "project_id": project_id,
                        "name": task_name,
                        "workflow_status_id": status_ids[status],
                        "type_of_work_id": type_ids[type_name],
                        "estimated_time": estimate,
                        "deadline": today + dt.timedelta(days=14 * (offset + 1)),
                    },
                )
                counts["tasks"] += 1
    counts["users"] = _load_people(conn, today, hash_method)
    return counts


def _load_people(conn: Connection, today: dt.date, hash_method: str) -> int:
    departments = {
        name: department_service.create(conn, LOADER, {"name": name})["id"] for name in DEPARTMENTS
    }
    zones = {
        name: time_zone_groups.create(conn, LOADER, {"name": name, "time_zone_id": zone})["id"]
        for name, zone in TIME_ZONE_GROUPS.items()
    }
    leave_types.create(
        conn,
        LOADER,
        {
            "name": "Parental Leave",
            "balance": "None",
            "rate_factor": Decimal("0.8"),
            "archived": False,
        },
    )
    projects = {p["name"]: p for p in entities.list_rows(conn, PROJECTS, {})}
    customers = {c["name"]: c for c in entities.list_rows(conn, CUSTOMERS, {})}
    users = {}
    for username, first, last, department, zone, permissions, projects_of, extra in USERS:
        values = {
            "username": username,
            "password": username,
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.com",
            "department_id": departments[department],
            "time_zone_group_id": zones[zone] if zone else user_store.DEFAULT_ID,
            "hired": today - dt.timedelta(days=730),
        }
        if "released_days_ago" in extra:
            values["release_date"] = today - dt.timedelta(days=extra["released_days_ago"])
            values["active"] = False
        if "hired_in_days" in extra:
            values["hired"] = today + dt.timedelta(days=extra["hired_in_days"])
        for flag in ("team_all", "scope_all", "sees_all_data"):
            if extra.get(flag):
                values[flag] = True
        user = user_service.users.create(
            conn, LOADER, user_service.with_password_hash(values, hash_method)
        )
        users[username] = user
        user_store.set_permissions(conn, user["id"], permissions)
        user_store.set_links(
            conn,
            "assignments",
            user["id"],
            {"project_ids": [projects[p]["id"] for p in projects_of]},
        )
        if "week" in extra:
            user_service.set_weekly_schedule(conn, LOADER, user["id"], extra["week"])
        if "rate" in extra:
            set_rates(
                conn,
                LOADER,
                user["id"],
                [
                    {
                        "date_from": values["hired"],
                        "regular_rate": Decimal(extra["rate"]),
                        "overtime_rate": Decimal(extra["rate"]) * Decimal("1.5"),
                        "leave_rates": [{"leave_type_id": 2, "rate": Decimal(extra["rate"])}],
                    }
                ],
            )
    zone_names = {v: k for k, v in zones.items()}
    for username, *_rest, extra in USERS:
        if "team" in extra:
            wanted = extra["team"].split()
            members = [
                u["id"]
                for name, u in users.items()
                if name != username
                and (
                    _department_name(departments, u["department_id"]) in wanted
                    or zone_names.get(u["time_zone_group_id"]) in wanted
                )
            ]
            user_store.set_team(conn, users[username]["id"], members)
        if "scope" in extra:
            user_store.set_links(
                conn,
                "scope",
                users[username]["id"],
                {"customer_ids": [customers[c]["id"] for c in extra["scope"]], "project_ids": []},
            )
    return len(users)


def _department_name(departments: dict[str, int], department_id: int) -> str | None:
    return next((name for name, i in departments.items() if i == department_id), None)
