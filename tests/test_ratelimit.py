"""Per-user throttling: headers on every authenticated response, 429 with Retry-After beyond it."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import ADMIN_PASSWORD, ApiClient


def test_headers_on_authenticated_responses(admin):
    first = admin.get("/customers")
    second = admin.get("/customers/999")  # errors count and carry the headers too
    assert int(first.headers["X-Ratelimit-Remaining"]) == 99
    assert int(second.headers["X-Ratelimit-Remaining"]) == 98
    assert 0 <= int(first.headers["X-Ratelimit-Reset"]) <= 1


def test_minute_limit_answers_429(make_app):
    app = make_app(RATELIMIT_PER_MINUTE=5)
    client = app.test_client()
    admin = ApiClient(client, "admin", ADMIN_PASSWORD)
    remaining = [int(admin.get("/customers").headers["X-Ratelimit-Remaining"]) for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    response = admin.get("/customers")
    assert response.status_code == 429
    assert response.get_json()["key"] == "api.error.too_many_requests"
    assert response.headers["X-Ratelimit-Remaining"] == "0"
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert response.headers["X-Ratelimit-Reset"] == str(retry)
    # A refused write changes nothing.
    assert admin.post("/customers", json={"name": "Late"}).status_code == 429


def test_the_limit_is_per_user(make_app, make_user):
    app = make_app(RATELIMIT_PER_MINUTE=2)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    for _ in range(2):
        admin.get("/customers")
    assert admin.get("/customers").status_code == 429
    from timetracker.services.accounts import create_user

    create_user(
        app.extensions["timetracker"]["engine"],
        "other",
        "other",
        (),
        app.config["PASSWORD_HASH_METHOD"],
    )
    other = ApiClient(app.test_client(), "other", "other")
    assert other.get("/customers").status_code == 200


def test_second_limit_answers_429(make_app):
    admin = ApiClient(make_app(RATELIMIT_PER_SECOND=3).test_client(), "admin", ADMIN_PASSWORD)
    statuses = [admin.get("/customers") for _ in range(8)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused, [r.status_code for r in statuses]
    assert all(int(r.headers["Retry-After"]) <= 1 for r in refused)


def test_unauthenticated_requests_are_not_counted_against_a_user(make_app, client):
    app = make_app(RATELIMIT_PER_MINUTE=2)
    anonymous = app.test_client()
    for _ in range(5):
        assert anonymous.get("/api/v1/customers").status_code == 401
    assert anonymous.get("/api/v1/health").status_code == 200
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    assert admin.get("/customers").status_code == 200


@pytest.mark.skipif(
    not os.environ.get("TIMETRACKER_RATELIMIT_STORAGE", "").startswith("redis"),
    reason="sharing counters between processes needs a shared storage (Redis)",
)
def test_processes_sharing_redis_share_the_budget(make_app):
    prefix = "shared-" + uuid.uuid4().hex
    one = ApiClient(
        make_app(RATELIMIT_PER_MINUTE=4, RATELIMIT_KEY_PREFIX=prefix).test_client(),
        "admin",
        ADMIN_PASSWORD,
    )
    two = ApiClient(
        make_app(RATELIMIT_PER_MINUTE=4, RATELIMIT_KEY_PREFIX=prefix).test_client(),
        "admin",
        ADMIN_PASSWORD,
    )
    for client in (one, two, one, two):
        assert client.get("/customers").status_code == 200
    assert one.get("/customers").status_code == 429
    assert two.get("/customers").status_code == 429


def test_the_memory_storage_sweeps_inline_and_starts_no_threads(monkeypatch):
    """Expired counters stop counting when their window ends, and are dropped from memory by a
    later request's sweep; counting never starts a thread."""
    import threading
    import time

    from timetracker.ratelimit import SweptMemoryStorage, make_storage

    storage = make_storage("memory://")
    assert isinstance(storage, SweptMemoryStorage)
    started = []
    original = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: started.append(t) or original(t))
    assert storage.incr("short", 0.05) == 1 and storage.incr("long", 60, amount=2) == 2
    for _ in range(1000):
        storage.incr("long", 60)
    assert started == [] and storage.get("long") == 1002
    time.sleep(0.06)
    assert storage.get("short") == 0  # over as its window ends, swept or not
    storage.incr("long", 60)
    assert "long" in storage.storage
    monkeypatch.setattr(storage, "_next_sweep", 0.0)
    storage.incr("other", 60)  # this one sweeps
    assert "short" not in storage.storage and "short" not in storage.expirations
    assert storage.get("long") == 1003 and started == []


