"""The event log: the changes feed (every change you may see, in commit order) and the audit
log (who changed what and when)."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.schemas import events as s
from timetracker.services import events
from timetracker.store.db import get_db

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/api/v1",
    description="Every change is written to an event log in the transaction of the change: "
    "nothing is seen of a change that rolled back, and no committed change is missed. The "
    "changes feed serves a sync client; the audit log serves administrators.",
)


EVENT_EXAMPLE = {
    "id": 1042,
    "created": 1764583200000,
    "name": "timetrack.update",
    "kind": "timetrack",
    "action": "update",
    "objectId": "7/2026-12-01/3",
    "data": {
        "userId": 7,
        "taskId": 3,
        "taskName": "Checkout redesign",
        "time": 120,
        "comment": None,
        "date": "2026-12-01",
        "projectId": 1,
        "customerId": 1,
    },
}
AUDIT_EXAMPLE = {
    **EVENT_EXAMPLE,
    "userId": 7,
    "method": "PATCH",
    "path": "/api/v1/timetrack/7/2026-12-01/3",
    "batchId": None,
    "changes": {"time": [60, 120]},
}


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(s.ChangesArgs, location="query")
    @blp.response(
        200, s.ChangesSchema, example={"items": [EVENT_EXAMPLE], "cursor": 1042, "hasMore": False}
    )
    @blp.errors()
    @doc("""The changes you may see, in commit order

    Events after `since` (a cursor from the previous answer; 0 for everything), oldest
    first, at most `limit`; `cursor` is where to continue and `hasMore` says whether to ask
    again at once. Deletions are included. You see an event when you may see what it is
    about: records by the time-track and leave rules, customers, projects, tasks and users by
    theirs (a deleted one as it was), settings always, invoices with Manage Cost & Billing
    Data; Manage Accounts & Permissions sees every event.
    """)
    def get(self, args):
        return events.changes(get_db(), current_caller(), args)


@blp.route("/auditLog")
class AuditLog(MethodView):
    @blp.arguments(s.AuditLogArgs, location="query")
    @blp.response(
        200, s.AuditLogSchema, example={"offset": 0, "limit": 1000, "items": [AUDIT_EXAMPLE]}
    )
    @blp.errors()
    @doc("""Who changed what and when

    Newest first: the user, the time, the method and path (or the command), the object's
    kind and id, the changed fields with their old and new values, and the batch a change
    came from. Passwords and secrets never appear. Needs Manage Accounts & Permissions.
    """)
    def get(self, args):
        return events.audit_log(get_db(), current_caller(), args)


blueprints = [blp]
