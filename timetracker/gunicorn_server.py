"""Several server processes: the app under gunicorn, with threaded workers (``gthread``).

The app comes built (migrated, the first administrator created) from the first process, which
becomes gunicorn's master and forks the workers from it (``preload_app``). Each worker, right
after the fork, forgets the database connections it inherited and opens its own, starts its own
REST hooks deliverer, and stops it (writing its last outcomes) when it exits. See
``timetracker.serving`` for why the deliverer runs in every worker and how SIGTERM stops.

gunicorn runs on Unix only; ``timetracker serve --workers 1`` (waitress) needs none of this.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from timetracker.serving import GRACE_SECONDS

# Idle keep-alive connections are closed after this (gunicorn's default is 2 s; waitress keeps
# them 120 s). Idle ones cost a worker no thread, only a place in its poller.
KEEPALIVE_SECONDS = 5


class GunicornServer(BaseApplication):
    """Gunicorn serving ``app``; ``options`` are gunicorn settings (bind, workers, threads)."""

    def __init__(self, app: Flask, **options: Any):
        self.app = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        settings = {
            **self.options,
            "worker_class": GracefulThreadWorker,
            "preload_app": True,
            "keepalive": KEEPALIVE_SECONDS,
            "graceful_timeout": GRACE_SECONDS,
            "proc_name": "timetracker",
            "control_socket_disable": True,  # gunicornc's socket: one path in $HOME for all
            # The app decides which proxies to believe (TIMETRACKER_TRUSTED_PROXIES), as under
            # waitress: gunicorn itself believes none of their headers.
            "secure_scheme_headers": {},
            "forwarded_allow_ips": "",
            "post_fork": post_fork,
            "post_worker_init": post_worker_init,
            "worker_exit": worker_exit,
            "on_exit": on_exit,
            "child_exit": child_exit,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app


class GracefulThreadWorker(ThreadWorker):
    """Gunicorn's threaded worker, closing its listening sockets as soon as SIGTERM arrives.

    Gunicorn's own worker stops accepting but keeps the listening sockets open until its last
    request is done, so meanwhile new connections wait in the queue, to be reset at the end.
    Closed at once by every worker (the master closes its own), the port refuses them, as it
    does under waitress."""

    def handle_exit(self, sig, frame) -> None:
        if self.alive:
            # Run by the worker's loop, on its thread, between two rounds.
            self.method_queue.defer(self._stop_listening)
            # The deliverer starts no more rounds: its deliveries under way end (by their
            # deadline) while the requests are answered, not after. (Setting an event that only
            # the deliverer's thread waits on is safe in a signal handler.)
            if _deliverer is not None:
                _deliverer.begin_stop()
        super().handle_exit(sig, frame)

    def _stop_listening(self) -> None:
        self.set_accept_enabled(False)
        for listener in self.sockets:
            listener.close()


# --- the hooks: each runs in the process named --------------------------------------------------

_deliverer = None  # the worker's REST hooks deliverer


def post_fork(_arbiter, worker) -> None:
    """In the new worker: forget the connections of the first process without closing them
    (closing would end them for that process too); the pool opens new ones on first use."""
    worker.app.wsgi().extensions["timetracker"]["engine"].dispose(close=False)


def post_worker_init(worker) -> None:
    """In the worker, ready to serve: its hook deliverer."""
    global _deliverer
    from timetracker.services.hook_delivery import start_for

    _deliverer = start_for(worker.app.wsgi())


def worker_exit(_arbiter, _worker) -> None:
    """In the worker, its requests done: the deliverer writes its last outcomes and stops."""
    if _deliverer is not None:
        _deliverer.stop()


# --- metrics across processes (timetracker.metrics, when present) ------------------------------
# The Prometheus counters of several processes live in files of one directory, chosen in the
# master before the first fork; a worker's live gauges are dropped when it exits.

_metrics_directory: str | None = None


def prepare_metrics() -> None:
    """In the first process, before the app is built and any worker forked."""
    global _metrics_directory
    try:
        import timetracker.metrics as metrics
    except ImportError:
        return
    _metrics_directory = tempfile.mkdtemp(prefix="timetracker-metrics-")
    metrics.prepare_multiprocess(_metrics_directory)


def on_exit(_arbiter) -> None:
    """In the master, the last worker gone: the metrics files go too."""
    if _metrics_directory is not None:
        shutil.rmtree(_metrics_directory, ignore_errors=True)


def child_exit(_arbiter, worker) -> None:
    """In the master, once a worker has exited."""
    try:
        import timetracker.metrics as metrics
    except ImportError:
        return
    metrics.child_exit(worker.pid)
