"""Running the server: one waitress process (the default), or several gunicorn processes sharing
one port; both stop gracefully on SIGTERM.

The app is built once, in the first process, before anything else: that migrates the database
and creates the first administrator exactly once, however many processes follow. Gunicorn then
forks its workers from it (``preload_app``); each worker drops the connections it inherited
(a connection shared by two processes corrupts both sides) and opens its own, and starts its
own REST hooks deliverer.

The deliverer runs in every worker on every database. PostgreSQL claims subscriptions with
``FOR UPDATE SKIP LOCKED``, so the workers share the work. On SQLite a claim is a write
transaction (``BEGIN IMMEDIATE``) that re-reads what is due under the database's single write
lock, so two workers never claim the same subscription either; an idle deliverer costs one
cheap read every 200 ms.

SIGTERM: no new connections are accepted (the listening socket closes at once, so clients are
refused rather than queued), requests already received are answered in full (their
transactions commit or roll back as usual), idle keep-alive connections are closed, the hook
deliverers write their last outcomes, and the process exits 0. A request still running after
:data:`GRACE_SECONDS` is cut off. The hook deliverers start no new deliveries from the signal
on, and a delivery under way ends by its deadline (``TIMETRACKER_HOOK_TIMEOUT``, at most 20 s),
so a receiver that never answers does not hold the stop. Ctrl-C (SIGINT) stops at once.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger(__name__)

GRACE_SECONDS = 30  # as gunicorn's graceful_timeout


def serve(
    build_app: Callable[[], Flask],
    host: str,
    port: int,
    threads: int,
    workers: int,
    on_listen: Callable[[], None],
) -> None:
    """Build the app (migrating the database once) and serve it: with waitress in this process
    for one worker, with gunicorn for several. ``on_listen()`` once the address is taken."""
    if workers == 1:
        app = build_app()
        freeze_heap()
        run_waitress(app, host, port, threads, on_listen)
        return
    from timetracker import gunicorn_server

    check_address(host, port)
    gunicorn_server.prepare_metrics()  # before the app creates any metric
    app = build_app()
    # Nothing the workers inherit may hold a database connection: let them open their own.
    app.extensions["timetracker"]["engine"].dispose()
    freeze_heap()  # (the workers share its pages until they write to them)
    on_listen()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    gunicorn_server.GunicornServer(app, bind=bind, workers=workers, threads=threads).run()


def freeze_heap() -> None:
    """Leave what the server holds for its whole life (modules, the app, its routes, schemas
    and statements) out of the garbage collector's rounds from now on.

    Python's collector walks every object it tracks in each full round, and a request makes
    enough short-lived objects to start rounds often: without this a batch of time-track
    PATCHes ran about 10% slower (``bench/README.md``). What is garbage now is collected
    first, so nothing is kept that would have been freed."""
    gc.collect()
    gc.freeze()


class CannotListen(Exception):
    """The address cannot be listened on; the message says why."""


def multiprocess_problem(config: dict[str, Any], workers: int) -> str | None:
    """Why ``workers`` processes cannot share this configuration, or None.

    The throttle and the login ban count in the rate limiter's storage; in memory, every process
    would keep its own counters and the limits would silently multiply by the processes."""
    if workers <= 1:
        return None
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return f"--workers {workers} needs gunicorn, which runs on Unix only (pip install gunicorn)"
    if config["RATELIMIT_STORAGE"].partition("://")[0].lower() == "memory":
        return (
            f"--workers {workers} needs the rate limits shared between processes: set "
            "TIMETRACKER_RATELIMIT_STORAGE to a Redis URL (e.g. redis://127.0.0.1:6379)"
        )
    return None


def check_address(host: str, port: int) -> None:
    """Raise CannotListen unless ``host:port`` is free, before any process is started."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CannotListen(_reason(exc)) from None


def _reason(exc: OSError) -> str:
    return "the address is already in use" if exc.errno == errno.EADDRINUSE else str(exc)


# --- one process: waitress ------------------------------------------------------------------


def run_waitress(app: Flask, host: str, port: int, threads: int, on_listen: Callable) -> None:
    """Serve ``app`` with waitress until SIGTERM (graceful) or Ctrl-C; ``on_listen()`` once the
    socket listens."""
    import waitress

    from timetracker.services.hook_delivery import start_for

    dispatcher = SpilloverDispatcher()
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=threads, ident="timetracker", _dispatcher=dispatcher
        )
    except OSError as exc:
        raise CannotListen(_reason(exc)) from None
    dispatcher.set_thread_count(threads)  # (waitress starts only the threads of its own)
    on_listen()
    server.print_listen("Serving on http://{}:{}")
    deliverer = start_for(app)
    try:
        # The deliverer stops starting rounds with SIGTERM, so that its deliveries under way
        # end (by their deadline) while the requests are answered, not after.
        GracefulWaitress(server, on_stopping=deliverer.begin_stop).run()
    finally:
        deliverer.stop()


SPILL_SECONDS = 0.02


