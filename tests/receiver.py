"""REST hook receivers on loopback: a real HTTP(S) server in a thread that records what it gets
and answers the statuses it is told to; one that answers a byte at a time (:class:`Trickler`);
one that resets every connection (:class:`Resetter`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import select
import socket
import socketserver
import ssl
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def events(self) -> list[dict]:
        return json.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        """The README's check of a delivery's signature."""
        timestamp = self.headers["X-Timetracker-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(self.headers["X-Timetracker-Signature"], "sha256=" + expected)


@dataclass
class Receiver:
    """``statuses``: the answers to give, in order (then 200 for ever). ``tls``: serve HTTPS
    with this context (``server_names`` then records the SNI of each connection)."""

    statuses: list[int] = field(default_factory=list)
    port: int = 0
    tls: ssl.SSLContext | None = None
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    server_names: list[str | None] = field(default_factory=list)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.append(Received(self.path, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls is not None:
            self.tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @property
    def events(self) -> list[dict]:
        return [e for r in self.received for e in r.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _read_request(sock: socket.socket) -> None:
    """Read one HTTP request (its head and its Content-Length body) off ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return
        body += chunk


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Trickler:
    """A receiver that reads the request, then answers one byte every ``interval`` seconds: a
    status line and headers that never end (or, with ``limit``, end the connection after that
    many bytes). It counts the requests under way (``open``), the most at once (``most``), and
    those that ended before it was done sending (``cut``: the client gave up)."""

    ANSWER = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"." * 10_000

    def __init__(self, interval: float = 1.0, limit: int | None = None):
        self.interval = interval
        self.limit = limit
        self.open = self.most = self.accepted = self.cut = 0
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.started = threading.Condition(self.lock)
        trickler = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                trickler._serve(self.request)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self, sock: socket.socket) -> None:
        _read_request(sock)
        with self.lock:
            self.accepted += 1
            self.open += 1
            self.most = max(self.most, self.open)
            self.started.notify_all()
        try:
            answer = self.ANSWER[: self.limit] if self.limit else self.ANSWER
            for n in range(len(answer)):
                sock.sendall(answer[n : n + 1])
                readable, _, _ = select.select([sock], [], [], self.interval)
                if self.closing.is_set():
                    return
                if readable and not sock.recv(1):
                    raise ConnectionAbortedError  # the client closed the connection
            # The whole answer went out (then the connection closes): nothing was cut.
        except OSError:  # the client closed or reset the connection: it gave up
            with self.lock:
                self.cut += 1
        finally:
            with self.lock:
                self.open -= 1
                self.started.notify_all()

    def wait_for(self, predicate, timeout: float = 60) -> bool:
        """Wait until ``predicate(self)`` holds (the counters are read under the lock)."""
        with self.lock:
            return self.started.wait_for(lambda: predicate(self), timeout)

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


class Resetter:
    """A receiver that reads the request and resets the connection (TCP RST)."""

    def __init__(self):
        self.accepted = 0

        class Handler(socketserver.BaseRequestHandler):
            def handle(handler):
                _read_request(handler.request)
                self.accepted += 1
                handler.request.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
