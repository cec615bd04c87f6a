"""The real server: `timetracker serve` on 127.0.0.1, driven over HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

# Each test starts servers and waits on them: seconds to tens of seconds.
pytestmark = pytest.mark.long

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env["TIMETRACKER_RATELIMIT_STORAGE"] = os.environ.get(
        "TIMETRACKER_RATELIMIT_STORAGE", "memory://"
    )
    env["TIMETRACKER_RATELIMIT_KEY_PREFIX"] = f"server-test-{os.getpid()}-{time.time_ns()}"
    env.update(extra)
    return env


def request(port, path, method="GET", body=None, auth=None):
    """Send one request; return (status, headers, parsed JSON or None)."""
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, error.headers, json.loads(raw) if raw else None


def make_task(port: int, auth) -> dict:
    """A customer, a project and a task, made through the API; returns the task."""
    _, _, customer = request(port, "/api/v1/customers", "POST", {"name": "C"}, auth=auth)
    _, _, project = request(
        port, "/api/v1/projects", "POST", {"customerId": customer["id"], "name": "P"}, auth=auth
    )
    _, _, task = request(
        port, "/api/v1/tasks", "POST", {"projectId": project["id"], "name": "T"}, auth=auth
    )
    return task


def unthrottled_env() -> dict[str, str]:
    """A server whose only user is admin/pw and whose throttle these load tests never reach."""
    return server_env(
        TIMETRACKER_ADMIN_PASSWORD="pw",
        TIMETRACKER_RATELIMIT_PER_SECOND="100000",
        TIMETRACKER_RATELIMIT_PER_MINUTE="100000",
    )


@contextmanager
def serve(database_url: str, env: dict[str, str], *args: str, timeout: float = 30):
    """Run `python -m timetracker serve --threads 8 ARGS` until the block ends (then SIGTERM,
    as a service manager stops it); yield (port, stderr lines, process) once it answers.
    ``timeout``: for the start, and for the stop."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "timetracker",
            "serve",
            "--port",
            str(port),
            "--db",
            database_url,
            "--threads",
            "8",
            *args,
        ],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if request(port, "/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start:\n" + "".join(lines))
            time.sleep(0.1)
        yield port, lines, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=timeout)
        reader.join(timeout=10)  # every line it wrote is in ``lines``


def test_first_start_creates_admin_with_a_printed_password(database_url):
    with serve(database_url, server_env()) as (port, lines, _process):
        output = "".join(lines)
        match = re.search(r"'admin' with password: (\S+)", output)
        assert match, output
        # Where the data lives is said next to it (an absolute path for an SQLite file).
        if "://" not in database_url:
            assert f"Database: {Path(database_url).resolve()}\n" in output
        else:
            assert "Database: postgresql" in output
        password = match.group(1)
        status, headers, body = request(port, "/api/v1/customers", auth=("admin", password))
        assert (status, body["items"]) == (200, [])
        assert int(headers["X-Ratelimit-Remaining"]) == 99
        assert request(port, "/api/v1/customers")[0] == 401
        assert request(port, "/api/v1/customers", auth=("admin", "guess"))[0] == 401
    # A second start keeps the account and prints no password.
    with serve(database_url, server_env()) as (port, lines, _process):
        assert "password" not in "".join(lines)
        assert request(port, "/api/v1/customers", auth=("admin", password))[0] == 200


def test_concurrent_writes_all_succeed(database_url):
    """Eight clients creating customers at once: no 500, no 'database is locked'."""
    env = unthrottled_env()
    with serve(database_url, env) as (port, _lines, _process):
        statuses: list[int] = []

        def worker(n: int):
            for i in range(20):
                status, _, _ = request(
                    port,
                    "/api/v1/customers",
                    "POST",
                    {"name": f"Client {n}-{i}"},
                    auth=("admin", "pw"),
                )
                statuses.append(status)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 160
        _, _, body = request(port, "/api/v1/customers", auth=("admin", "pw"))
        assert len(body["items"]) == 160