class SpilloverDispatcher(ThreadedTaskDispatcher):
    """Waitress's threads, answering requests on one thread at a time while they are quick.

    Python runs one thread at a time. Waitress gives every request that arrives to an idle
    thread, so under load each thread holds a request and they take turns: every database
    call and socket write of one hands the interpreter to another, a wake-up on another CPU
    each time. On 2 CPUs under load, an authenticated GET cost the server 1100-1200 us of CPU
    that way against 730-800 us here, and 1.4-1.5 times as many were answered per second here
    (``bench/bench_serve.py``, ``bench/README.md``).

    Here a request waits for the thread already running one, which takes it next, unless
    every request running has run for ``spill_seconds`` (a long export, a request queued for
    SQLite's write lock): then another thread takes it. A quick request waits at most about
    that long behind slow ones, and slow requests still run side by side, each on a thread.

    One idle thread stands by while a request runs, waking when the running requests turn
    slow; the others sleep until a request arrives with no thread running or standing by.
    (Waitress's ``active_count`` feeds only its own ``add_task``, replaced here by
    ``running``.)
    """

    def __init__(self, spill_seconds: float = SPILL_SECONDS):
        super().__init__()
        self.spill_seconds = spill_seconds
        self.running: dict[int, float] = {}  # thread number -> when its request began
        self.standing_by = 0

    def _wait_before_taking(self) -> float:
        """Seconds until a new request may start on one more thread (0 or less: now)."""
        if not self.running:
            return 0.0
        return self.spill_seconds - (time.monotonic() - max(self.running.values()))

    def handler_thread(self, thread_no: int) -> None:
        while True:
            with self.lock:
                while self.stop_count == 0:
                    if not self.queue:
                        self.queue_cv.wait()
                        continue
                    wait = self._wait_before_taking()
                    if wait <= 0:
                        break
                    self.standing_by += 1
                    self.queue_cv.wait(wait)
                    self.standing_by -= 1
                if self.stop_count > 0:  # as waitress: this thread ends
                    self.stop_count -= 1
                    self.threads.discard(thread_no)
                    self.thread_exit_cv.notify()
                    return
                task = self.queue.popleft()
                self.running[thread_no] = time.monotonic()
                if self.queue and not self.standing_by:
                    self.queue_cv.notify()  # a thread to watch the requests still waiting
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)
            finally:
                with self.lock:
                    del self.running[thread_no]

    def add_task(self, task) -> None:
        with self.lock:
            self.queue.append(task)
            if not self.running or not self.standing_by:
                self.queue_cv.notify()  # a thread to run it, or one to stand by
            # As waitress, a warning when requests wait with no thread left to take them;
            # waiting for the running thread, while others are free, is by design.
            if len(self.running) >= len(self.threads) - self.stop_count:
                self.queue_logger.warning("Task queue depth is %d", len(self.queue))


class GracefulWaitress:
    """Waitress's loop, with a graceful stop on SIGTERM (waitress has none of its own).

    The signal only sets a flag and, through ``signal.set_wakeup_fd``, wakes the loop's
    ``select``: everything else happens between two rounds of the loop, never in the middle of
    one."""

    def __init__(self, server, on_stopping: Callable[[], None] | None = None):
        from waitress import wasyncore
        from waitress.channel import HTTPChannel

        self.server = server
        self.on_stopping = on_stopping
        self.map = server._map if hasattr(server, "_map") else server.map
        self.adj = server.adj
        self.wasyncore = wasyncore
        self.channel_class = HTTPChannel
        self.stopping = False

    def run(self) -> None:
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        _waker(wake_read, self.map)
        previous_fd = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            while not self.stopping:
                self._round(self.adj.asyncore_loop_timeout)
            print("SIGTERM: finishing the requests in progress", file=sys.stderr, flush=True)
            if self.on_stopping is not None:
                self.on_stopping()
            self._drain(time.monotonic() + GRACE_SECONDS)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.set_wakeup_fd(previous_fd)
            self.server.task_dispatcher.shutdown()  # its threads end
            self.wasyncore.close_all(self.map)  # every socket closes, the waker's pipe too
            os.close(wake_write)

    def _on_sigterm(self, _signum, _frame) -> None:
        self.stopping = True

    def _round(self, timeout: float) -> None:
        use_poll = self.adj.asyncore_use_poll
        self.wasyncore.loop(timeout=timeout, map=self.map, use_poll=use_poll, count=1)

    def _channels(self) -> list:
        return [c for c in list(self.map.values()) if isinstance(c, self.channel_class)]

    def _drain(self, deadline: float) -> None:
        """Refuse new connections; answer what was received; close each connection once it is
        idle; return when none is left (or at ``deadline``)."""
        for listener in self._listeners():
            listener.accepting = False
            listener.del_channel()
            listener.socket.close()  # new connections are refused from here on
        for channel in self._channels():
            # Read on only to complete a request already begun, never to start another one.
            channel.readable = _finishing_readable(channel)
        while time.monotonic() < deadline:
            busy = False
            for channel in self._channels():
                if channel.requests or channel.total_outbufs_len or channel.request is not None:
                    busy = True
                elif not channel.will_close:
                    channel.will_close = True  # idle: closed by the next round
            if not busy and not self._channels():
                return
            self._round(0.05)
        log.warning("stopping with requests still running after %s s", GRACE_SECONDS)

    def _listeners(self) -> list:
        from waitress.server import BaseWSGIServer

        return [d for d in list(self.map.values()) if isinstance(d, BaseWSGIServer)]


def _finishing_readable(channel) -> Callable[[], bool]:
    readable = type(channel).readable
    return lambda: channel.request is not None and readable(channel)


def _waker(fd: int, socket_map: dict) -> None:
    """The read end of the signal wake-up pipe in waitress's loop: a signal ends its
    ``select``."""
    from waitress import wasyncore

    class Waker(wasyncore.file_dispatcher):
        def readable(self):
            return True

        def writable(self):
            return False

        def handle_read(self):
            with contextlib.suppress(OSError):  # nothing more to read
                self.recv(512)

    Waker(fd, map=socket_map)
    os.close(fd)  # the dispatcher reads its own duplicate
