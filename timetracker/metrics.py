"""Prometheus metrics of the server, for ``GET /api/v1/metrics`` (``api/metrics.py``).

What is counted, and where:

- every request, by route (the URL rule, ``/api/v1/customers/<int32:id>``, never the raw path:
  one series per operation however many ids are asked for), method and status, and its duration
  in a histogram by route and method. The access log's ``after_request`` measures the duration
  already and calls :meth:`Metrics.observe`: one counter increment and one histogram
  observation, on child metrics looked up once per (route, method, status) and kept;
- requests refused by the throttle (429) and by the login ban (403 ``ip_banned``);
- the database pool: connections checked out (pool events keep a gauge, so it needs no
  request-time work) and the pool's size;
- the hook backlog: one cheap query at scrape time (``store.hooks.backlog``);
- the process (CPU, memory, open files, garbage collection), as ``prometheus_client`` reports it.

Several worker processes (``serve --workers N``) each count in their own memory, so a scrape
would see one worker. :func:`prepare_multiprocess` (in the master, before forking) makes them
write to files in one directory instead, and a scrape on any worker then sums all of them
(``MultiProcessCollector``); :func:`child_exit` drops a dead worker's gauges. Per-process
collectors (CPU, memory) do not add up across processes, so in that mode they are left out.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from flask import Flask
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine

from timetracker.store import hooks as hook_store
from timetracker.store import pool

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The text exposition format every Prometheus reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A request that matched no route (404, or a method the path does not take) has no URL rule.
UNMATCHED = "unmatched"
# Methods the API answers; any other word a client sends is counted as "other", so a client
# cannot make up series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# In-process requests take a millisecond or less; a large export some seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
THROTTLED_KEY = "api.error.too_many_requests"
BANNED_KEY = "api.error.ip_banned"


# Every counter and histogram would get a "_created" twin holding its creation time: series
# Prometheus' text format does not need (a setting of the library, for the whole process).
disable_created_metrics()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess(directory: str | os.PathLike) -> None:
    """In the master process, before any worker is forked: the workers' metrics go to files in
    ``directory`` (made empty here: values of an earlier run would be added in). The app may
    be built before the fork (in the master) or after it (in each worker).

    ``prometheus_client`` chooses between memory and files when it is imported, which may have
    happened already (this module imports it); so the choice is made again here, for every
    metric created from now on (the apps the workers build)."""
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
    values.ValueClass = values.get_value_class()


def child_exit(pid: int) -> None:
    """In the master, when a worker has exited: its live gauges (checked-out connections, pool
    size) stop counting; its counters and histograms stay in the sums."""
    multiprocess.mark_process_dead(pid)


class HookBacklog:
    """A collector asking the database at scrape time how far the hook subscriptions are behind
    the event log: the same answer from any process, so it is never summed across workers."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self):
        try:
            with self.engine.connect() as conn:
                events, subscriptions = hook_store.backlog(conn)
        except Exception:  # a scrape still reports the rest while the database is away
            log.warning("hook backlog unavailable", exc_info=True)
            return
        yield GaugeMetricFamily(
            "timetracker_hook_backlog_events",
            "Events committed after the cursors of enabled hook subscriptions, summed over "
            "them: deliveries still to make (an upper bound: events a subscription's name or "
            "filter skips are counted until its cursor passes them)",
            value=events,
        )
        yield GaugeMetricFamily(
            "timetracker_hook_subscriptions_behind",
            "Enabled hook subscriptions with events still to deliver",
            value=subscriptions,
        )


class Metrics:
    """One app's metrics, in a registry of its own (several apps in one process, as in the
    tests, count separately)."""

    def __init__(self, engine: Engine):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "timetracker_http_requests",
            "Requests answered, by route (URL rule), method and status",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "timetracker_http_request_duration_seconds",
            "Time from the request's start to its answer (before the body is streamed)",
            ("route", "method"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.throttled = Counter(
            "timetracker_throttled_requests",
            "Requests refused by the per-user throttle (429)",
            registry=self.registry,
        )
        self.banned = Counter(
            "timetracker_banned_requests",
            "Requests refused because their address is banned after failed logins (403)",
            registry=self.registry,
        )
        self.pool_checked_out = Gauge(
            "timetracker_db_pool_checked_out",
            "Database connections in use (checked out of the pool)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "timetracker_db_pool_size",
            "Connections the database pool keeps (it may open some overflow beyond them)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.hook_backlog = HookBacklog(engine)
        self.registry.register(self.hook_backlog)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        self._watch_pool(engine)
        # Child metrics by their labels: labels() takes a lock and builds a tuple every time.
        self._counted: dict[tuple[str, str, int], Counter] = {}
        self._timed: dict[tuple[str, str], Histogram] = {}

    def _watch_pool(self, engine: Engine) -> None:
        size = pool.pool_size(engine)
        if size is not None:
            self.pool_size.set(size)
            if multiprocess_dir() is not None:
                # An app built in the first process and forked (the server's): each worker
                # has a pool of that size, the master (alive, but serving nothing) none.
                os.register_at_fork(
                    before=lambda: self.pool_size.set(0),
                    after_in_child=lambda: self.pool_size.set(size),
                )
        pool.watch_checkouts(engine, self.pool_checked_out.inc, self.pool_checked_out.dec)

    def observe(
        self, route: str | None, method: str, status: int, seconds: float, error_key: str | None
    ) -> None:
        """Count one answered request (called once per request, from the access log)."""
        route = route or UNMATCHED
        if method not in METHODS:
            method = "other"
        key = (route, method, status)
        counter = self._counted.get(key)
        if counter is None:
            counter = self._counted[key] = self.requests.labels(route, method, str(status))
        counter.inc()
        timed = self._timed.get(key[:2])
        if timed is None:
            timed = self._timed[key[:2]] = self.duration.labels(route, method)
        timed.observe(seconds)
        if error_key is not None:
            if error_key == THROTTLED_KEY:
                self.throttled.inc()
            elif error_key == BANNED_KEY:
                self.banned.inc()

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format: this process's, or with
        ``PROMETHEUS_MULTIPROC_DIR`` set, every worker's summed."""
        directory = multiprocess_dir()
        if directory is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        registry.register(self.hook_backlog)
        return generate_latest(registry)


def init_app(app: Flask) -> Metrics:
    metrics = Metrics(app.extensions["timetracker"]["engine"])
    app.extensions["timetracker"]["metrics"] = metrics
    return metrics