def readme_curl_examples() -> list[tuple[str, int]]:
    text = (ROOT / "README.md").read_text()
    examples = []
    for line in text.splitlines():
        match = re.match(r"^((?:printf .*\| )?curl .*?)\s+#\s*(\d{3})$", line)
        if match:
            examples.append((match.group(1), int(match.group(2))))
    return examples


def readme_demo_commands() -> list[str]:
    """The commands of the README's demo section (its first bash block), in order."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Try it with the demo company", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_walkthrough(database_url, tmp_path):
    """The README read in order: the Quick start's first `timetracker serve` (which makes up the
    admin's password), then the demo section's commands, then every curl example answers as the
    README says."""
    examples = readme_curl_examples()
    assert len(examples) >= 10
    env = server_env(TIMETRACKER_DATABASE_URL=database_url)
    with serve(database_url, env) as (_port, lines, _process):  # the Quick start
        assert "'admin' with password:" in "".join(lines)
    commands = readme_demo_commands()
    assert commands[-1] == "timetracker serve", commands
    script = "\n".join(
        [f'timetracker() {{ "{sys.executable}" -m timetracker "$@"; }}', "set -e", *commands[:-1]]
    )
    demo = subprocess.run(
        ["bash", "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "3 customers, 5 projects, 13 tasks" in demo.stdout
    with serve(database_url, env) as (port, _lines, _process):
        for command, expected in examples:
            command = command.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
            result = subprocess.run(
                f"{command} -s -o /dev/null -w '%{{http_code}}'",
                shell=True,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.stdout == str(expected), (command, result.stdout, result.stderr)


def test_concurrent_deltas_to_one_record_all_count(database_url):
    """8 clients each send 200 "+1 minute" deltas to the same record at once. No update is lost
    and the 1440-minute day is enforced exactly: 1440 succeed, the other 160 are refused with
    api.error.day_limit_exceeded, and nothing answers 500 or "database is locked"."""
    env = unthrottled_env()
    auth = ("admin", "pw")
    with serve(database_url, env) as (port, lines, _process):
        task = make_task(port, auth)
        record = f"/api/v1/timetrack/admin/2025-03-04/{task['id']}"
        answers: list[tuple[int, str | None]] = []

        def worker():
            for _ in range(200):
                status, _, body = request(port, record + "/time", "PATCH", {"delta": 1}, auth=auth)
                answers.append((status, (body or {}).get("key")))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers.count((200, None)) == 1440
        assert answers.count((400, "api.error.day_limit_exceeded")) == 160
        assert request(port, record, auth=auth)[2] == {"taskId": task["id"], "time": 1440}
        assert "database is locked" not in "".join(lines)


def test_acknowledged_writes_survive_a_kill(database_url):
    """Writes stream in; the server dies by SIGKILL mid-stream; after a restart every write
    that was answered 200 is there, and the SQLite file passes its integrity check."""
    env = unthrottled_env()
    auth = ("admin", "pw")
    acknowledged: dict[str, int] = {}
    with serve(database_url, env) as (port, _lines, process):
        task = make_task(port, auth)

        def writer():
            day = dt.date(2024, 1, 1)
            for n in range(1, 100_000):
                try:
                    status, _, _ = request(
                        port,
                        f"/api/v1/timetrack/admin/{day}/{task['id']}",
                        "PATCH",
                        {"time": n % 1440 + 1},
                        auth=auth,
                    )
                except (OSError, http.client.HTTPException):
                    return  # the server is gone (possibly halfway through an answer)
                if status == 200:
                    acknowledged[day.isoformat()] = n % 1440 + 1
                day += dt.timedelta(days=1)

        thread = threading.Thread(target=writer)
        thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        thread.join(timeout=60)
    assert len(acknowledged) >= 100

    if "://" not in database_url:
        with sqlite3.connect(database_url) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with serve(database_url, env) as (port, _lines, _process):
        _, _, body = request(
            port, "/api/v1/timetrack?dateFrom=2024-01-01&stopAfter=1000", auth=auth
        )
        stored = {day["date"]: day["records"][0]["time"] for day in body["data"]}
        # Every acknowledged write is there (one more may have landed unanswered).
        assert {d: stored.get(d) for d in acknowledged} == acknowledged
        assert len(stored) - len(acknowledged) in (0, 1)
