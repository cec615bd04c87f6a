"""REST hooks: subscriptions, and deliveries to a real HTTP receiver on loopback (signed, retried,
never of a change that rolled back, only of what the subscriber may see when they are sent)."""

from __future__ import annotations

import pytest

from tests.receiver import Receiver
from timetracker.access import ENTER_TIME_TRACK
from timetracker.services.hook_delivery import GIVE_UP_MS, Deliverer
from timetracker.services.hook_targets import Targets

LOOPBACK = ["127.0.0.1:*"]  # the test receivers listen on loopback, at any port


@pytest.fixture
def app(make_app):
    return make_app(
        RATELIMIT_PER_SECOND=1_000_000,
        RATELIMIT_PER_MINUTE=1_000_000,
        HOOK_ALLOWED_NETWORKS=LOOPBACK,
    )


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


class Clock:
    """The deliverer's time, moved on by hand: retries fall due without waiting."""

    def __init__(self):
        self.ms = 1_800_000_000_000

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def deliverer(app, clock):
    return Deliverer.for_app(app, timeout=5, clock=clock)


def subscribe(client, url, event="*", **extra):
    return client.ok("post", "/hooks", {"target_url": url, "event": event, **extra})


def test_a_change_is_delivered_signed(admin, worker, catalogue, receiver, deliverer):
    design = catalogue["tasks"]["design"]["id"]
    hook = subscribe(admin, receiver.url, "timetrack.update")
    assert len(hook["secret"]) == 64 and hook["enabled"] and hook["userId"] == 1
    assert "secret" not in admin.ok("get", f"/hooks/{hook['id']}")
    assert deliverer.run_once() == 0  # nothing happened since the subscription
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}", {"time": 60, "comment": "Done"})
    admin.ok("patch", f"/tasks/{design}", {"description": "Not a time-track event"})
    deliverer.run_once()
    [delivery] = receiver.received
    assert delivery.path == "/hook"
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.signed_by(hook["secret"])
    assert not delivery.signed_by("another secret")
    [event] = delivery.events
    assert event == {
        "userId": worker.id,
        "taskId": design,
        "taskName": "Design",
        "time": 60,
        "comment": "Done",
        "date": "2026-03-02",
        "projectId": catalogue["projects"]["web"]["id"],
        "customerId": catalogue["customers"]["acme"]["id"],
        "event.name": "timetrack.update",
        "event.id": event["event.id"],
    }
    feed = admin.ok("get", "/changes?limit=1000")["items"]
    assert [e["id"] for e in feed if e["name"] == "timetrack.update"] == [event["event.id"]]
    assert deliverer.run_once() == 0 and len(receiver.received) == 1  # delivered once
    [attempt] = admin.ok("get", f"/hooks/{hook['id']}/deliveries")["items"]
    assert (attempt["status"], attempt["events"], attempt["error"]) == (200, 1, None)
    assert admin.ok("get", f"/hooks/{hook['id']}")["lastEventId"] == feed[-1]["id"]


def test_events_go_in_order_in_batches_of_at_most_100(admin, receiver, deliverer):
    subscribe(admin, receiver.url, "customer.create")
    for n in range(130):
        admin.ok("post", "/customers", {"name": f"Customer {n}"})
    deliverer.run_once()
    deliverer.run_once()
    assert [len(r.events) for r in receiver.received] == [100, 30]
    assert [e["name"] for e in receiver.events] == [f"Customer {n}" for n in range(130)]
    ids = [e["event.id"] for e in receiver.events]
    assert ids == sorted(ids)


def test_a_failed_delivery_is_retried_with_backoff(admin, receiver, deliverer, clock):
    receiver.statuses = [500, 503]
    hook = subscribe(admin, receiver.url, "customer")
    admin.ok("post", "/customers", {"name": "Initech"})
    deliverer.run_once()
    assert deliverer.run_once() == 0  # not due yet
    failing = admin.ok("get", f"/hooks/{hook['id']}")
    assert failing["failures"] == 1 and failing["failingSince"] == clock.ms
    clock.ms += 1000
    deliverer.run_once()  # 503
    clock.ms += 1000
    assert deliverer.run_once() == 0  # the second retry waits 2 s
    clock.ms += 1000
    deliverer.run_once()
    assert [r.events[0]["name"] for r in receiver.received] == ["Initech"] * 3
    attempts = admin.ok("get", f"/hooks/{hook['id']}/deliveries")["items"]
    assert [a["status"] for a in attempts] == [200, 503, 500]  # newest first
    assert attempts[2]["error"] == "HTTP 500 Internal Server Error"
    healthy = admin.ok("get", f"/hooks/{hook['id']}")
    assert (healthy["failures"], healthy["failingSince"], healthy["enabled"]) == (0, None, True)


