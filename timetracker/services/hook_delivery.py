"""Delivering REST hooks: a background thread that reads the event log and POSTs what each
subscriber has still to receive.

Every 200 ms a round: one cheap read asks whether any subscription is behind the log (an idle
server writes nothing). If so, one short write transaction records the outcomes of the last
round and claims the subscriptions that are due (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several server processes share the work and never take the same one). For each claimed
subscription the events after its cursor that match its name and filter and that its owner may
see *now* (``access.event_filter`` with the owner's current permissions) are read, once per
owner, and POSTed, at most :data:`BATCH` as one JSON array, outside any transaction, over
keep-alive connections. The next round's write moves the cursor on a 2xx, or schedules a retry
(1 s, 2 s, 4 s ... up to 10 minutes) and after 24 hours of failures disables the subscription;
a ``410 Gone`` deletes it. One write per round, not two per subscription: on SQLite, where
writers take turns, every write the deliverer saves is a turn left to the requests.

A delivery has a deadline for the whole of it (``TIMETRACKER_HOOK_TIMEOUT``: connecting,
sending and the whole answer; ``services/hook_http.py``) and connects only to an address the
target rules allow (``services/hook_targets.py``); one refused is recorded with one fixed
message and its subscription disabled at once. A subscription is sent one request at a time
(it stays claimed until the outcome is written), and the threads are shared out fairly between
owners and receivers (``services/hook_senders.py``): slow receivers, however many one user
makes, leave threads to everyone else, and a stop waits for a delivery no longer than its
deadline.

The cursor moves only after the receiver answered 2xx, so every committed event is delivered
at least once, across crashes and restarts. An event is delivered twice only when the process
dies (or the claim runs out) between the receiver's 2xx and the cursor's commit: receivers
dedupe by ``event.id``. A claim lasts the POST's time-out and a margin, so after a crash
another process (or the restarted one) takes the subscription over within half a minute.
"""

from __future__ import annotations

import json
import logging
import secrets
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import Engine, RowMapping

from timetracker import access
from timetracker.permissions import caller_of, can_log_in
from timetracker.services import hooks as rules
from timetracker.services.hook_http import Attempt, Connections, signature
from timetracker.services.hook_senders import Senders
from timetracker.services.hook_targets import REFUSED, Targets, receiver_of
from timetracker.store import events as event_store
from timetracker.store import hooks as store
from timetracker.store.db import write_transaction
from timetracker.store.util import now_ms

log = logging.getLogger(__name__)

BATCH = 100  # events per POST
MAX_CLAIMED = 100  # subscriptions one deliverer works on at once (its threads send them)
DUE_READ = 1000  # due subscriptions read per round, among which the fair share picks
SCAN = 1000  # events read per round: those the filter passes over move the cursor on too
RETRY_FIRST_MS, RETRY_MAX_MS = 1_000, 600_000
GIVE_UP_MS = 24 * 3600 * 1000
USER_AGENT = "timetracker-hooks/1"


def retry_delay_ms(failures: int) -> int:
    return min(RETRY_FIRST_MS * 2 ** min(failures - 1, 30), RETRY_MAX_MS)


@dataclass
class Outcome:
    """What a delivery did, to be written with the other outcomes of its round: the changes
    to the subscription (None: delete it) and the attempt to list, if a request was sent."""

    hook_id: int
    changes: Mapping[str, Any] | None
    attempt: Mapping[str, Any] | None = None


@dataclass
class Send:
    """One request to make: a subscription's batch, and its cursor once the batch is sent."""

    hook: RowMapping
    body: bytes
    events: int
    first_event_id: int
    last_event_id: int
    cursor: int
    claimed_at: int = 0  # epoch ms

    @property
    def owner(self) -> int:
        return self.hook["user_id"]

    @cached_property
    def receiver(self) -> tuple[str, int]:
        return receiver_of(self.hook["target_url"])


