"""Imports of other time trackers' exports: the options and the answer."""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import Text


class HistoryImportArgs(ApiSchema):
    dryRun = fields.Boolean(
        attribute="dry_run",
        load_default=False,
        metadata={
            "description": "Judge the file and answer what it would create, creating nothing"
        },
    )
    createUsers = fields.Boolean(
        attribute="create_users",
        load_default=False,
        metadata={
            "description": "Create the users the file names that do not exist (Manage Accounts "
            "& Permissions; they have no password until one is set). Without it, a line of an "
            "unknown user is refused"
        },
    )
    assign = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Assign each user the tasks of their lines that are not among their "
            "work assignments, where you may assign them (default true). A line whose task "
            "stays unassigned is refused"
        },
    )
    user = Text(
        metadata={
            "description": "Username or email of the user whose records a file without users "
            "holds (TimeTagger); default: you"
        }
    )


class HistoryImportResultSchema(ApiSchema):
    format = fields.String(required=True)
    dryRun = fields.Boolean(required=True, metadata={"description": "Nothing was kept"})
    lines = fields.Integer(required=True, metadata={"description": "Lines read"})
    alreadyImported = fields.Integer(
        required=True, metadata={"description": "Lines an earlier import of the file created"}
    )
    skipped = fields.Integer(
        required=True,
        metadata={"description": "Lines with nothing to count: running records, 0 hours"},
    )
    entriesCreated = fields.Integer(required=True)
    minutesCreated = fields.Integer(
        required=True, metadata={"description": "The minutes of the entries created"}
    )
    usersCreated = fields.List(
        fields.String(), required=True, metadata={"description": "Usernames"}
    )
    customersCreated = fields.List(fields.String(), required=True)
    projectsCreated = fields.List(
        fields.String(), required=True, metadata={"description": "customer / project"}
    )
    tasksCreated = fields.List(
        fields.String(), required=True, metadata={"description": "customer / project / task"}
    )
    tagsCreated = fields.List(fields.String(), required=True)
    tasksAssigned = fields.Integer(
        required=True, metadata={"description": "Work assignments added (user, task)"}
    )
