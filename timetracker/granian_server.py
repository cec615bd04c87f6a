"""The server processes: the app under granian's WSGI server, ``workers`` processes of
``threads`` threads each, HTTP/1 only. See ``timetracker.serving`` for what the server promises.

The app comes built (the database readied: migrated, the first administrator created) from the
first process, which becomes granian's main process and starts the workers from it; granian
always runs its workers as child processes, one included. Where processes are forked (Linux,
the BSDs, the one-file binary on them) each worker inherits the app, forgets the database
connections it inherited and opens its own; where they are spawned (Windows, macOS) each worker
builds the app afresh from ``build_app`` (the database is ready by then: nothing is migrated or
created twice). Each worker starts its own REST hooks deliverer in :func:`_worker_app` and stops
it (writing its last outcomes) before it exits, see :class:`_WorkerWatch`, which also makes sure
that the worker acts on its stop signal at all and ends it should it outlast the grace.

Everything used here is granian's documented ``Server`` API (``granian.server.Server``, its
settings, ``serve(target_loader=...)``); the settings' meanings are measured by
``tests/test_connections.py`` and ``tests/test_shutdown.py``, which tell whether a newer
release still behaves.
"""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import logging
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable

from flask import Flask

from timetracker.serving import GRACE_SECONDS, HEAD_BYTES_MAX, freeze_heap

log = logging.getLogger(__name__)

# The app of a worker forked from the first process (set there before granian starts).
_app: Flask | None = None


def run(
    build_app: Callable[[], Flask],
    host: str,
    port: int,
    threads: int,
    workers: int,
    on_listen: Callable[[], None],
) -> None:
    """Build the app (once, here) and serve it until SIGTERM or Ctrl-C, both graceful."""
    global _app
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    metrics_directory = _prepare_metrics() if workers > 1 else None
    try:
        app = build_app()
        # Nothing the workers inherit may hold a database connection: let them open their own.
        app.extensions["timetracker"]["engine"].dispose()
        _app = app
        freeze_heap()  # (forked workers share its pages until they write to them)
        config = app.config
        server = Server(
            "timetracker",  # (a name only: the app comes from the loader)
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # HTTP/1 only: under granian's automatic choice of protocol the header timeout
            # starts only at a connection's first byte, so one that sends nothing stays open.
            http=HTTPModes.http1,
            # Each connection holds one of a worker's places from its accept to its close:
            # the connection limit.
            backpressure=config["CONNECTION_LIMIT"],
            http1_settings=HTTP1Settings(
                header_read_timeout=config["HEADER_TIMEOUT"] * 1000,
                max_buffer_size=HEAD_BYTES_MAX // 2,  # (see timetracker.serving)
            ),
            # No kill by granian after a grace: its check whether a worker still runs races
            # with its own thread that reaps the worker (multiprocessing's ``is_alive`` then
            # reports a worker that has just exited as alive), so a worker that stopped in time
            # was now and then "killed after it refused to gracefully stop". Each worker keeps
            # the grace itself instead (``_WorkerWatch``).
            workers_kill_timeout=None,
            # Granian's own messages (workers started, stopped, killed) to standard error,
            # warnings and worse only: this server says itself where it listens.
            log_level=LogLevels.warning,
            log_dictconfig=_GRANIAN_LOGGING,
            process_name=None,
        )
        on_listen()
        server.serve(target_loader=functools.partial(_worker_app, build_app))
    finally:
        if metrics_directory is not None:
            shutil.rmtree(metrics_directory, ignore_errors=True)


_GRANIAN_LOGGING = {
    "handlers": {
        "console": {
            "formatter": "generic",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        },
        "access": {
            "formatter": "access",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        },
    },
}


def _worker_app(build_app: Callable[[], Flask], _target: str) -> Flask:
    """In each worker, before it serves: its app, with its own database connections and its
    own hook deliverer."""
    from timetracker.services.hook_delivery import start_for

    app = _app
    if app is None:  # spawned, not forked: nothing was inherited
        app = build_app()
    else:
        # Forget the connections of the first process without closing them (closing would end
        # them for that process too); the pool opens new ones on first use.
        app.extensions["timetracker"]["engine"].dispose(close=False)
    _WorkerWatch(start_for(app)).start()
    return app


