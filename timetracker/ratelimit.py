"""Per-user throttling and the failed-login ban, on any ``limits`` storage (memory, Redis, ...).

Throttling uses fixed windows, matching the product's headers: ``X-Ratelimit-Remaining`` is what
is left in the current window and ``X-Ratelimit-Reset`` the seconds until that window ends. With
two limits (per second and per minute) the headers describe whichever is closer to running out.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import (
    MovingWindowSupport,
    RedisSentinelStorage,
    RedisStorage,
    Storage,
    storage_from_string,
)
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from timetracker.errors import ApiError


class _Entry:
    """One request of a moving window: when it came, and when it stops counting."""

    __slots__ = ("atime", "expiry")

    def __init__(self, expiry: float):
        self.atime = time.time()
        self.expiry = self.atime + expiry


class SweptMemoryStorage(Storage, MovingWindowSupport):
    """A ``limits`` storage in this process's memory, with expired counters swept by the
    requests themselves.

    It counts as the library's ``MemoryStorage`` does (fixed-window counters, moving-window
    entries), on the base classes limits documents for custom storages, so nothing here leans
    on that class's internals. The library's own storage starts a timer thread after every
    increment that finds none running, to drop expired counters 10 ms later: under steady
    traffic that is a new thread every few requests, a sixth of an authenticated GET. Expired
    counters are already ignored when read (``get`` checks their expiry); the sweep only frees
    their memory, so here it runs inline, at most once a second, in one thread at a time. Its
    loops tolerate counters that a concurrent read drops meanwhile (the library's sweep indexes
    them: harmless in its own thread, a failed request here).
    """

    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.storage: Counter[str] = Counter()  # fixed windows: key -> count
        self.expirations: dict[str, float] = {}  # fixed windows: key -> when it ends
        self.events: dict[str, list[_Entry]] = {}  # moving windows: key -> newest first
        self.locks: defaultdict[str, threading.RLock] = defaultdict(threading.RLock)
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
        self._sweeping = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)  # (drops the counter of a window that has ended)
        self._sweep_now_and_then()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def get(self, key: str) -> int:
        if self.expirations.get(key, 0) <= time.time():
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)
        return self.storage.get(key, 0)

    def get_expiry(self, key: str) -> float:
        return self.expirations.get(key, time.time())

    def clear(self, key: str) -> None:
        self.storage.pop(key, None)
        self.expirations.pop(key, None)
        self.events.pop(key, None)
        self.locks.pop(key, None)

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        count = max(len(self.storage), len(self.events))
        self.storage.clear()
        self.expirations.clear()
        self.events.clear()
        self.locks.clear()
        return count

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        self._sweep_now_and_then()
        with self.locks[key]:
            events = self.events.setdefault(key, [])
            oldest_kept = events[limit - amount] if len(events) > limit - amount else None
            if oldest_kept is not None and oldest_kept.atime >= time.time() - expiry:
                return False
            events[:0] = [_Entry(expiry)] * amount
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The moving window's start (its oldest entry's time) and how many entries it has."""
        now = time.time()
        events = self.events.get(key, [])
        if not events:
            return now, 0
        inside = bisect.bisect_left(events, -(now - expiry), key=lambda entry: -entry.atime)
        return events[inside - 1].atime, inside

    def _sweep_now_and_then(self) -> None:
        if time.monotonic() < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
            self._sweep()
        finally:
            self._sweeping.release()

    def _sweep(self) -> None:
        now = time.time()
        for key in list(self.expirations):
            if self.expirations.get(key, now + 1) <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
        for key in list(self.events):  # the moving window's entries (the failed-login count)
            with self.locks[key]:
                kept = [entry for entry in self.events.get(key, ()) if entry.expiry > now]
                if kept:
                    self.events[key] = kept
                else:
                    self.events.pop(key, None)


def make_storage(uri: str) -> Storage:
    if uri.split(":", 1)[0] == "memory":
        return SweptMemoryStorage(uri)
    return storage_from_string(uri)


# Every limit's counter of a user, counted on Redis in one round trip: for each key, as the
# library's own ``incr`` (the window starts with its first request), then its seconds left.
COUNT_SCRIPT = """
local amount = tonumber(ARGV[1])
local result = {}
for i, key in ipairs(KEYS) do
    local current = redis.call("incrby", key, amount)
    if tonumber(current) == amount then
        redis.call("expire", key, ARGV[i + 1])
    end
    result[#result + 1] = current
    result[#result + 1] = redis.call("ttl", key)
end
return result
"""

# How many users' (and addresses') storage keys a limiter keeps before starting afresh.
KEYS_KEPT = 10_000


@dataclass(frozen=True)
class Quota:
    allowed: bool
    remaining: int
    reset: int  # seconds until the window that decides ``remaining`` ends


