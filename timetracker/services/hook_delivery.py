"""Delivering REST hooks: a background thread that reads the event log and POSTs what each
subscriber has still to receive.

Per subscription, a round is: claim it (a short write transaction; ``FOR UPDATE SKIP LOCKED``
on PostgreSQL, so several server processes share the work and never take the same one); read
the events after its cursor that match its name and filter and that its owner may see *now*
(``access.event_filter`` with the owner's current permissions); POST them, at most
:data:`BATCH` as one JSON array, outside any transaction; then, in a second short transaction,
move the cursor on a 2xx, or schedule a retry (1 s, 2 s, 4 s ... up to 10 minutes) and after
24 hours of failures disable the subscription; a ``410 Gone`` deletes it.

The cursor moves only after the receiver answered 2xx, so every committed event is delivered
at least once, across crashes and restarts. An event is delivered twice only when the process
dies (or the claim runs out) between the receiver's 2xx and the cursor's commit: receivers
dedupe by ``event.id``. A claim lasts the POST's time-out and a margin, so after a crash
another process (or the restarted one) takes the subscription over within half a minute.

The thread polls every 200 ms with one cheap read (are there subscriptions behind the log?),
so an idle server writes nothing and a delivery follows its commit within a fraction of a
second.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, RowMapping

from timetracker import access
from timetracker.caller import caller_of, can_log_in
from timetracker.services import hooks as rules
from timetracker.store import events as event_store
from timetracker.store import hooks as store
from timetracker.store.db import write_transaction
from timetracker.store.util import now_ms

log = logging.getLogger(__name__)

BATCH = 100  # events per POST
SCAN = 1000  # events read per round: those the filter passes over move the cursor on too
RETRY_FIRST_MS, RETRY_MAX_MS = 1_000, 600_000
GIVE_UP_MS = 24 * 3600 * 1000
USER_AGENT = "timetracker-hooks/1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Timetracker-Signature``: an HMAC-SHA256 of ``"<timestamp>.<body>"``, so a
    receiver that checks the timestamp's age also refuses a replayed delivery."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def retry_delay_ms(failures: int) -> int:
    return min(RETRY_FIRST_MS * 2 ** min(failures - 1, 30), RETRY_MAX_MS)


@dataclass
class Attempt:
    status: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Attempt:
    """POST without following redirects (a redirect could lead past the allowed hosts)."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    started = time.monotonic()
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(65536)
        status, error = response.status, None
        if not 200 <= status < 300:
            error = f"HTTP {status} {response.reason}"[:500]
    except (OSError, http.client.HTTPException, ValueError) as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()
    return Attempt(status, error, int((time.monotonic() - started) * 1000))