def test_an_unreachable_receiver_disables_the_hook_after_a_day(admin, receiver, deliverer, clock):
    url = receiver.url
    receiver.close()  # nothing listens there any more
    hook = subscribe(admin, url, "create")
    admin.ok("post", "/customers", {"name": "Initech"})
    deliverer.run_once()
    [attempt] = admin.ok("get", f"/hooks/{hook['id']}/deliveries")["items"]
    assert attempt["status"] is None and "Connection" in attempt["error"]
    clock.ms += GIVE_UP_MS
    deliverer.run_once()
    disabled = admin.ok("get", f"/hooks/{hook['id']}")
    assert not disabled["enabled"] and "24 hours" in disabled["disabledReason"]
    clock.ms += GIVE_UP_MS
    assert deliverer.run_once() == 0
    # Enabled again, it starts afresh from where it stopped.
    enabled = admin.ok("patch", f"/hooks/{hook['id']}", {"enabled": True})
    assert (enabled["enabled"], enabled["failures"], enabled["disabledReason"]) == (True, 0, None)
    assert enabled["lastEventId"] == disabled["lastEventId"]


def test_410_gone_unsubscribes(admin, receiver, deliverer):
    receiver.statuses = [410]
    hook = subscribe(admin, receiver.url)
    admin.ok("post", "/customers", {"name": "Initech"})
    deliverer.run_once()
    assert len(receiver.received) == 1
    assert admin.get(f"/hooks/{hook['id']}").status_code == 404


def test_a_refused_or_rolled_back_change_sends_nothing(admin, worker, catalogue, receiver,
                                                       deliverer):  # fmt: skip
    design = catalogue["tasks"]["design"]["id"]
    subscribe(admin, receiver.url)
    refused = worker.patch(f"/timetrack/me/2026-03-02/{design}", json={"time": 2000})
    assert refused.status_code == 400
    assert admin.post("/customers", json={"name": "Acme"}).status_code == 400  # taken
    deliverer.run_once()
    assert receiver.received == []
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}", {"time": 30})
    deliverer.run_once()
    assert [(e["event.name"], e["time"]) for e in receiver.events] == [("timetrack.update", 30)]


def test_a_subscriber_gets_only_what_it_may_see_when_it_is_sent(admin, worker, catalogue,
                                                                receiver, deliverer):  # fmt: skip
    tasks = catalogue["tasks"]
    subscribe(worker, receiver.url, "task.update")
    admin.ok("patch", f"/tasks/{tasks['migrate']['id']}", {"description": "Not the worker's"})
    admin.ok("patch", f"/tasks/{tasks['design']['id']}", {"description": "The worker's"})
    deliverer.run_once()
    assert [e["name"] for e in receiver.events] == ["Design"]
    # Judged at delivery: once the worker no longer works on Web, its tasks' events stay away.
    admin.ok("patch", f"/tasks/{tasks['build']['id']}", {"description": "Too late"})
    admin.ok("put", f"/users/{worker.id}/workAssignments", {"projectIds": []})
    deliverer.run_once()
    assert [e["name"] for e in receiver.events] == ["Design"]


def test_a_released_owner_gets_nothing(admin, worker, catalogue, receiver, deliverer):
    hook = subscribe(worker, receiver.url, "task")
    admin.ok("patch", f"/tasks/{catalogue['tasks']['design']['id']}", {"description": "New"})
    admin.ok("patch", f"/users/{worker.id}", {"active": False})
    deliverer.run_once()
    assert receiver.received == []
    paused = admin.ok("get", f"/hooks/{hook['id']}")
    assert not paused["enabled"] and "cannot be authorized" in paused["disabledReason"]


def test_the_filter_selects_by_field_equality(admin, worker, catalogue, receiver, deliverer):
    web, erp = catalogue["projects"]["web"]["id"], catalogue["projects"]["erp"]["id"]
    subscribe(admin, receiver.url, "task", filter={"projectId": web})
    subscribe(admin, receiver.url, "update", filter={"projectId": erp, "status": "open"})
    for task in ("design", "migrate"):
        admin.ok("patch", f"/tasks/{catalogue['tasks'][task]['id']}", {"description": "x"})
    admin.ok("post", "/tasks", {"projectId": web, "name": "Plan"})
    deliverer.run_once()
    seen = sorted((e["event.name"], e["name"]) for e in receiver.events)
    assert seen == [("task.create", "Plan"), ("task.update", "Design"),
                    ("task.update", "Migrate data")]  # fmt: skip
    for bad in ({"a": [1]}, {"a": {"b": 1}}, {"": 1}, {f"k{n}": n for n in range(21)}):
        answer = admin.post("/hooks", json={"target_url": receiver.url, "event": "*",
                                            "filter": bad})  # fmt: skip
        assert answer.get_json()["key"] == "api.error.invalid_hook_filter", bad


