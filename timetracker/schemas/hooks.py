"""REST hooks: subscriptions and their delivery attempts."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import JsonBoolean, PageArgs, Text, UserIdList, list_envelope

# The event names a subscription may name (services/hooks.py checks them, with its own error).
EVENT_NAMES = ("*", "create", "update", "delete", "move", "task", "project", "customer")
EVENT_NAMES += ("user", "department", "timeZoneGroup", "timetrack", "timetrackApprovalStatus")
EVENT_NAMES += ("leaveTime", "timeEntry", "timer")
EVENT_NAMES += tuple(f"{k}.{a}" for k in ("task", "project")
                     for a in ("create", "update", "move", "delete"))  # fmt: skip
EVENT_NAMES += tuple(f"{k}.{a}" for k in ("customer", "user", "department", "timeZoneGroup")
                     for a in ("create", "update", "delete"))  # fmt: skip
EVENT_NAMES += ("timetrack.update", "timetrackApprovalStatus.update", "leaveTime.update")
EVENT_NAMES += ("timer.start", "timer.stop", "invoice.create", "invoice.delete")
EVENT_NAMES += ("timeEntry.create", "timeEntry.update", "timeEntry.delete")
EVENT_NAMES += ("project.statusChanged",)
# TrackingTime's names of the same events (services/hooks.py ALIASES).
EVENT_NAMES += ("timeEntry.created", "timeEntry.updated", "timeEntry.deleted")
EVENT_NAMES += ("timer.started", "timer.stopped")
EVENT_NAMES += ("tag", "tag.create", "tag.update", "tag.delete")

HOOK_EXAMPLE = {
    "id": 1,
    "userId": 1,
    "target_url": "https://hooks.example.com/timetracker",
    "event": "timetrack.update",
    "filter": {"projectId": 3},
    "enabled": True,
    "created": 1764547200000,
    "disabledReason": None,
    "failures": 0,
    "failingSince": None,
    "lastEventId": 1234,
    "tokenId": None,
}
FILTER_DESCRIPTION = (
    'Field equalities on the event\'s data, e.g. {"projectId": 3}: an event is sent when each '
    "field is in its data with exactly that value (a string, number, boolean or null; true is "
    "not 1). At most 20 fields; null or {} sends every event."
)


class Filter(fields.Raw):
    """A JSON object. Its keys and values are judged by the hook rules, with their own error
    (``api.error.invalid_hook_filter``): the document cannot say what a filter's fields hold."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Not an object")
        return value


class HookCreateSchema(ApiSchema):
    target_url = Text(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "http:// or https:// URL the events are POSTed to"},
    )
    event = fields.String(
        required=True,
        validate=validate.Length(1, 64),
        metadata={
            "description": "Case-sensitive: * (every event), an action (create, update, "
            "delete, move: of every kind), a kind (task, timetrack, ...: all its actions) or "
            "one event name. Others answer 400 api.error.unknown_hook_event.",
            "enum": list(EVENT_NAMES),
        },
    )
    filter = Filter(
        allow_none=True,
        metadata={"type": "object", "description": FILTER_DESCRIPTION, "maxProperties": 20},
    )
    enabled = JsonBoolean(
        load_default=True,
        metadata={"description": "false: subscribed but paused (nothing is sent)"},
    )


class HookPatchSchema(ApiSchema):
    enabled = JsonBoolean(
        required=True,
        metadata={"description": "false pauses; true enables again, with the failures reset"},
    )


class HookSchema(ApiSchema):
    id = fields.Integer(required=True)
    userId = fields.Integer(attribute="user_id", required=True, metadata={"description": "Owner"})
    target_url = fields.String(required=True)
    event = fields.String(required=True)
    filter = fields.Dict(allow_none=True, required=True)
    enabled = fields.Boolean(required=True)
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    disabledReason = fields.String(
        attribute="disabled_reason",
        allow_none=True,
        required=True,
        metadata={"description": "Why the server disabled it (24 hours of failed deliveries, "
                  "a target address refused, the owner released, its API token revoked, ...)"},
    )  # fmt: skip
    failures = fields.Integer(required=True, metadata={"description": "Failed attempts in a row"})
    failingSince = fields.Integer(
        attribute="failing_since",
        allow_none=True,
        required=True,
        metadata={"description": "Epoch ms of the first failure in a row, or null"},
    )
    lastEventId = fields.Integer(
        attribute="cursor",
        required=True,
        metadata={"description": "The event.id delivered last (or passed over by the filter)"},
    )
    tokenId = fields.Integer(
        attribute="token_id",
        allow_none=True,
        required=True,
        metadata={"description": "The API token that made it (null: made with a password). "
                  "The hook is disabled when that token is revoked or expires."},
    )  # fmt: skip


class NewHookSchema(HookSchema):
    secret = fields.String(
        required=True,
        metadata={"description": "Signs every delivery (X-Timetracker-Signature). Shown only "
                  "now."},
    )  # fmt: skip


class UnsubscribeSchema(ApiSchema):
    target_url = Text(required=True, validate=validate.Length(1, 2000))


class HookListArgs(PageArgs):
    userIds = UserIdList(
        attribute="user_ids", description="Only these users' hooks (others': Manage Accounts)"
    )


HookListSchema = list_envelope(HookSchema, name="HookListSchema")


class DeliverySchema(ApiSchema):
    id = fields.Integer(required=True)
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    status = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "The receiver's HTTP status; null when none came"},
    )
    durationMs = fields.Integer(attribute="duration_ms", required=True)
    error = fields.String(allow_none=True, required=True)
    events = fields.Integer(required=True, metadata={"description": "Events in the request"})
    firstEventId = fields.Integer(attribute="first_event_id", required=True)
    lastEventId = fields.Integer(attribute="last_event_id", required=True)


class DeliveryListArgs(PageArgs):
    limit = fields.Integer(load_default=100, validate=validate.Range(0, 100))


DeliveryListSchema = list_envelope(DeliverySchema, name="DeliveryListSchema")