class Deliverer:
    """Delivers every subscription's events; :meth:`run_once` for one synchronous round
    (tests), :meth:`start` for the background threads (``timetracker serve``).

    A round writes once: the outcomes of the previous round's deliveries and the claims of
    this one go in one short transaction. On SQLite, where writers take turns, every write the
    deliverer saves is a turn left to the requests.

    ``targets``: where deliveries may go (public addresses only by default). ``timeout``:
    seconds a whole delivery may take. ``workers``: threads sending. ``ssl_context``: the
    certificates trusted (the system's by default)."""

    def __init__(
        self,
        engine: Engine,
        targets: Targets | None = None,
        *,
        poll_seconds: float = 0.2,
        timeout: float = 10.0,
        workers: int = 8,
        clock: Callable[[], int] = now_ms,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.engine = engine
        self.targets = targets or Targets()
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.clock = clock
        self.token = secrets.token_hex(8)  # this deliverer's name on its claims
        self.claim_ms = int((timeout + 20) * 1000)
        self.connections = Connections(timeout, self.targets, ssl_context)
        self.senders: Senders[Send] = Senders(workers, self._run_send)
        self._in_flight: set[int] = set()  # claimed here, outcome not yet written
        self._done: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_app(cls, app, **options: Any) -> Deliverer:
        """A deliverer on the app's engine and settings (``options`` override them)."""
        options.setdefault("timeout", app.config["HOOK_TIMEOUT"])
        targets = options.pop("targets", None) or Targets.from_config(app.config)
        return cls(app.extensions["timetracker"]["engine"], targets, **options)

    # --- running -----------------------------------------------------------------------------

    def start(self) -> Deliverer:
        self.senders.start()
        self._thread = threading.Thread(target=self._loop, name="hook-deliverer", daemon=True)
        self._thread.start()
        return self

    def begin_stop(self) -> None:
        """No new rounds from now on (the server is stopping); :meth:`stop` ends the rest."""
        self._stop.set()

    def stop(self) -> None:
        """End delivery: the sends under way finish (each within its deadline), those not
        begun are released for the next start, and every outcome is written."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        unsent = self.senders.close()
        with self._lock:
            done = self._done + [Outcome(send.hook["id"], {}) for send in unsent]
            self._done = []
        if done:
            self._write(done, None)
        self.connections.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("hook delivery round failed")
            self._stop.wait(self.poll_seconds)

    def _round(self) -> None:
        with self._lock:
            done, self._done = self._done, []
            busy = frozenset(self._in_flight - {o.hook_id for o in done})
        owners, receivers = self.senders.running()

        def choose(due: list[RowMapping]) -> list[int]:
            """Not those this deliverer holds already, nor those whose owner or receiver has
            its share of the threads taken now (they would only wait, their claims running
            out)."""
            chosen = [
                row["id"]
                for row in due
                if row["id"] not in busy
                and self.senders.within_shares(
                    row["user_id"], receiver_of(row["target_url"]), owners, receivers
                )
            ]
            return chosen[: MAX_CLAIMED - len(busy)]

        claimed, claimed_at = self._write(done, choose)
        with self._lock:
            self._in_flight.difference_update(o.hook_id for o in done)
            self._in_flight.update(h["id"] for h in claimed)
        if not claimed:
            return
        try:
            settled, sends = self.prepare(claimed)
        except Exception:
            log.exception("hook delivery: reading the events failed")
            settled, sends = [Outcome(h["id"], {}) for h in claimed], []  # release the claims
        with self._lock:
            self._done.extend(settled)
        for send in sends:
            send.claimed_at = claimed_at
        self.senders.submit(sends)
        # Nearby receivers answer within the round; a slow one is written later.
        self.senders.wait(sends, timeout=1.0)

    def _run_send(self, send: Send) -> None:
        """On a sending thread: one subscription's request, and its outcome kept for the next
        round's write."""
        if self.clock() + self.timeout * 1000 + 5000 > send.claimed_at + self.claim_ms:
            # It waited for a thread so long that its claim could lapse mid-delivery (another
            # process taking it over). Released, to be claimed afresh.
            outcome = Outcome(send.hook["id"], {})
        else:
            try:
                outcome = self.send(send)
            except Exception:
                log.exception("hook %s: delivery failed", send.hook["id"])
                outcome = Outcome(send.hook["id"], {})  # release the claim; the next round tries
        with self._lock:
            self._done.append(outcome)

    def run_once(self) -> int:
        """One round in the calling thread: every due subscription; how many were."""
        hooks, _ = self._write([], lambda due: [row["id"] for row in due])
        settled, sends = self.prepare(hooks)
        self._write(settled + [self.send(send) for send in sends], None)
        return len(hooks)

    def _write(
        self, done: list[Outcome], choose: Callable[[list[RowMapping]], list[int]] | None
    ) -> tuple[list[RowMapping], int]:
        """Write the outcomes ``done`` and claim the due subscriptions ``choose`` picks (None:
        claim none), in one transaction; an idle deliverer only reads. The claimed rows, and
        when they were claimed."""
        now = self.clock()
        if not done:
            if choose is None:
                return [], now
            with self.engine.connect() as conn:
                if not choose(store.due(conn, now, DUE_READ)):
                    return [], now
        with write_transaction(self.engine) as conn:
            for outcome in done:
                if outcome.changes is None:
                    store.delete_claimed(conn, outcome.hook_id, self.token)
                else:
                    store.finish(conn, outcome.hook_id, self.token, outcome.changes,
                                 outcome.attempt)  # fmt: skip
            if choose is None:
                return [], now
            ids = choose(store.due(conn, now, DUE_READ))
            return store.claim(conn, ids, now, now + self.claim_ms, self.token), now

    # --- the round's subscriptions ---------------------------------------------------------

    def prepare(self, hooks: list[RowMapping]) -> tuple[list[Outcome], list[Send]]:
        """What each claimed subscription is to receive: the outcomes settled without a request
        (nothing to send, the owner gone, its API token revoked or expired, the host no longer
        allowed) and the requests to send.

        The events are read once per owner (with the owner's visibility now, for all their
        subscriptions) and each is encoded once, however many subscriptions it goes to."""
        settled: list[Outcome] = []
        sends: list[Send] = []
        encoded: dict[int, bytes] = {}
        by_owner: dict[int, list[RowMapping]] = {}
        for hook in hooks:
            by_owner.setdefault(hook["user_id"], []).append(hook)
        with self.engine.connect() as conn:
            # Up to the last event now: ids follow commit order, so none below it can commit
            # later, and those a subscriber does not get need not be read again.
            upto = store.last_event_id(conn)
            for user_id, group in by_owner.items():
                owner = store.owner_login(conn, user_id)
                if owner is None or not can_log_in(owner):
                    reason = "The owner's account cannot be authorized (disabled or released)"
                    settled += [
                        Outcome(h["id"], {"enabled": False, "disabled_reason": reason})
                        for h in group
                    ]
                    continue
                now = self.clock()
                live = []
                for hook in group:
                    gone = rules.token_problem(conn, hook, now)
                    if gone:
                        settled.append(
                            Outcome(hook["id"], {"enabled": False, "disabled_reason": gone})
                        )
                    else:
                        live.append(hook)
                group = live
                visible = access.event_filter(caller_of(owner), event_store.events)
                while group:  # those left beyond a full scan get one of their own
                    group = self._prepare_group(conn, group, upto, visible, settled, sends,
                                                encoded)  # fmt: skip
        return settled, sends

    def _prepare_group(self, conn, group, upto, visible, settled, sends, encoded) -> list:
        rows = store.pending_events(
            conn,
            min(h["cursor"] for h in group),
            upto,
            [rules.name_match(h["event"]) for h in group],
            visible,
            SCAN,
        )
        scanned_to = rows[-1]["id"] if len(rows) == SCAN else upto
        left = [h for h in group if h["cursor"] >= scanned_to and scanned_to < upto]
        for hook in group:
            if hook in left:
                continue
            mine = [
                e
                for e in rows
                if e["id"] > hook["cursor"]
                and rules.selects(hook["event"], e["name"])
                and rules.matches(hook["filter"], e["data"])
            ]
            batch = mine[:BATCH]
            cursor = batch[-1]["id"] if len(mine) > BATCH else max(scanned_to, hook["cursor"])
            if not batch:  # nothing it gets: move on without a request
                settled.append(Outcome(hook["id"], {"cursor": cursor}))
                continue
            problem = self.targets.host_problem(hook["target_url"])
            if problem:
                changes = {"enabled": False, "disabled_reason": problem.message}
                settled.append(Outcome(hook["id"], changes))
                continue
            for e in batch:
                if e["id"] not in encoded:
                    item = {**e["data"], "event.name": e["name"], "event.id": e["id"]}
                    encoded[e["id"]] = json.dumps(item, separators=(",", ":")).encode()
            body = b"[" + b",".join(encoded[e["id"]] for e in batch) + b"]"
            sends.append(Send(hook, body, len(batch), batch[0]["id"], batch[-1]["id"], cursor))
        return left

    def send(self, send: Send) -> Outcome:
        """POST one subscription's batch (no database work) and say what follows."""
        hook = send.hook
        timestamp = str(self.clock() // 1000)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Timetracker-Hook-Id": str(hook["id"]),
            "X-Timetracker-Timestamp": timestamp,
            "X-Timetracker-Signature": signature(hook["secret"], timestamp, send.body),
        }
        attempt = self.connections.post(hook["target_url"], send.body, headers)
        if attempt.status == 410:  # resthooks.org: the receiver unsubscribes
            return Outcome(hook["id"], None)
        record = {
            "created": self.clock(),
            "status": attempt.status,
            "duration_ms": attempt.duration_ms,
            "error": attempt.error,
            "events": send.events,
            "first_event_id": send.first_event_id,
            "last_event_id": send.last_event_id,
        }
        if attempt.refused:  # no retry: the same rules would refuse it again
            return Outcome(hook["id"], {"enabled": False, "disabled_reason": REFUSED}, record)
        return Outcome(hook["id"], self._changes(hook, attempt, send.cursor), record)

    def _changes(self, hook: RowMapping, attempt: Attempt, cursor: int) -> dict[str, Any]:
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


def start_for(app) -> Deliverer:
    """The deliverer of a server process, on the app's engine and settings."""
    return Deliverer.for_app(app).start()