def test_unknown_event_names_are_refused_with_the_valid_ones(admin, receiver):
    for name in ("Task.create", "task.created", "timers", "leaveType.create", " *"):
        answer = admin.post("/hooks", json={"target_url": receiver.url, "event": name})
        body = answer.get_json()
        assert (answer.status_code, body["key"]) == (400, "api.error.unknown_hook_event"), name
        assert "timetrack.update" in body["message"] and body["fields"] == "event"
    assert admin.get("/hooks").get_json()["items"] == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "example.com/hook", "http://", "http:///path", "mailto:a@b.c",
     "http://user:pw@example.com/", "http://example.com:99999/", "http://exa mple.com/",
     "javascript:alert(1)"],
)  # fmt: skip
def test_bad_target_urls_are_refused(admin, url):
    answer = admin.post("/hooks", json={"target_url": url, "event": "*"})
    assert answer.status_code == 400 and answer.get_json()["key"] == "api.error.invalid_target_url"


def test_the_allowed_hosts_setting_matches_host_and_port(make_app):
    """A host without a port allows its scheme's default port only; :N that port, :* any."""
    from tests.conftest import ADMIN_PASSWORD, ApiClient

    allowed = ["hooks.example.com", ".zapier.example", "api.example.org:8443", "x.example.net:*"]
    app = make_app(HOOK_ALLOWED_HOSTS=allowed)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    for url in ("https://hooks.example.com/a", "http://HOOKS.example.com/b",
                "https://hooks.example.com:443/c", "https://zapier.example/c",
                "https://eu.zapier.example/d", "https://api.example.org:8443/e",
                "http://x.example.net:6379/f"):  # fmt: skip
        admin.ok("post", "/hooks", {"target_url": url, "event": "*"})
    for url in ("http://127.0.0.1:9/", "https://evil.hooks.example.com/", "https://example.com",
                "https://zapier.example.evil.com/", "https://hooks.example.com:6379/",
                "http://hooks.example.com:443/", "https://api.example.org/",
                "https://eu.zapier.example:8443/"):  # fmt: skip
        answer = admin.post("/hooks", json={"target_url": url, "event": "*"})
        assert answer.get_json()["key"] == "api.error.target_host_not_allowed", url
        assert "hooks.example.com" in answer.get_json()["message"]


def test_a_host_no_longer_allowed_disables_the_hook(app, admin, receiver, clock):
    hook = subscribe(admin, receiver.url)
    admin.ok("post", "/customers", {"name": "Initech"})
    engine = app.extensions["timetracker"]["engine"]
    targets = Targets.from_config(
        {"HOOK_ALLOWED_HOSTS": ["hooks.example.com"], "HOOK_ALLOWED_NETWORKS": LOOPBACK}
    )
    Deliverer(engine, targets, clock=clock).run_once()
    assert receiver.received == []
    reason = admin.ok("get", f"/hooks/{hook['id']}")["disabledReason"]
    assert "may not point to 127.0.0.1:" in reason


def test_owners_see_and_delete_their_own_hooks(admin, make_user, receiver):
    alice, bob = make_user(ENTER_TIME_TRACK), make_user()
    alices = subscribe(alice, receiver.url, "timetrack")
    bobs = subscribe(bob, receiver.url + "/bob", "user.update")
    assert [h["id"] for h in alice.ok("get", "/hooks")["items"]] == [alices["id"]]
    assert [h["id"] for h in admin.ok("get", "/hooks")["items"]] == [alices["id"], bobs["id"]]
    assert [h["id"] for h in admin.ok("get", f"/hooks?userIds={bob.id}")["items"]] == [bobs["id"]]
    assert alice.get(f"/hooks?userIds={bob.id}").status_code == 403
    assert alice.get(f"/hooks/{bobs['id']}").status_code == 403
    assert alice.get(f"/hooks/{bobs['id']}/deliveries").status_code == 403
    assert alice.patch(f"/hooks/{bobs['id']}", json={"enabled": False}).status_code == 403
    assert alice.delete(f"/hooks/{bobs['id']}").status_code == 403
    assert alice.get("/hooks/999").status_code == 404
    # Unsubscribing by URL deletes only the caller's own hooks, whoever calls.
    gone = admin.post("/hooks/unsubscribe", json={"target_url": receiver.url})
    assert gone.status_code == 404 and gone.get_json()["key"] == "api.error.hook_not_found"
    alice.ok("post", "/hooks/unsubscribe", {"target_url": receiver.url}, status=204)
    assert alice.ok("get", "/hooks")["items"] == []
    admin.ok("delete", f"/hooks/{bobs['id']}", status=204)
    assert bob.ok("get", "/hooks")["items"] == []


