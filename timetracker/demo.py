"""A small, realistic demo company, loaded through the same services the API uses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from timetracker.services import catalogue, settings

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


def load(conn: Connection, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo data; returns how many objects of each kind were made."""
    today = today or dt.date.today()
    status_ids = {"New": 1, "Completed": 2}
    for name, status_type in WORKFLOW_STATUSES:
        status_ids[name] = settings.create_status(conn, {"name": name, "type": status_type})["id"]
    type_ids = {}
    for index, (name, rate, billable) in enumerate(TYPES_OF_WORK):
        row = settings.create_type_of_work(
            conn, {"name": name, "rate": rate, "billable": billable, "default": index == 0}
        )
        type_ids[name] = row["id"]
    counts = {"customers": 0, "projects": 0, "tasks": 0}
    for customer_name, customer in CATALOGUE.items():
        customer_id = catalogue.create_customer(
            conn, {"name": customer_name, "description": customer["description"]}
        )["id"]
        counts["customers"] += 1
        for project_name, tasks in customer["projects"].items():
            project_id = catalogue.create_project(
                conn, {"customer_id": customer_id, "name": project_name}
            )["id"]
            counts["projects"] += 1
            for offset, (task_name, status, type_name, estimate) in enumerate(tasks):
                catalogue.create_task(
                    conn,
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
    return counts
