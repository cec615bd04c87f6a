"""HTTP for REST hooks: signing a delivery, and POSTing it over keep-alive connections to
checked addresses, within a deadline for the whole delivery.

A socket's time-out bounds each read, not the request: a receiver that sends a byte now and
then would hold a delivery (and its thread) for as long as it likes. So every delivery has a
deadline (connecting, sending and the whole answer), and :class:`Deadlines` shuts the sockets
of a delivery that reaches it, which ends whatever read or write is waiting on them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from timetracker.services.hook_targets import DEFAULT_PORTS, REFUSED, TargetRefused, Targets


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Timetracker-Signature``: an HMAC-SHA256 of ``"<timestamp>.<body>"``, so a
    receiver that checks the timestamp's age also refuses a replayed delivery."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@dataclass
class Attempt:
    status: int | None
    error: str | None
    duration_ms: int
    refused: bool = False  # the target's address may not be reached

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Watch:
    """One delivery's deadline and the sockets it uses (see :class:`Deadlines`)."""

    def __init__(self, deadlines: Deadlines, deadline: float):
        self._deadlines = deadlines
        self.deadline = deadline
        self.sockets: list[socket.socket] = []
        self.expired = False

    def add(self, sock: socket.socket | None) -> None:
        """Watch ``sock`` too; a socket added after the deadline is shut at once."""
        if sock is None:
            return
        with self._deadlines.changed:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def __enter__(self) -> Watch:
        self._deadlines.start(self)
        return self

    def __exit__(self, *exc) -> None:
        self._deadlines.end(self)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: it wakes a read or write blocked on the
    # socket in another thread (closing it from here would not, and could hit a reused fd).
    with contextlib.suppress(OSError):  # already closed, or not connected yet
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Deadlines:
    """One thread that shuts the sockets of deliveries past their deadline."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self._watches: set[Watch] = set()
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(self, seconds: float) -> Watch:
        return Watch(self, time.monotonic() + seconds)

    def start(self, watch: Watch) -> None:
        with self.changed:
            self._watches.add(watch)
            if self._thread is None:
                self._closed = False
                self._thread = threading.Thread(
                    target=self._run, name="hook-deadlines", daemon=True
                )
                self._thread.start()
            self.changed.notify()

    def end(self, watch: Watch) -> None:
        """The delivery is over: its sockets are its own again (one may be kept alive)."""
        with self.changed:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self.changed:
            while not self._closed:
                now = time.monotonic()
                for watch in [w for w in self._watches if w.deadline <= now]:
                    watch.expired = True
                    self._watches.discard(watch)
                    for sock in watch.sockets:
                        _shut(sock)
                soonest = min((w.deadline for w in self._watches), default=None)
                self.changed.wait(None if soonest is None else max(soonest - now, 0.001))

    def close(self) -> None:
        with self.changed:
            self._closed = True
            thread, self._thread = self._thread, None
            self.changed.notify()
        if thread is not None:
            thread.join()


class _CheckedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address the target rules allow, found by one lookup."""

    def __init__(self, host: str, port: int, opener):
        super().__init__(host, port)
        self._open = opener

    def connect(self) -> None:
        self.sock = self._open(self.host, self.port)


class _CheckedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address; SNI and the certificate check use the URL's host name."""

    def __init__(self, host: str, port: int, opener, context: ssl.SSLContext):
        super().__init__(host, port, context=context)
        self._open = opener
        self._tls = context

    def connect(self) -> None:
        sock = self._open(self.host, self.port)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class Connections:
    """Keep-alive connections to the receivers, by scheme, host and port: a busy subscription
    gets several requests a second, and a new connection for each would cost both sides more
    than the request. Redirects are not followed (they could lead past the target rules).

    ``timeout``: seconds a whole delivery may take. ``ssl_context``: the certificates trusted
    (the system's by default)."""

    MAX_IDLE = 8  # per receiver

    def __init__(
        self,
        timeout: float,
        targets: Targets | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.timeout = timeout
        self.targets = targets or Targets()
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.deadlines = Deadlines()
        self._idle: dict[tuple, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Attempt:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        key = (parts.scheme, parts.hostname, port)
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        started = time.monotonic()
        with self.deadlines.watch(self.timeout) as watch:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            reused = connection is not None
            while True:
                if connection is None:
                    connection = self._connection(parts.scheme, parts.hostname, port, watch)
                elif connection.sock is not None:
                    watch.add(connection.sock)
                    connection.sock.settimeout(max(watch.remaining(), 0.001))
                try:
                    connection.request("POST", path, body=body, headers=dict(headers))
                    response = connection.getresponse()
                    response.read(65536)
                except TargetRefused:
                    connection.close()
                    return Attempt(None, REFUSED, self._ms(started), refused=True)
                except (http.client.RemoteDisconnected, ConnectionError) as exc:
                    connection.close()
                    if reused and not watch.expired:
                        # The receiver closed an idle connection: once more, on a new one.
                        connection, reused = None, False
                        continue
                    return self._failed(exc, started, watch)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    connection.close()
                    return self._failed(exc, started, watch)
                break
        if response.isclosed() and not response.will_close:
            with self._lock:
                idle = self._idle.setdefault(key, [])
                if len(idle) < self.MAX_IDLE:
                    idle.append(connection)
                    connection = None
        if connection is not None:
            connection.close()
        status = response.status
        error = None if 200 <= status < 300 else f"HTTP {status} {response.reason}"[:500]
        return Attempt(status, error, self._ms(started))

    def _connection(self, scheme: str, host: str, port: int, watch: Watch):
        def opener(host: str, port: int) -> socket.socket:
            return self._open(scheme, host, port, watch)

        if scheme == "https":
            return _CheckedHTTPS(host, port, opener, self.ssl_context)
        return _CheckedHTTP(host, port, opener)

    def _open(self, scheme: str, host: str, port: int, watch: Watch) -> socket.socket:
        """A socket connected to the first address of ``host`` the rules allow."""
        error: OSError | None = None
        for family, sockaddr in self.targets.addresses(scheme, host, port, watch.remaining()):
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                watch.add(sock)
                sock.settimeout(max(watch.remaining(), 0.001))
                sock.connect(sockaddr)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError("no address to connect to")

    def _failed(self, exc: Exception, started: float, watch: Watch) -> Attempt:
        if watch.expired or watch.remaining() <= 0:
            error = f"Timed out: no whole answer within {self.timeout:g} s"
        else:
            error = f"{type(exc).__name__}: {exc}"[:500]
        return Attempt(None, error, self._ms(started))

    @staticmethod
    def _ms(started: float) -> int:
        return int((time.monotonic() - started) * 1000)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connection in (c for group in idle.values() for c in group):
            connection.close()
        self.deadlines.close()
