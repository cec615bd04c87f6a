"""The ``timetrack.update`` event of a changed record: one at a time (a PATCH, a timer's stop),
or many at once (an import)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from timetracker.services import events


def change_event(user_id: int, day: dt.date, task, old: tuple, new: tuple) -> dict[str, Any]:
    """The ``timetrack.update`` event of a record whose (minutes, comment) went from ``old``
    to ``new`` (0 minutes: deleted). ``task`` is its task's row."""
    data = {
        "userId": user_id,
        "taskId": task["id"],
        "taskName": task["name"],
        "time": new[0],
        "comment": new[1],
        "date": day.isoformat(),
        "projectId": task["project_id"],
        "customerId": task["customer_id"],
    }
    changes = {
        name: [before, after]
        for name, before, after in (("time", old[0], new[0]), ("comment", old[1], new[1]))
        if before != after
    }
    return events.event(
        "timetrack.update",
        f"{user_id}/{day.isoformat()}/{task['id']}",
        data,
        changes,
        user_id=user_id,
        task_id=task["id"],
        project_id=task["project_id"],
        customer_id=task["customer_id"],
    )


_json = json.JSONEncoder(separators=(",", ":")).encode
# A change of many records at once: (user id, day, task row, old, new) as for change_event.
Change = tuple[int, dt.date, Mapping[str, Any], tuple, tuple]


def change_events_encoded(changes: Iterable[Change]) -> list[dict[str, Any]]:
    """The events :func:`change_event` makes, for many records at once (an import), with
    ``data`` and ``changes`` already JSON text (``events.record(..., encoded=True)``).

    The same content at a fraction of the cost: per record only the user, the day, the minutes
    and the comment vary, so the task's part of the text is made once per task and the rest is
    joined, not encoded key by key.
    """
    around: dict[int, tuple[str, str]] = {}
    made = []
    for user_id, day, task, old, new in changes:
        task_id = task["id"]
        parts = around.get(task_id)
        if parts is None:
            parts = around[task_id] = (
                f',"taskId":{task_id},"taskName":{_json(task["name"])},',
                f',"projectId":{task["project_id"]},"customerId":{task["customer_id"]}}}',
            )
        date = day.isoformat()
        comment = "null" if new[1] is None else _json(new[1])
        data = (
            f'{{"userId":{user_id}{parts[0]}"time":{new[0]},"comment":{comment},'
            f'"date":"{date}"{parts[1]}'
        )
        changed = []
        if old[0] != new[0]:
            changed.append(f'"time":[{old[0]},{new[0]}]')
        if old[1] != new[1]:
            before = "null" if old[1] is None else _json(old[1])
            changed.append(f'"comment":[{before},{comment}]')
        made.append(
            {
                "name": "timetrack.update",
                "object_id": f"{user_id}/{date}/{task_id}",
                "data": data,
                "changes": "{" + ",".join(changed) + "}" if changed else None,
                "user_id": user_id,
                "task_id": task_id,
                "project_id": task["project_id"],
                "customer_id": task["customer_id"],
            }
        )
    return made