class Limiter:
    def __init__(self, config: dict):
        self.storage = make_storage(config["RATELIMIT_STORAGE"])
        self.prefix = config["RATELIMIT_KEY_PREFIX"]
        self.fixed = FixedWindowRateLimiter(self.storage)
        self.moving = MovingWindowRateLimiter(self.storage)
        self.limits = (
            RateLimitItemPerSecond(config["RATELIMIT_PER_SECOND"], 1, namespace="throttle"),
            RateLimitItemPerSecond(config["RATELIMIT_PER_MINUTE"], 60, namespace="throttle"),
        )
        self.failures = RateLimitItemPerSecond(
            config["LOGIN_BAN_ATTEMPTS"], config["LOGIN_BAN_WINDOW"], namespace="failed-login"
        )
        self.ban = RateLimitItemPerSecond(1, config["LOGIN_BAN_SECONDS"], namespace="ban")
        # The storage keys of a user's limits and of an address's ban, as the library writes
        # them (``key_for``), kept: making one costs about as much as a memory storage's count.
        self._throttle_keys: dict[int, tuple[str, ...]] = {}
        self._ban_keys: dict[str, str] = {}
        self._count_in_one_trip = None
        # (Not on a Redis cluster: one script's keys must live on one node there.)
        if type(self.storage) in (RedisStorage, RedisSentinelStorage):
            self._count_in_one_trip = self.storage.get_connection().register_script(COUNT_SCRIPT)

    def throttle_keys(self, user_id: int) -> tuple[str, ...]:
        """The keys of ``user_id``'s counters, one per limit."""
        keys = self._throttle_keys.get(user_id)
        if keys is None:
            if len(self._throttle_keys) >= KEYS_KEPT:
                self._throttle_keys.clear()
            keys = tuple(item.key_for(self.prefix, str(user_id)) for item in self.limits)
            self._throttle_keys[user_id] = keys
        return keys

    def ban_key(self, ip: str) -> str:
        """The key of ``ip``'s ban."""
        key = self._ban_keys.get(ip)
        if key is None:
            if len(self._ban_keys) >= KEYS_KEPT:
                self._ban_keys.clear()
            key = self._ban_keys[ip] = self.ban.key_for(self.prefix, ip)
        return key

    def _count(self, item: RateLimitItem, key: str, cost: int) -> tuple[RateLimitItem, int, int]:
        """One limit's window through the storage's own calls: the count after adding ``cost``,
        and the seconds until the window ends."""
        storage = self.storage
        count = storage.incr(key, item.get_expiry(), amount=cost) if cost else storage.get(key)
        return item, count, max(math.ceil(storage.get_expiry(key) - time.time()), 0)

    def hit(self, user_id: int, cost: int = 1) -> Quota:
        """Count ``cost`` requests of ``user_id`` against every limit (with ``cost`` 0: only
        tell where the user stands).

        Each limit is one fixed-window counter, read and written through the storage itself:
        the count comes back from the increment, so a limit costs two storage calls, where the
        strategy's ``hit`` and ``get_window_stats`` take three. On Redis (one server, or
        Sentinel's) every limit is counted in one script, one round trip instead of four."""
        keys = self.throttle_keys(user_id)
        if cost and self._count_in_one_trip is not None:
            counted = self._count_in_one_trip(
                keys=[self.storage.prefixed_key(key) for key in keys],
                args=[cost, *(item.get_expiry() for item in self.limits)],
            )
            windows = [
                (item, int(count), max(int(seconds_left), 0))
                for item, count, seconds_left in zip(
                    self.limits, counted[::2], counted[1::2], strict=True
                )
            ]
        else:
            windows = [
                self._count(item, key, cost) for item, key in zip(self.limits, keys, strict=True)
            ]
        allowed = True
        tightest: Quota | None = None
        for item, count, reset in windows:
            allowed = allowed and (not cost or count <= item.amount)
            remaining = max(item.amount - count, 0)
            quota = Quota(allowed=remaining > 0, remaining=remaining, reset=reset)
            # Report the limit with the least left; among exhausted ones, the one that resets last.
            if (
                tightest is None
                or quota.remaining < tightest.remaining
                or (quota.remaining == tightest.remaining == 0 and quota.reset > tightest.reset)
            ):
                tightest = quota
        assert tightest is not None
        return Quota(allowed=allowed, remaining=tightest.remaining, reset=tightest.reset)

    def register_failed_login(self, ip: str) -> None:
        """Count a failed login; reaching the limit within the window bans the IP."""
        self.moving.hit(self.failures, self.prefix, ip)
        if self.moving.get_window_stats(self.failures, self.prefix, ip).remaining <= 0:
            self.fixed.hit(self.ban, self.prefix, ip)

    def is_banned(self, ip: str) -> bool:
        # As ``self.fixed.test(self.ban, self.prefix, ip)``, with the key kept.
        return self.storage.get(self.ban_key(ip)) >= self.ban.amount

    def ban_seconds_left(self, ip: str) -> int:
        stats = self.fixed.get_window_stats(self.ban, self.prefix, ip)
        return max(math.ceil(stats.reset_time - time.time()), 1)


# Set on the environ of every batch sub-request: the batch request paid for it already.
PREPAID = "timetracker.prepaid"


def throttle() -> None:
    """Before each authenticated request: count it, and refuse it with 429 beyond the limit.
    A batch item is not counted again: the batch paid for it before it ran."""
    if g.get("caller") is None or request.environ.get(PREPAID, False):
        return
    charge(1)


def charge(cost: int) -> None:
    """Count ``cost`` requests of the caller (0: only look), and refuse with 429 beyond the
    limit."""
    limiter = current_app.extensions["timetracker"]["limiter"]
    context = g._get_current_object()
    quota = context.quota = limiter.hit(context.caller.id, cost=cost)
    if not quota.allowed:
        raise ApiError(
            429,
            "too_many_requests",
            f"Too many requests; retry in {quota.reset} s",
            headers={"Retry-After": str(quota.reset)},
        )


def add_headers(response):
    quota: Quota | None = g.get("quota")
    if quota is not None:
        response.headers["X-Ratelimit-Remaining"] = str(quota.remaining)
        response.headers["X-Ratelimit-Reset"] = str(quota.reset)
    return response


def init_app(app: Flask) -> None:
    app.extensions["timetracker"]["limiter"] = Limiter(app.config)
