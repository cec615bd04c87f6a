"""`timetracker serve` as a real process (with --workers too), and which process answered what.

Every access log line names the request id and the process id (`... id=RID pid=PID`); a request
sent with its own `X-Request-Id` is therefore found in the log with the process that served it.
A keep-alive connection stays with the worker that accepted it, so a connection whose first
request was served by a worker is a way to talk to that worker.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import re
import select
import socket
import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests import test_server

LOG_LINE = re.compile(r"^(\S+) (\S+) (\d{3}) \S+ user=(\S+) id=(\S+) pid=(\d+)$")
_ids = itertools.count(1)


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)  # standard error, line by line

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Until the server has written ``text`` to its standard error."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output()}"
            time.sleep(0.05)

    def served_once(self, ready, timeout: float = 10) -> list[dict]:
        """The access log once ``ready(entries)`` holds: a request's line is written after its
        answer has gone, so a client may read the answer before the server logged it."""
        deadline = time.monotonic() + timeout
        while not ready(entries := self.served()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return entries

    def served(self) -> list[dict]:
        """The access log so far: method, path, status, user, id and pid of each request."""
        entries = []
        for line in list(self.lines):
            match = LOG_LINE.match(line.rstrip("\n"))
            if match:
                method, path, status, user, rid, pid = match.groups()
                entries.append(
                    {
                        "method": method,
                        "path": path,
                        "status": int(status),
                        "user": user,
                        "id": rid,
                        "pid": int(pid),
                    }  # fmt: skip
                )
        return entries

    def pid_of(self, request_id: str, timeout: float = 30) -> int:
        """The process that served ``request_id``, once its log line is written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.served():
                if entry["id"] == request_id:
                    return entry["pid"]
            time.sleep(0.01)
        raise AssertionError(f"no log line for request {request_id}:\n{self.output()}")

    def connections(self, per_worker: int, workers: int = 2) -> dict[int, list[Connection]]:
        """``per_worker`` keep-alive connections to each of ``workers`` processes, by pid."""
        found: dict[int, list[Connection]] = {}
        for _ in range(500):
            conn = Connection(self.port)
            status, _, _, rid = conn.call("GET", "/api/v1/health")
            assert status == 200
            mine = found.setdefault(self.pid_of(rid), [])
            if len(mine) < per_worker:
                mine.append(conn)
            else:
                conn.close()
            if len(found) == workers and all(len(c) == per_worker for c in found.values()):
                return found
        raise AssertionError(f"connections reached only {sorted(found)}")


class Connection:
    """One keep-alive HTTP connection."""

    def __init__(self, port: int):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body=None, auth=None):
        """Send one request; (status, headers, parsed JSON or None, request id)."""
        rid = f"test-{next(_ids)}-{time.time_ns()}"
        headers = {"X-Request-Id": rid}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            token = base64.b64encode(":".join(auth).encode()).decode()
            headers["Authorization"] = "Basic " + token
        self.http.request(method, path, body=data, headers=headers)
        response = self.http.getresponse()
        raw = response.read()
        parsed = (
            json.loads(raw) if raw and "json" in response.headers.get("Content-Type", "") else None
        )
        return response.status, response.headers, parsed, rid

    def close(self) -> None:
        self.http.close()


@contextmanager
def serve(database_url: str, env: dict[str, str], *args: str):
    """Run `python -m timetracker serve --db database_url ARGS` until the block ends (then
    SIGTERM, as a service manager stops it); yield the Server once it answers."""
    with test_server.serve(database_url, env, *args, timeout=60) as (port, lines, process):
        yield Server(port, process, lines)


class SlowClients:
    """``count`` connections held open against the server at ``port`` without ever sending a
    whole request head, in turn: one sends nothing; one sends a head a byte at a time, never
    ending it; one asks one request, then keeps the connection idle. A connection the server
    closes is opened again, as an attacker would. ``closed`` counts, by kind, the connections
    the server closed."""

    KINDS = ("silent", "trickling", "idle")
    TRICKLE = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

    def __init__(self, port: int, count: int):
        self.port = port
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.opened: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()
        self.threads = [
            threading.Thread(target=self._hold, args=(self.KINDS[n % 3],), daemon=True)
            for n in range(count)
        ]

    def __enter__(self) -> SlowClients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def wait_until_opened(self, timeout: float = 30) -> None:
        """Every one connected at least once (accepted by the server, or queued to be)."""
        deadline = time.monotonic() + timeout
        while sum(self.opened.values()) < len(self.threads):
            assert time.monotonic() < deadline, f"only {self.opened} connected"
            time.sleep(0.05)

    def _hold(self, kind: str) -> None:
        while not self.stopping.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            except OSError:  # the server is stopping: it refuses connections
                self.stopping.wait(0.1)
                continue
            with sock:
                with self.lock:
                    self.opened[kind] += 1
                if self._held_until_closed(sock, kind):
                    with self.lock:
                        self.closed[kind] += 1

    def _held_until_closed(self, sock: socket.socket, kind: str) -> bool:
        """Hold ``sock`` until the server closes it (True) or the clients stop (False)."""
        trickle = itertools.chain(self.TRICKLE, itertools.repeat(ord("a")))
        try:
            if kind == "idle":
                sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = http.client.HTTPResponse(sock)
                answer.begin()
                answer.read()
            while not self.stopping.is_set():
                readable, _, _ = select.select([sock], [], [], 0.2)
                if readable and not sock.recv(4096):
                    return True
                if kind == "trickling":
                    sock.sendall(bytes([next(trickle)]))
        except OSError:  # reset by the server
            return True
        return False