class _WorkerWatch(threading.Thread):
    """Sees a worker through its stop, from SIGTERM (or SIGINT) on.

    The signal's handler is granian's; the thread learns of the signal through
    ``signal.set_wakeup_fd``, to which Python writes the number of every signal it handles, in
    whichever thread the signal arrives. Then:

    - It wakes the main thread (:func:`_wake_main_thread`), so that granian's handler runs at
      all: Python runs handlers in the main thread only, and the kernel gives a signal sent to
      the process to any thread that does not block it, now and then one of granian's or the
      request threads. The main thread, parked in granian's wait for the server's end, was then
      not woken: the worker never learnt of its stop, kept accepting connections, and was killed
      when the grace ended.
    - It stops the worker's hook deliverer: no more rounds from the signal on, so that its
      deliveries under way end (by their deadline) while the requests are answered, and then it
      writes its last outcomes.
    - It keeps the grace: a worker still running :data:`GRACE_SECONDS` after the signal writes
      the stacks of its threads to standard error and ends (exit status 1). Should the thread
      itself not get to run then (Python's lock held for good), ``faulthandler``'s own thread,
      which needs no lock, does the same a little later.

    A thread that is not a daemon, so the worker's process waits for it before it exits
    (``multiprocessing`` joins such threads). Should the worker end without a signal, the thread
    notices the main thread's end.

    It also stops the worker (gracefully, by SIGTERM) when the first process is gone, killed
    without the chance to stop its workers: a worker serves nothing without its server."""

    def __init__(self, deliverer):
        super().__init__(name="worker-watch", daemon=False)
        self.deliverer = deliverer
        self.parent = os.getppid()
        self.read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        # (In the worker's main thread, where these two must be called: the loader runs there.)
        signal.set_wakeup_fd(write_fd)
        if WAKE_SIGNAL is not None:
            signal.signal(WAKE_SIGNAL, _woken)

    def run(self) -> None:
        main = threading.main_thread()
        stopping = (signal.SIGTERM, signal.SIGINT)
        orphaned = False
        try:
            while main.is_alive():
                readable, _, _ = select.select([self.read_fd], [], [], WATCH_SECONDS)
                if readable and any(n in stopping for n in os.read(self.read_fd, 64)):
                    break
                if not orphaned and os.getppid() != self.parent:
                    orphaned = True
                    log.warning("the server's first process is gone: this worker stops")
                    os.kill(os.getpid(), signal.SIGTERM)
            deadline = time.monotonic() + GRACE_SECONDS
            _wake_main_thread()
            with contextlib.suppress(RuntimeError, ValueError):  # (no standard error to write to)
                faulthandler.dump_traceback_later(GRACE_SECONDS + BACKSTOP_SECONDS, exit=True)
            self.deliverer.begin_stop()
            self.deliverer.stop()
            main.join(max(deadline - time.monotonic(), 0))
            if main.is_alive():
                _end_late_worker()
        finally:
            # (The pipe stays open: Python writes every later signal to it, which a closed
            # pipe would answer with an error on standard error.)
            _forget_worker_metrics()


WATCH_SECONDS = 0.2
# faulthandler's ending of a worker whose watch could not end it at the grace, this much later.
BACKSTOP_SECONDS = 5
# Sent to a worker's main thread to have it run the handlers of signals that arrived in
# another thread. SIGURG: ignored unless handled, and nothing else here sends or handles it.
WAKE_SIGNAL = getattr(signal, "SIGURG", None) if hasattr(signal, "pthread_kill") else None


def _woken(_signum, _frame) -> None:
    """The handler of WAKE_SIGNAL: nothing to do, the wakeup itself is its purpose."""


def _wake_main_thread() -> None:
    """Have the main thread run the Python handlers of the signals received so far.

    A signal that the kernel hands to another thread only gets recorded there (and written to
    the wakeup fd); a main thread blocked in a wait without timeout does not see it until
    something interrupts that wait. WAKE_SIGNAL, sent to that thread only, does: its wait is
    interrupted, Python runs every recorded handler (each once, as if the signal had come there),
    and the wait resumes. Sent when the main thread already ran them, it changes nothing."""
    if WAKE_SIGNAL is not None:
        signal.pthread_kill(threading.main_thread().ident, WAKE_SIGNAL)


def _end_late_worker() -> None:
    """A worker that outlasted the grace: say so, with where each of its threads is, and end."""
    log.warning(
        "worker (pid %d) refused to gracefully stop within %d s: it is ended; its threads:",
        os.getpid(),
        GRACE_SECONDS,
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    faulthandler.dump_traceback(all_threads=True)
    os._exit(1)


# --- metrics across processes (timetracker.metrics, when present) ------------------------------
# The Prometheus counters of several processes live in files of one directory, chosen in the
# first process before the app is built; a worker's live gauges are dropped when it exits.


def _prepare_metrics() -> str | None:
    """In the first process, before the app is built and any worker started: the directory."""
    try:
        import timetracker.metrics as metrics
    except ImportError:
        return None
    directory = tempfile.mkdtemp(prefix="timetracker-metrics-")
    metrics.prepare_multiprocess(directory)
    return directory


def _forget_worker_metrics() -> None:
    """In a worker that is ending: its live gauges (connections checked out, pool size) stop
    counting; its counters and histograms stay in the sums."""
    try:
        import timetracker.metrics as metrics
    except ImportError:
        return
    if metrics.multiprocess_dir() is not None:
        with contextlib.suppress(OSError):
            metrics.child_exit(os.getpid())