def test_the_sweep_survives_counters_dropped_while_it_runs():
    """A request reading an expired counter drops it; a sweep running in another thread at
    that moment goes on (the library's own sweep would index the dropped key and fail)."""
    import time

    from timetracker.ratelimit import make_storage

    storage = make_storage("memory://")
    for key in ("a", "b", "c"):
        storage.incr(key, 0.01)
    storage.incr("kept", 60)
    time.sleep(0.02)

    class DroppedMeanwhile(dict):
        def _meanwhile(self, key):
            if key == "a":  # a concurrent read of "b", between listing and reading
                storage.get("b")

        def get(self, key, default=None):
            self._meanwhile(key)
            return super().get(key, default)

        def __getitem__(self, key):
            self._meanwhile(key)
            return super().__getitem__(key)

    storage.expirations = DroppedMeanwhile(storage.expirations)
    storage._next_sweep = 0.0
    storage.incr("new", 60)  # sweeps
    assert sorted(storage.storage) == ["kept", "new"]
    assert sorted(storage.expirations) == ["kept", "new"]


def test_the_memory_storage_answers_as_the_librarys_own(monkeypatch):
    """Through limits' own strategies, the fixed windows (the throttle, the ban) and the moving
    window (the failed logins) give the same answers on this storage as on the library's
    ``MemoryStorage``, step by step of a clock."""
    import time

    from limits import RateLimitItemPerSecond
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

    from timetracker.ratelimit import make_storage

    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    three_per_second = RateLimitItemPerSecond(3, 1)
    twice_in_ten = RateLimitItemPerSecond(2, 10)
    storages = make_storage("memory://"), MemoryStorage()
    answers: list[list] = [[], []]
    for storage, seen in zip(storages, answers, strict=True):
        fixed, moving = FixedWindowRateLimiter(storage), MovingWindowRateLimiter(storage)
        for step in range(40):
            clock[0] = 1_000_000.0 + step * 0.4
            for limiter, item in ((fixed, three_per_second), (moving, twice_in_ten)):
                for who in ("a", "b")[: 1 + step % 2]:
                    hit = limiter.hit(item, who, cost=1 + step % 3 // 2)
                    stats = limiter.get_window_stats(item, who)
                    seen.append((hit, limiter.test(item, who), stats.remaining, stats.reset_time))
        fixed.clear(three_per_second, "a")
        seen.append(fixed.get_window_stats(three_per_second, "a").remaining)
        seen.append(storage.reset() is not None)
    assert answers[0] == answers[1]
    assert any(entry[0] is False for entry in answers[0][:-2])  # some hits were refused


def test_the_limiter_makes_each_key_once_and_as_the_library_does(make_app, monkeypatch):
    """A user's counters and an address's ban keep the keys ``limits`` would write (so processes
    sharing Redis, and the library's own strategies, count under the same names), made once."""
    from limits import RateLimitItem

    app = make_app(RATELIMIT_PER_MINUTE=5)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    assert admin.get("/customers").status_code == 200
    made: list[str] = []
    key_for = RateLimitItem.key_for

    def counted(self, *identifiers):
        made.append(self.namespace)
        return key_for(self, *identifiers)

    monkeypatch.setattr(RateLimitItem, "key_for", counted)
    remaining = [int(admin.get("/customers").headers["X-Ratelimit-Remaining"]) for _ in range(4)]
    assert remaining == [3, 2, 1, 0]
    assert made == []
    limiter = app.extensions["timetracker"]["limiter"]
    user_id = 1
    assert limiter.throttle_keys(user_id) == tuple(
        key_for(item, limiter.prefix, str(user_id)) for item in limiter.limits
    )
    assert limiter.storage.get(limiter.throttle_keys(user_id)[1]) == 5
    # The ban: three failed logins, then the address is refused even with a right password.
    intruder = ApiClient(app.test_client(), "admin", "wrong-password")
    for _ in range(3):
        assert intruder.get("/customers").status_code == 401
    assert admin.get("/customers").status_code == 403
    assert limiter.ban_key("127.0.0.1") == key_for(limiter.ban, limiter.prefix, "127.0.0.1")
    assert limiter.fixed.test(limiter.ban, limiter.prefix, "127.0.0.1") is False


@pytest.mark.skipif(
    not os.environ.get("TIMETRACKER_RATELIMIT_STORAGE", "").startswith("redis"),
    reason="round trips to Redis",
)
def test_an_authenticated_request_costs_two_redis_round_trips(make_app):
    """The ban's look-up, then every limit counted in one script (rather than an increment and
    a look-up of the window's end per limit)."""
    prefix = "trips-" + uuid.uuid4().hex
    app = make_app(RATELIMIT_PER_MINUTE=4, RATELIMIT_KEY_PREFIX=prefix)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    assert admin.get("/customers").status_code == 200  # (the script is loaded into Redis)
    redis = app.extensions["timetracker"]["limiter"].storage.get_connection()
    commands: list[str] = []
    execute = redis.execute_command

    def counted(*args, **options):
        commands.append(str(args[0]).upper())
        return execute(*args, **options)

    redis.execute_command = counted
    answers = [admin.get("/customers") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-Ratelimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert commands == ["GET", "EVALSHA"] * 4
