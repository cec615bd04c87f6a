"""REST hooks: subscriptions to the event log, delivered by POST to a URL."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.schemas import hooks as s
from timetracker.services import hooks
from timetracker.services.hook_targets import Targets
from timetracker.store.db import get_db

blp = Blueprint(
    "hooks",
    __name__,
    url_prefix="/api/v1",
    description="REST hooks (resthooks.org style, as in actiTIME). Any user may subscribe; a "
    "subscriber only receives events about what they may see when the events are delivered "
    "(judged with their permissions then, as GET /changes would). A delivery is an HTTP POST of "
    "a JSON array of at most 100 events, oldest first: each event is the object's "
    'representation plus "event.name" and "event.id" (the position in the event log). It '
    "carries X-Timetracker-Timestamp (epoch seconds) and X-Timetracker-Signature: "
    'sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription\'s secret>. A 2xx '
    "answer moves on; any other is retried after 1 s, 2 s, 4 s ... (at most 10 minutes apart) "
    "and after 24 hours of failures the subscription is disabled; 410 Gone deletes it. Events "
    "are delivered at least once: one may come twice after a crash, so receivers dedupe by "
    "event.id. A delivery has TIMETRACKER_HOOK_TIMEOUT seconds in all (10 by default) to be "
    "answered. "
    "Events go only to public addresses (and to the networks the server's "
    "TIMETRACKER_HOOK_ALLOWED_NETWORKS allows), judged on the address connected to: a delivery "
    "to another is refused with one fixed error and the subscription disabled. A user has at "
    "most TIMETRACKER_HOOK_MAX_PER_USER subscriptions (20 by default). A subscription made "
    "with an API token is disabled when the token is revoked or expires. Users see and delete "
    "their own subscriptions; Manage Accounts & Permissions sees and deletes anyone's.",
)

NEW_HOOK_EXAMPLE = {**s.HOOK_EXAMPLE, "secret": "5f1c…e9a0"}


@blp.route("/hooks")
class Hooks(MethodView):
    @blp.arguments(s.HookListArgs, location="query")
    @blp.response(200, s.HookListSchema, example={"offset": 0, "limit": 1000,
                                                  "items": [s.HOOK_EXAMPLE]})  # fmt: skip
    @blp.errors()
    @doc("List hooks\n\nYours; with Manage Accounts & Permissions everyone's (`userIds` to "
         "narrow). The secrets are never listed.")  # fmt: skip
    def get(self, args):
        return hooks.listing(get_db(), current_caller(), args)

    @blp.arguments(
        s.HookCreateSchema,
        example={"target_url": "https://hooks.example.com/timetracker",
                 "event": "timetrack.update", "filter": {"projectId": 3}},
    )  # fmt: skip
    @blp.response(200, s.NewHookSchema, example=NEW_HOOK_EXAMPLE)
    @blp.errors(413, 415)
    @doc("Subscribe to events\n\nEvents committed after the subscription are sent to "
         "`target_url` (http or https; the server may allow only some hosts and ports: 400 "
         "api.error.target_host_not_allowed). A literal address that is not public (loopback, "
         "private, link-local, ..., unless the server allows its network) answers 400 "
         "api.error.target_address_not_allowed; a name is judged at each delivery. An unknown "
         "`event` answers 400 api.error.unknown_hook_event listing the valid names, a bad URL "
         "400 api.error.invalid_target_url, a bad filter 400 api.error.invalid_hook_filter, one "
         "hook more than the server allows a user 400 api.error.too_many_hooks. Made with an "
         "API token, the hook ends with the token. The answer holds the signing `secret`, "
         "shown only now.")  # fmt: skip
    def post(self, body):
        config = current_app.config
        return hooks.create(
            get_db(),
            current_caller(),
            body,
            Targets.from_config(config),
            config["HOOK_MAX_PER_USER"],
            g.get("token_id"),
        )


@blp.route("/hooks/unsubscribe")
class Unsubscribe(MethodView):
    @blp.arguments(s.UnsubscribeSchema, example={"target_url": "https://hooks.example.com/t"})
    @blp.response(204)
    @blp.errors(404, 413, 415)
    @doc("Unsubscribe a URL\n\nDeletes all your hooks to `target_url` (yours only, whatever "
         "your permissions); 404 when you have none.")  # fmt: skip
    def post(self, body):
        hooks.unsubscribe(get_db(), current_caller(), body["target_url"])


@blp.route("/hooks/<int32:hookId>")
class Hook(MethodView):
    @blp.response(200, s.HookSchema, example=s.HOOK_EXAMPLE)
    @blp.errors(404)
    @doc("Get a hook\n\nYours, or anyone's with Manage Accounts & Permissions (403 otherwise).")
    def get(self, hookId):  # noqa: N803 - the document's parameter name
        return hooks.get(get_db(), current_caller(), hookId)

    @blp.arguments(s.HookPatchSchema, example={"enabled": True})
    @blp.response(200, s.HookSchema, example=s.HOOK_EXAMPLE)
    @blp.errors(404, 413, 415)
    @doc("Pause or enable a hook\n\nEnabling one the server disabled clears its failures; "
         "the events it missed are delivered from where it stopped. Enabling judges the "
         "target as POST does (400 api.error.target_address_not_allowed, "
         "api.error.target_host_not_allowed), and a hook whose API token was revoked or has "
         "expired cannot be enabled again (400 api.error.hook_token_gone).")  # fmt: skip
    def patch(self, body, hookId):  # noqa: N803
        targets = Targets.from_config(current_app.config)
        return hooks.set_enabled(get_db(), current_caller(), hookId, body["enabled"], targets)

    @blp.response(204)
    @blp.errors(404)
    @doc("Delete a hook")
    def delete(self, hookId):  # noqa: N803
        hooks.delete(get_db(), current_caller(), hookId)


@blp.route("/hooks/<int32:hookId>/deliveries")
class Deliveries(MethodView):
    @blp.arguments(s.DeliveryListArgs, location="query")
    @blp.response(200, s.DeliveryListSchema, example={"offset": 0, "limit": 100, "items": [
        {"id": 7, "created": 1764547201000, "status": 200, "durationMs": 12, "error": None,
         "events": 3, "firstEventId": 1232, "lastEventId": 1234}]})  # fmt: skip
    @blp.errors(404)
    @doc("A hook's recent deliveries\n\nThe last 100 attempts or so, newest first: when, the "
         "receiver's status (null when it could not be reached), how long it took, the error, "
         "and which events were sent.")  # fmt: skip
    def get(self, args, hookId):  # noqa: N803
        return hooks.deliveries(get_db(), current_caller(), hookId, args)


blueprints = [blp]
