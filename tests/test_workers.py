"""`timetracker serve --workers 2`: two granian worker processes on one port, sharing the
throttle, the login ban and the database.

The limits count in Redis, so these tests need TIMETRACKER_RATELIMIT_STORAGE (they run on the
test database, PostgreSQL or SQLite). Requests are sent over keep-alive connections known to
reach one worker or the other (see ``server_processes``), so that what one process counted is
seen to hold in the other.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import Counter

import pytest
from click.testing import CliRunner

from tests.conftest import RATELIMIT_STORAGE
from tests.receiver import Receiver
from tests.server_processes import serve
from tests.test_server import server_env
from timetracker.cli import main

needs_redis = pytest.mark.skipif(
    RATELIMIT_STORAGE.startswith("memory"),
    reason="several processes share their limits in Redis: set TIMETRACKER_RATELIMIT_STORAGE",
)
ADMIN = ("admin", "pw")


def workers_env(**extra: str) -> dict[str, str]:
    return server_env(TIMETRACKER_ADMIN_PASSWORD="pw", **extra)


def test_several_workers_refuse_limits_kept_in_memory(tmp_path, monkeypatch):
    """Per-process counters would silently multiply every limit: the server does not start."""
    monkeypatch.setenv("TIMETRACKER_RATELIMIT_STORAGE", "memory://")
    db = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["serve", "--workers", "2", "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Error: --workers 2 needs the rate limits shared")
    assert "TIMETRACKER_RATELIMIT_STORAGE" in result.output
    assert not db.exists()


@needs_redis
def test_the_throttle_counts_the_requests_of_every_worker(database_url):
    """150 requests of one user over four connections, two to each worker: exactly 100 succeed
    and 50 get 429 (with counters of their own, the processes would let all 150 through).

    The windows are fixed and start at the first request. The limit that holds here is the
    per-minute one, set to 100, so that the count does not depend on how fast the machine sends
    150 requests (a per-second window could end in between and let more through); the
    per-second limit is the same code on the same storage with a shorter window."""
    env = workers_env(
        TIMETRACKER_RATELIMIT_PER_SECOND="100000", TIMETRACKER_RATELIMIT_PER_MINUTE="100"
    )
    with serve(database_url, env, "--workers", "2") as server:
        by_worker = server.connections(per_worker=2)
        statuses: list[int] = []

        def send(conn, count: int):
            for _ in range(count):
                statuses.append(conn.call("GET", "/api/v1/customers", auth=ADMIN)[0])

        conns = [c for pair in by_worker.values() for c in pair]
        shares = zip(conns, (38, 38, 37, 37), strict=True)
        threads = [threading.Thread(target=send, args=share) for share in shares]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert Counter(statuses) == {200: 100, 429: 50}

        def answered(log):
            return [e for e in log if e["path"] == "/api/v1/customers" and e["status"] == 200]

        served = Counter(
            e["pid"] for e in answered(server.served_once(lambda log: len(answered(log)) >= 100))
        )
        assert set(served) == set(by_worker) and sum(served.values()) == 100, served


@needs_redis
def test_failed_logins_on_different_workers_add_up_to_a_ban(database_url):
    """Three failed logins, two on one worker and one on the other, ban the address on both."""
    with serve(database_url, workers_env(), "--workers", "2") as server:
        (first, second) = [conns[0] for conns in server.connections(per_worker=1).values()]
        assert first.call("GET", "/api/v1/customers", auth=("admin", "guess"))[0] == 401
        assert second.call("GET", "/api/v1/customers", auth=("admin", "guess"))[0] == 401
        first.call("GET", "/api/v1/customers", auth=("admin", "guess"))
        status, _, body, _ = second.call("GET", "/api/v1/customers", auth=ADMIN)
        assert (status, body["key"]) == (403, "api.error.ip_banned"), body
        assert first.call("GET", "/api/v1/customers", auth=ADMIN)[0] == 403


@needs_redis
def test_a_disabled_user_is_refused_by_every_worker_at_once(database_url):
    """A user whose password each worker has verified (and remembers) is disabled through one
    worker: the very next request to the other one is refused."""
    with serve(database_url, workers_env(), "--workers", "2") as server:
        (first, second) = [conns[0] for conns in server.connections(per_worker=1).values()]
        status, _, user, _ = first.call(
            "POST",
            "/api/v1/users",
            {"username": "kim", "password": "kim-pw", "firstName": "Kim", "lastName": "Lee"},
            auth=ADMIN,
        )
        assert status == 200, user
        kim = ("kim", "kim-pw")
        assert first.call("GET", "/api/v1/users/me", auth=kim)[0] == 200
        assert second.call("GET", "/api/v1/users/me", auth=kim)[0] == 200
        status, _, _, _ = first.call(
            "PATCH", f"/api/v1/users/{user['id']}", {"active": False}, auth=ADMIN
        )
        assert status == 200
        assert second.call("GET", "/api/v1/users/me", auth=kim)[0] == 401
        assert first.call("GET", "/api/v1/users/me", auth=kim)[0] == 401


@needs_redis
def test_the_workers_deliver_each_event_once(database_url):
    """Both workers run a hook deliverer; events made through either worker reach the receiver,
    each exactly once (checked once the server has stopped, so nothing can still come)."""
    receiver = Receiver()
    try:
        env = workers_env(TIMETRACKER_HOOK_ALLOWED_NETWORKS="127.0.0.1:*")
        with serve(database_url, env, "--workers", "2") as server:
            (first, second) = [c[0] for c in server.connections(per_worker=1).values()]
            hook = {"target_url": receiver.url, "event": "customer.create"}
            assert first.call("POST", "/api/v1/hooks", hook, auth=ADMIN)[0] == 200
            names = [f"Customer {n}" for n in range(40)]
            for n, name in enumerate(names):
                conn = (first, second)[n % 2]
                assert conn.call("POST", "/api/v1/customers", {"name": name}, auth=ADMIN)[0] == 200
            deadline = time.monotonic() + 60
            while len(receiver.events) < len(names) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert server.process.returncode == 0
        assert sorted(e["name"] for e in receiver.events) == sorted(names)
    finally:
        receiver.close()


@needs_redis
def test_two_workers_on_one_sqlite_file(tmp_path):
    """Two processes writing one SQLite file (WAL) at once: every write succeeds, none answers
    "database is locked"; the first start migrated the database and created the administrator
    once, before the workers were forked."""
    db = tmp_path / "shared.db"
    env = server_env(
        TIMETRACKER_RATELIMIT_PER_SECOND="100000", TIMETRACKER_RATELIMIT_PER_MINUTE="100000"
    )
    with serve(str(db), env, "--workers", "2") as server:
        first_start = server.output()
        password = re.search(r"'admin' with password: (\S+)", first_start).group(1)
        assert first_start.count("with password:") == 1
        assert first_start.count("Database: ") == 1
        auth = ("admin", password)
        by_worker = server.connections(per_worker=4)
        statuses: list[int] = []

        def write(conn, n: int):
            for i in range(20):
                status, _, _, _ = conn.call(
                    "POST", "/api/v1/customers", {"name": f"C {n}-{i}"}, auth=auth
                )
                statuses.append(status)

        conns = [c for group in by_worker.values() for c in group]
        threads = [threading.Thread(target=write, args=(c, n)) for n, c in enumerate(conns)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 160
        served = server.served_once(lambda log: [e["method"] for e in log].count("POST") >= 160)
        writers = Counter(e["pid"] for e in served if e["method"] == "POST")
        assert set(writers) == set(by_worker) and sum(writers.values()) == 160, writers
        assert "database is locked" not in server.output()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (160,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
