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
import subprocess
import time
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