class Deliverer:
    """Delivers every subscription's events; :meth:`run_once` for one synchronous round
    (tests), :meth:`start` for the background thread (``timetracker serve``)."""

    def __init__(
        self,
        engine: Engine,
        allowed_hosts: list[str] | None = None,
        *,
        poll_seconds: float = 0.2,
        timeout: float = 10.0,
        workers: int = 4,
        clock: Callable[[], int] = now_ms,
    ):
        self.engine = engine
        self.allowed_hosts = allowed_hosts
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.workers = workers
        self.clock = clock
        self.token = secrets.token_hex(8)  # this deliverer's name on its claims
        self.claim_ms = int((timeout + 20) * 1000)
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    # --- running -----------------------------------------------------------------------------

    def start(self) -> Deliverer:
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="hook-delivery")
        self._thread = threading.Thread(target=self._loop, name="hook-deliverer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._lock:
                    free = self.workers - len(self._in_flight)
                    busy = frozenset(self._in_flight)
                for hook in self._claim(free, busy) if free > 0 else []:
                    with self._lock:
                        self._in_flight.add(hook["id"])
                    self._pool.submit(self._run_claimed, hook)
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("hook delivery round failed")
            self._stop.wait(self.poll_seconds)

    def _run_claimed(self, hook: RowMapping) -> None:
        try:
            self.deliver(hook)
        except Exception:
            log.exception("hook %s: delivery failed", hook["id"])
        finally:
            with self._lock:
                self._in_flight.discard(hook["id"])

    def run_once(self) -> int:
        """One round in the calling thread: every due subscription; how many were."""
        hooks = self._claim(1000, frozenset())
        for hook in hooks:
            self.deliver(hook)
        return len(hooks)

    def _claim(self, limit: int, busy: frozenset[int]) -> list[RowMapping]:
        now = self.clock()
        with self.engine.connect() as conn:
            ids = store.due_ids(conn, now, limit, busy)
        if not ids:
            return []
        with write_transaction(self.engine) as conn:
            return store.claim(conn, ids, now, now + self.claim_ms, self.token)

    # --- one subscription --------------------------------------------------------------------

    def _pending(self, hook: RowMapping) -> tuple[dict | None, list[RowMapping], int]:
        """(the owner's login row, the events to send, the cursor once they are sent)."""
        with self.engine.connect() as conn:
            owner = store.owner_login(conn, hook["user_id"])
            if owner is None or not can_log_in(owner):
                return owner, [], hook["cursor"]
            # Up to the last event now: ids follow commit order, so none below it can commit
            # later, and those the subscriber does not get need not be read again.
            upto = store.last_event_id(conn)
            visible = access.event_filter(caller_of(owner), event_store.events)
            scanned = store.pending_events(
                conn, hook["cursor"], upto, rules.name_match(hook["event"]), visible, SCAN
            )
        matching = [e for e in scanned if rules.matches(hook["filter"], e["data"])]
        if len(matching) > BATCH:
            return owner, matching[:BATCH], matching[BATCH - 1]["id"]
        return owner, matching, scanned[-1]["id"] if len(scanned) == SCAN else upto

    def deliver(self, hook: RowMapping) -> Attempt | None:
        """Send a claimed subscription what it has still to receive, and record the outcome."""
        owner, batch, cursor = self._pending(hook)
        if owner is None or not can_log_in(owner):
            reason = "The owner's account cannot be authorized (disabled or released)"
            return self._finish(hook, {"enabled": False, "disabled_reason": reason})
        if not batch:  # nothing the filter lets through: move on without a request
            return self._finish(hook, {"cursor": cursor})
        problem = rules.target_problem(hook["target_url"], self.allowed_hosts)
        if problem:
            return self._finish(hook, {"enabled": False, "disabled_reason": problem.message})
        body = json.dumps(
            [{**e["data"], "event.name": e["name"], "event.id": e["id"]} for e in batch],
            separators=(",", ":"),
        ).encode()
        timestamp = str(self.clock() // 1000)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Timetracker-Hook-Id": str(hook["id"]),
            "X-Timetracker-Timestamp": timestamp,
            "X-Timetracker-Signature": signature(hook["secret"], timestamp, body),
        }
        attempt = post(hook["target_url"], body, headers, self.timeout)
        record = {
            "created": self.clock(),
            "status": attempt.status,
            "duration_ms": attempt.duration_ms,
            "error": attempt.error,
            "events": len(batch),
            "first_event_id": batch[0]["id"],
            "last_event_id": batch[-1]["id"],
        }
        if attempt.status == 410:  # resthooks.org: the receiver unsubscribes
            with write_transaction(self.engine) as conn:
                store.delete_claimed(conn, hook["id"], self.token)
            return attempt
        self._finish(hook, self._outcome(hook, attempt, cursor), record)
        return attempt

    def _outcome(self, hook: RowMapping, attempt: Attempt, cursor: int) -> dict[str, Any]:
        if attempt.ok:
            return {"cursor": cursor, "failures": 0, "failing_since": None, "next_attempt": 0}
        now = self.clock()
        since = hook["failing_since"] or now
        if now - since >= GIVE_UP_MS:
            return {
                "enabled": False,
                "disabled_reason": f"Deliveries failed for 24 hours; the last: {attempt.error}",
            }
        failures = hook["failures"] + 1
        return {
            "failures": failures,
            "failing_since": since,
            "next_attempt": now + retry_delay_ms(failures),
        }

    def _finish(self, hook: RowMapping, changes: Mapping[str, Any], record=None) -> None:
        with write_transaction(self.engine) as conn:
            store.finish(conn, hook["id"], self.token, changes, record)


def start_for(app) -> Deliverer:
    """The deliverer of a server process, on the app's engine and settings."""
    return Deliverer(
        app.extensions["timetracker"]["engine"], app.config["HOOK_ALLOWED_HOSTS"]
    ).start()
