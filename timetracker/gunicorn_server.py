"""Several server processes: the app under gunicorn, with threaded workers (``gthread``).

The app comes built (the database readied: migrated, the first administrator created) from the
first process, which becomes gunicorn's master and forks the workers from it (``preload_app``).
Each worker, right after the fork, forgets the database connections it inherited and opens its
own, starts its own REST hooks deliverer, and stops it (writing its last outcomes) when it
exits. See ``timetracker.serving`` for why the deliverer runs in every worker and how SIGTERM stops.

gunicorn runs on Unix only; ``timetracker serve --workers 1`` (waitress) needs none of this.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import selectors
import shutil
import tempfile
import time
from functools import partial
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

from timetracker.serving import GRACE_SECONDS, HEAD_BYTES_MAX

TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
)


class GunicornServer(BaseApplication):
    """Gunicorn serving ``app``; ``options`` are gunicorn settings (bind, workers, threads).

    The app's ``CONNECTION_LIMIT`` is each worker's ``worker_connections``, and its
    ``HEADER_TIMEOUT`` the ``keepalive``: how long a connection may wait, after its opening or
    its previous answer, until its next request head has arrived (see
    :class:`GracefulThreadWorker`)."""

    def __init__(self, app: Flask, **options: Any):
        self.app = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        settings = {
            **self.options,
            "worker_class": GracefulThreadWorker,
            "preload_app": True,
            "worker_connections": self.app.config["CONNECTION_LIMIT"],
            "keepalive": self.app.config["HEADER_TIMEOUT"],
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
    """Gunicorn's threaded worker, reading request heads in its event loop, and closing its
    listening sockets as soon as SIGTERM arrives.

    Heads: gunicorn's worker gives a connection to a thread as soon as it has a byte to read,
    and the thread reads the head until it is whole, without a deadline (a silent new
    connection holds one for 5 s, too). A client sending a byte now and then held a thread for
    as long as it liked; a few such clients held them all, and nothing else was answered. Here
    the worker's event loop reads each head into memory, as waitress does, and gives the
    connection to a thread once the head is whole; a connection whose head is not whole
    ``keepalive`` seconds after its opening or its previous answer is closed. (The loop also
    closes idle keep-alive connections after ``keepalive``, as gunicorn's does.) A head larger
    than :data:`HEAD_BYTES_MAX` is answered 431.

    Listening sockets: gunicorn's own worker stops accepting but keeps them open until its last
    request is done, so meanwhile new connections wait in the queue, to be reset at the end.
    Closed at once by every worker (the master closes its own), the port refuses them, as it
    does under waitress."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.heads_arriving: list[TConn] = []  # in the order of their deadlines

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
        # A head still arriving gets no longer than an idle keep-alive connection does now.
        # (One deadline for all keeps them in order.)
        latest = time.monotonic() + STOP_KEEPALIVE_LINGER
        for conn in self.heads_arriving:
            conn.head_deadline = min(conn.head_deadline, latest)

    # --- request heads, read by the event loop (every method here runs on its thread) ------

    def enqueue_req(self, conn: TConn) -> None:
        """Read the connection's next request head, then give the connection to a thread.

        Gunicorn calls this for a new connection, for a kept-alive one that turned readable,
        and for one whose previous request was followed by more bytes already read."""
        cfg = self.cfg
        plain_http1 = cfg.protocol == "http" and cfg.http2_cleartext == "off"
        if cfg.is_ssl or cfg.proxy_protocol != "off" or not plain_http1:
            # The first bytes are not an HTTP/1 head (never so as the server is configured).
            super().enqueue_req(conn)
            return
        now = time.monotonic()
        # A kept-alive connection's wait began with its previous answer: gunicorn set
        # ``timeout`` then, to close it ``keepalive`` seconds later.
        conn.head_deadline = conn.timeout if conn.timeout is not None else now + self.cfg.keepalive
        conn.timeout = None
        conn.head = bytearray()
        if not self._head_done(conn, conn.parser.unreader.take_buffered() if conn.parser else b""):
            conn.sock.setblocking(False)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))
            bisect.insort(self.heads_arriving, conn, key=_deadline)

    def _read_head(self, conn: TConn, _sock) -> None:
        try:
            data = conn.sock.recv(8192)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            if exc.errno not in (errno.ECONNRESET, errno.ENOTCONN, errno.EPIPE):
                self.log.debug("reading a request head: %s", exc)
            data = b""
        if not data:  # the client has gone
            self._forget_head(conn)
            self._close(conn)
            return
        self._head_done(conn, data)

    def _head_done(self, conn: TConn, data: bytes) -> bool:
        """Add ``data`` to the head; give the connection to a thread if its head is whole (see
        :meth:`handle`), or answer 431 and close it if the head is too large; whether either
        was done."""
        head = conn.head
        seen = len(head)
        head += data
        if head[:1] in (b"\r", b"\n"):  # (only before a request begins: cheap after)
            # Blank lines before a request are skipped, as gunicorn's parser does.
            del head[: len(head) - len(head.lstrip(b"\r\n"))]
            seen = 0
        # The head ends with a blank line; the bytes before ``seen`` were looked at already.
        start = max(seen - 3, 0)
        ends = [
            at + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (at := head.find(mark, start)) >= 0
        ]
        end = min(ends, default=-1)
        if end < 0 and len(head) <= HEAD_BYTES_MAX:
            return False
        self._forget_head(conn)
        if 0 <= end <= HEAD_BYTES_MAX:
            conn.data_ready = True  # no thread waits for its first bytes
            super().enqueue_req(conn)
        else:
            with contextlib.suppress(OSError):  # (the client may be gone)
                conn.sock.send(TOO_LARGE)
            self._close(conn)
        return True

    def _forget_head(self, conn: TConn) -> None:
        """The loop no longer reads the connection's head."""
        if conn in self.heads_arriving:
            self.poller.unregister(conn.sock)
            self.heads_arriving.remove(conn)

    def _close(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.head = None
        conn.close()

    def handle(self, conn: TConn):
        """In a thread: put the head read by the loop back in front of the connection's bytes,
        then let gunicorn parse and answer the request."""
        head, conn.head = getattr(conn, "head", None), None
        if head is not None:
            conn.sock.setblocking(True)
            conn.init()  # (its parser, for a new connection)
            conn.parser.unreader.unread(bytes(head))
        return super().handle(conn)

    def murder_pending(self) -> None:
        """Close the connections whose head has not arrived in time (gunicorn's loop calls
        this once a round, when stopping too)."""
        super().murder_pending()
        now = time.monotonic()
        while self.heads_arriving and self.heads_arriving[0].head_deadline <= now:
            conn = self.heads_arriving[0]
            self._forget_head(conn)
            self._close(conn)


def _deadline(conn: TConn) -> float:
    return conn.head_deadline


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