def test_a_paused_hook_sends_nothing_until_enabled(admin, receiver, deliverer):
    hook = subscribe(admin, receiver.url, "customer.create", enabled=False)
    admin.ok("post", "/customers", {"name": "Initech"})
    assert deliverer.run_once() == 0
    admin.ok("patch", f"/hooks/{hook['id']}", {"enabled": True})
    deliverer.run_once()
    assert [e["name"] for e in receiver.events] == ["Initech"]


def test_the_background_thread_delivers(app, admin, receiver):
    subscribe(admin, receiver.url, "customer.create")
    deliverer = Deliverer.for_app(app, poll_seconds=0.01).start()
    try:
        admin.ok("post", "/customers", {"name": "Initech"})
        assert receiver.arrived.wait(30)
    finally:
        deliverer.stop()
    assert [e["name"] for e in receiver.events] == ["Initech"]


def test_no_event_is_lost_when_the_server_is_killed(database_url):
    """The receiver is down; a change commits and its delivery fails; the server dies by
    SIGKILL. Started again with the receiver up, the server delivers the event, once."""
    import signal
    import time

    from tests.test_server import free_port, request, serve, unthrottled_env

    port = free_port()
    env, auth = unthrottled_env(), ("admin", "pw")
    env["TIMETRACKER_HOOK_ALLOWED_NETWORKS"] = f"127.0.0.1:{port}"
    url = f"http://127.0.0.1:{port}/hook"
    with serve(database_url, env) as (api, _lines, process):
        _, _, hook = request(api, "/api/v1/hooks", "POST", {"target_url": url,
                             "event": "customer.create"}, auth=auth)  # fmt: skip
        status, _, customer = request(api, "/api/v1/customers", "POST", {"name": "Initech"},
                                      auth=auth)  # fmt: skip
        assert status == 200
        attempts = []
        while not attempts:  # the deliverer has tried, and failed
            time.sleep(0.05)
            attempts = request(api, f"/api/v1/hooks/{hook['id']}/deliveries", auth=auth)[2]
            attempts = attempts["items"]
        assert attempts[0]["status"] is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    receiver = Receiver(port=port)
    try:
        with serve(database_url, env) as (api, _lines, _process):
            assert receiver.arrived.wait(120), "not delivered after the restart"
            delivered = receiver.received[0].events[-1]["event.id"]
            while request(api, f"/api/v1/hooks/{hook['id']}", auth=auth)[2]["lastEventId"] < (
                delivered
            ):
                time.sleep(0.05)
            assert [(e["event.name"], e["id"]) for e in receiver.events] == [
                ("customer.create", customer["id"])
            ]
            assert receiver.received[0].signed_by(hook["secret"])
    finally:
        receiver.close()


def test_a_user_has_at_most_the_hooks_the_server_allows(make_app):
    """TIMETRACKER_HOOK_MAX_PER_USER, for Manage Accounts & Permissions too; per user."""
    from tests.conftest import ADMIN_PASSWORD, ApiClient

    app = make_app(HOOK_MAX_PER_USER=3)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    made = [subscribe(admin, f"https://hooks.example.com/{n}") for n in range(3)]
    answer = admin.post("/hooks", json={"target_url": "https://hooks.example.com/4", "event": "*"})
    body = answer.get_json()
    assert (answer.status_code, body["key"]) == (400, "api.error.too_many_hooks")
    assert "3" in body["message"] and "TIMETRACKER_HOOK_MAX_PER_USER" in body["message"]
    assert len(admin.ok("get", "/hooks")["items"]) == 3  # nothing made
    admin.ok("delete", f"/hooks/{made[0]['id']}", status=204)
    subscribe(admin, "https://hooks.example.com/4")
    # Another user's hooks are counted apart.
    admin.ok("post", "/users", {"username": "kim", "password": "kim-pw-123", "firstName": "Kim",
                                "lastName": "Lee", "email": "kim@example.com"})  # fmt: skip
    kim = ApiClient(app.test_client(), "kim", "kim-pw-123")
    subscribe(kim, "https://hooks.example.com/kim")


