"""One server process: the app under waitress, with the threads sharing requests as
:class:`SpilloverDispatcher` says, a deadline for request heads, and a graceful stop on SIGTERM
(:class:`GracefulWaitress`). See ``timetracker.serving`` for what the server promises.

Waitress documents only ``serve`` and its settings; what is done here reaches into its modules:
``create_server``'s ``_dispatcher`` keyword, the threads of ``ThreadedTaskDispatcher`` (its
``handler_thread`` loop, ``lock``, ``queue``, ``queue_cv``, ``threads``, ``stop_count``),
``HTTPChannel`` and ``HTTPRequestParser`` (``parser_class``, ``requests``, ``request``,
``will_close``, ...), the server's ``adj`` and ``wasyncore``'s loop and ``file_dispatcher``.
Hence the upper bound on waitress in pyproject.toml; ``tests/test_library_internals.py`` names
what a newer release no longer has, ``tests/test_connections.py`` whether it still behaves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ThreadedTaskDispatcher

from timetracker.serving import GRACE_SECONDS, HEAD_BYTES_MAX, CannotListen, listen_problem

log = logging.getLogger(__name__)


def run_waitress(app: Flask, host: str, port: int, threads: int, on_listen: Callable) -> None:
    """Serve ``app`` with waitress until SIGTERM (graceful) or Ctrl-C; ``on_listen()`` once the
    socket listens."""
    import waitress

    from timetracker.services.hook_delivery import start_for

    # Waitress's documented API is ``serve`` and its settings; the loop, the socket map and the
    # threads are reached here through its modules (pinned in pyproject.toml, checked by
    # tests/test_library_internals.py). ``map`` is our own socket map, so the loop and the
    # graceful stop never read the server's; ``_dispatcher`` (waitress's test hook, the one way
    # to give it other threads) is kept: no public way to share requests between threads.
    socket_map: dict = {}
    dispatcher = SpilloverDispatcher()
    try:
        server = waitress.create_server(
            app,
            map=socket_map,
            host=host,
            port=port,
            threads=threads,
            ident="timetracker",
            connection_limit=app.config["CONNECTION_LIMIT"],
            max_request_header_size=HEAD_BYTES_MAX,
            _dispatcher=dispatcher,
        )
    except OSError as exc:
        raise CannotListen(listen_problem(exc)) from None
    dispatcher.set_thread_count(threads)  # (waitress starts only the threads of its own)
    on_listen()
    server.print_listen("Serving on http://{}:{}")
    deliverer = start_for(app)
    try:
        # The deliverer stops starting rounds with SIGTERM, so that its deliveries under way
        # end (by their deadline) while the requests are answered, not after.
        GracefulWaitress(
            server,
            socket_map,
            dispatcher,
            app.config["HEADER_TIMEOUT"],
            on_stopping=deliverer.begin_stop,
        ).run()
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


class HeadTimedChannel(HTTPChannel):
    """Waitress's connection, noting since when it has waited for a request head:
    ``waiting_since`` (``time.monotonic()``), or None from the moment a head has arrived.

    :class:`GracefulWaitress` closes a connection that has waited too long, and starts the wait
    again once the connection is idle after its answer."""

    def __init__(self, server, sock, addr, adj, map=None):
        self.waiting_since: float | None = time.monotonic()
        super().__init__(server, sock, addr, adj, map)

    def parser_class(self, adj) -> HTTPRequestParser:
        """The parser of the next request (waitress asks for one with ``parser_class(adj)``)."""
        return _HeadNoticingParser(adj, self)


class _HeadNoticingParser(HTTPRequestParser):
    """Waitress's request parser, telling its connection when the request's head is in."""

    def __init__(self, adj, channel: HeadTimedChannel):
        super().__init__(adj)
        self.channel = channel

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        # Blank lines between requests are allowed and skipped: they do not count as a head.
        if self.headers_finished and not self.empty:
            self.channel.waiting_since = None
        return consumed


HEAD_CHECK_SECONDS = 0.25  # how often the loop looks for connections late with their head
STOP_HEAD_SECONDS = 2  # as gunicorn's STOP_KEEPALIVE_LINGER


class GracefulWaitress:
    """Waitress's loop, with a graceful stop on SIGTERM (waitress has none of its own), and a
    deadline for request heads (waitress has none either: its ``channel_timeout`` closes a
    connection only after that long without a single byte, 120 s by default, so a byte now and
    then keeps one open for ever).

    The signal only sets a flag and, through ``signal.set_wakeup_fd``, wakes the loop's
    ``select``: everything else happens between two rounds of the loop, never in the middle of
    one."""

    def __init__(
        self,
        server,
        socket_map: dict,
        dispatcher: ThreadedTaskDispatcher,
        header_timeout: float,
        on_stopping: Callable[[], None] | None = None,
    ):
        from waitress import wasyncore

        self.on_stopping = on_stopping
        self.map = socket_map  # the one given to ``create_server``: every socket of its loop
        self.dispatcher = dispatcher
        self.adj = server.adj
        self.wasyncore = wasyncore
        self.channel_class = HTTPChannel
        self.header_timeout = header_timeout
        self.next_head_check = 0.0
        self.stopping = False
        for listener in self._listeners():
            listener.channel_class = HeadTimedChannel

    def run(self) -> None:
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        _waker(wake_read, self.map)
        # Waitress counts every socket of its loop toward the limit: its listening sockets,
        # its trigger and the waker are not connections.
        self.adj.connection_limit += len(self.map)
        previous_fd = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            while not self.stopping:
                self._round(self.adj.asyncore_loop_timeout)
                self._close_late_heads()
            print("SIGTERM: finishing the requests in progress", file=sys.stderr, flush=True)
            if self.on_stopping is not None:
                self.on_stopping()
            self._drain(time.monotonic() + GRACE_SECONDS)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.set_wakeup_fd(previous_fd)
            self.dispatcher.shutdown()  # its threads end
            self.wasyncore.close_all(self.map)  # every socket closes, the waker's pipe too
            os.close(wake_write)

    def _on_sigterm(self, _signum, _frame) -> None:
        self.stopping = True

    def _round(self, timeout: float) -> None:
        use_poll = self.adj.asyncore_use_poll
        self.wasyncore.loop(timeout=timeout, map=self.map, use_poll=use_poll, count=1)

    def _close_late_heads(self) -> None:
        """Close the connections that have waited longer than ``header_timeout`` for a request
        head; start the wait of those idle since their answer. (At most every
        ``HEAD_CHECK_SECONDS``: a round of the loop can be much shorter.)"""
        now = time.monotonic()
        if now < self.next_head_check:
            return
        self.next_head_check = now + HEAD_CHECK_SECONDS
        for channel in self._channels():
            if (
                channel.requests  # being answered, or queued to be
                or channel.total_outbufs_len  # an answer still being sent
                or channel.will_close
                or channel.close_when_flushed
                or (channel.request is not None and channel.request.headers_finished)
            ):
                continue
            if channel.waiting_since is None:
                channel.waiting_since = now  # idle since its answer: the next head's wait
            elif now - channel.waiting_since >= self.header_timeout:
                channel.will_close = True  # closed by the next round

    def _channels(self) -> list:
        return [c for c in list(self.map.values()) if isinstance(c, self.channel_class)]

    def _drain(self, deadline: float) -> None:
        """Refuse new connections; answer what was received; close each connection once it is
        idle; return when none is left (or at ``deadline``)."""
        for listener in self._listeners():
            listener.accepting = False
            listener.del_channel()
            listener.socket.close()  # new connections are refused from here on
        # A head still arriving gets STOP_HEAD_SECONDS more at most (as under gunicorn).
        latest_start = time.monotonic() + STOP_HEAD_SECONDS - self.header_timeout
        for channel in self._channels():
            # Read on only to complete a request already begun, never to start another one.
            channel.readable = _finishing_readable(channel)
            if channel.waiting_since is not None:
                channel.waiting_since = min(channel.waiting_since, latest_start)
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
            self._close_late_heads()  # (heads still arriving, by their shortened deadline)
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
