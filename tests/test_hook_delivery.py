"""REST hook deliveries against slow receivers: one deadline for a whole delivery, the threads
shared out between owners and receivers, and a stop within the grace while receivers hang.

The slow receiver (:class:`tests.receiver.Trickler`) answers one byte a second, so no read
ever waits long: only a deadline for the whole delivery ends it."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import select

from tests.conftest import RATELIMIT_STORAGE
from tests.receiver import Receiver, Trickler
from tests.server_processes import serve
from tests.test_server import request, server_env
from timetracker.services.hook_delivery import Deliverer
from timetracker.serving import GRACE_SECONDS
from timetracker.store.db import make_engine
from timetracker.store.schema import hook_deliveries


@pytest.fixture
def app(make_app):
    return make_app(
        HOOK_ALLOWED_NETWORKS=["127.0.0.1:*"],
        HOOK_TIMEOUT=2,
        RATELIMIT_PER_SECOND=1_000_000,
        RATELIMIT_PER_MINUTE=1_000_000,
    )


def until(condition, timeout: float = 60) -> bool:
    """Wait for ``condition()`` (a failure bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_delivery_has_one_deadline_for_the_whole_answer(app, admin):
    """A receiver that answers a byte a second (8 bytes, then it would close) is cut off at
    the 2 s deadline (TIMETRACKER_HOOK_TIMEOUT), before it is done, though no single read
    waited 2 s."""
    trickler = Trickler(interval=1, limit=8)
    try:
        hook = admin.ok("post", "/hooks", {"target_url": trickler.url(), "event": "*"})
        admin.ok("post", "/customers", {"name": "Initech"})
        Deliverer.for_app(app).run_once()
        assert trickler.wait_for(lambda t: t.open == 0)
        assert (trickler.accepted, trickler.cut) == (1, 1)  # the deliverer hung up first
    finally:
        trickler.close()
    [attempt] = admin.ok("get", f"/hooks/{hook['id']}/deliveries")["items"]
    assert attempt["status"] is None
    assert attempt["error"] == "Timed out: no whole answer within 2 s"
    assert admin.ok("get", f"/hooks/{hook['id']}")["failures"] == 1  # retried as usual


def test_slow_receivers_leave_threads_to_everyone_else(app, admin, make_user):
    """The administrator's ten hooks to ten receivers that hang, and ten users' hooks to one
    that hangs: the first hold 2 of the 8 threads (an owner's share), the others 4 (a
    receiver's share). Another user's event is delivered while all of them still hang."""
    mine = [Trickler() for _ in range(10)]
    shared = Trickler()
    fast = Receiver()
    deliverer = Deliverer.for_app(app, poll_seconds=0.02, timeout=20)
    assert (deliverer.senders.owner_share, deliverer.senders.receiver_share) == (2, 4)
    try:
        for trickler in mine:
            admin.ok("post", "/hooks", {"target_url": trickler.url(), "event": "department"})
        for n in range(10):
            user = make_user(username=f"slow{n}")
            user.ok("post", "/hooks", {"target_url": shared.url(f"/{n}"), "event": "department"})
        deliverer.start()
        admin.ok("post", "/departments", {"name": "Sales"})
        assert until(lambda: sum(t.open for t in mine) == 2 and shared.open == 4)

        someone = make_user(username="someone")
        someone.ok("post", "/hooks", {"target_url": fast.url, "event": "department"})
        admin.ok("post", "/departments", {"name": "Support"})
        assert fast.arrived.wait(60), "delivered only once a slow receiver let go"
        assert [e["name"] for e in fast.events] == ["Support"]
        # All of them still hang, and none ever ran beyond its share.
        assert sum(t.open for t in mine) == 2 and shared.open == 4
        assert sum(t.accepted for t in mine) == 2 and shared.accepted == 4
        assert sum(t.cut for t in mine) == 0 and shared.cut == 0
    finally:
        for trickler in (*mine, shared):
            trickler.close()
        fast.close()
        deliverer.stop()


@pytest.mark.parametrize(
    "workers",
    [
        1,
        pytest.param(
            2,
            marks=pytest.mark.skipif(
                RATELIMIT_STORAGE.startswith("memory"),
                reason="several processes need TIMETRACKER_RATELIMIT_STORAGE (Redis)",
            ),
        ),
    ],
)
def test_sigterm_stops_within_the_grace_while_receivers_hang(database_url, workers):
    """Receivers that never finish answering do not hold the stop: the server exits 0 within
    the 30 s of grace, having written the deliveries cut off at their deadline."""
    trickler = Trickler()
    env = server_env(
        TIMETRACKER_ADMIN_PASSWORD="pw",
        TIMETRACKER_HOOK_ALLOWED_NETWORKS=f"127.0.0.1:{trickler.port}",
        TIMETRACKER_HOOK_TIMEOUT="3",
    )
    auth = ("admin", "pw")
    try:
        with serve(database_url, env, "--workers", str(workers)) as server:
            for n in range(3):
                hook = {"target_url": trickler.url(f"/{n}"), "event": "customer.create"}
                assert request(server.port, "/api/v1/hooks", "POST", hook, auth=auth)[0] == 200
            answer = request(server.port, "/api/v1/customers", "POST", {"name": "A"}, auth=auth)
            assert answer[0] == 200
            assert trickler.wait_for(lambda t: t.open >= 2)
            server.process.send_signal(signal.SIGTERM)
            assert server.process.wait(timeout=GRACE_SECONDS) == 0
            assert "Traceback" not in server.output()
    finally:
        trickler.close()
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            errors = conn.execute(select(hook_deliveries.c.error)).scalars().all()
    finally:
        engine.dispose()
    assert errors and set(errors) == {"Timed out: no whole answer within 3 s"}
