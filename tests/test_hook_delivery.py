"""REST hook deliveries against slow receivers: one deadline for a whole delivery.

The slow receiver (:class:`tests.receiver.Trickler`) answers one byte a second, so no read
ever waits long: only a deadline for the whole delivery ends it."""

from __future__ import annotations

import pytest

from tests.receiver import Trickler
from timetracker.services.hook_delivery import Deliverer


@pytest.fixture
def app(make_app):
    return make_app(
        HOOK_ALLOWED_NETWORKS=["127.0.0.1:*"],
        HOOK_TIMEOUT=2,
        RATELIMIT_PER_SECOND=1_000_000,
        RATELIMIT_PER_MINUTE=1_000_000,
    )


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