def token_client(app, token: str):
    from tests.conftest import ADMIN_PASSWORD, ApiClient

    client = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    client.headers = {"Authorization": f"Bearer {token}"}
    return client


def test_a_hook_made_with_a_token_ends_when_the_token_is_revoked(app, admin, receiver,
                                                                  deliverer):  # fmt: skip
    made = admin.ok("post", "/users/me/tokens", {"name": "Zapier", "scope": "write"})
    by_token = subscribe(token_client(app, made["token"]), receiver.url + "/token", "customer")
    by_password = subscribe(admin, receiver.url + "/password", "customer")
    assert (by_token["tokenId"], by_password["tokenId"]) == (made["id"], None)
    admin.ok("post", "/customers", {"name": "Initech"})
    deliverer.run_once()
    assert sorted(r.path for r in receiver.received) == ["/hook/password", "/hook/token"]

    admin.ok("delete", f"/users/me/tokens/{made['id']}", status=204)
    revoked = admin.ok("get", f"/hooks/{by_token['id']}")
    assert not revoked["enabled"] and "token" in revoked["disabledReason"]
    assert "revoked" in revoked["disabledReason"]
    admin.ok("post", "/customers", {"name": "Globex"})
    deliverer.run_once()
    assert [r.path for r in receiver.received][2:] == ["/hook/password"]
    # It cannot come back, not even once another token has taken the revoked one's id.
    admin.ok("post", "/users/me/tokens", {"name": "Again", "scope": "write"})
    answer = admin.patch(f"/hooks/{by_token['id']}", json={"enabled": True})
    assert (answer.status_code, answer.get_json()["key"]) == (400, "api.error.hook_token_gone")
    assert not admin.ok("get", f"/hooks/{by_token['id']}")["enabled"]


def test_a_hook_made_with_a_token_is_disabled_once_the_token_expires(app, admin, receiver,
                                                                     deliverer, clock):  # fmt: skip
    import time

    expires = int(time.time() * 1000) + 3_600_000
    made = admin.ok("post", "/users/me/tokens", {"name": "CI", "scope": "write",
                                                 "expires": expires})  # fmt: skip
    hook = subscribe(token_client(app, made["token"]), receiver.url, "customer")
    admin.ok("post", "/customers", {"name": "Initech"})
    clock.ms = expires - 1
    deliverer.run_once()
    assert len(receiver.received) == 1
    admin.ok("post", "/customers", {"name": "Globex"})
    clock.ms = expires
    deliverer.run_once()
    assert len(receiver.received) == 1
    expired = admin.ok("get", f"/hooks/{hook['id']}")
    assert not expired["enabled"] and "expired" in expired["disabledReason"]


def test_entry_and_timer_events_go_under_either_name(admin, worker, catalogue, receiver,
                                                     deliverer):  # fmt: skip
    """timeEntry.create/update/delete and timer.start/stop, also under TrackingTime's names
    (timeEntry.created, timer.started, ...); project.statusChanged when a project is archived
    or made active again."""
    design = catalogue["tasks"]["design"]["id"]
    created, by_kind = (
        subscribe(admin, receiver.url, "timeEntry.created"),
        subscribe(admin, receiver.url + "?kind", "timeEntry"),
    )
    stopped = subscribe(admin, receiver.url + "?timer", "timer.stopped")
    status = subscribe(admin, receiver.url + "?status", "project.statusChanged")
    entry = worker.ok("post", "/timeEntries", {"taskId": design, "date": "2026-03-02",
                                               "minutes": 30})  # fmt: skip
    worker.ok("patch", f"/timeEntries/{entry['id']}", {"minutes": 45})
    worker.ok("post", "/timers", {"taskId": design})
    worker.ok("post", "/timers/me/stop")
    web = catalogue["projects"]["web"]["id"]
    admin.ok("patch", f"/projects/{web}", {"description": "not a status change"})
    admin.ok("patch", f"/projects/{web}", {"archived": True})
    deliverer.run_once()
    names = {}
    for delivery in receiver.received:
        names.setdefault(delivery.path, []).extend(e["event.name"] for e in delivery.events)
    assert names["/hook"] == ["timeEntry.create"]
    assert names["/hook?kind"] == ["timeEntry.create", "timeEntry.update"]
    assert names["/hook?timer"] == ["timer.stop"]
    assert names["/hook?status"] == ["project.statusChanged"]
    [changed] = [e for d in receiver.received for e in d.events if e["event.name"].endswith("d")]
    assert (changed["id"], changed["archived"]) == (web, True)
    for hook in (created, by_kind, stopped, status):
        assert admin.ok("get", f"/hooks/{hook['id']}")["event"] == hook["event"]
