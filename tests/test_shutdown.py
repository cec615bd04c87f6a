"""SIGTERM stops `timetracker serve` gracefully, with one worker process and with two
(`--workers 2`, which needs the limits in Redis): a request already being answered is answered
in full, a new connection is refused meanwhile, the process exits 0 and the database is intact.

The request is a CSV export of some 10 MB, read slowly by a client with a small receive buffer:
more than the kernel's buffers on both sides hold, so when SIGTERM arrives the server still has
most of the answer to send (in the task or in its output buffers), however fast the machine.

The stop holds whichever of a worker's threads the kernel hands the signal to, and a worker
that outlasts the grace says so and ends.
"""

from __future__ import annotations

import base64
import ctypes
import datetime as dt
import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import text

from tests.conftest import RATELIMIT_STORAGE
from tests.server_processes import Connection, SlowClients, serve
from tests.test_server import make_task, server_env
from timetracker.serving import GRACE_SECONDS
from timetracker.store.db import make_engine

AUTH = ("admin", "pw")
RECORDS = 2000
COMMENT = ("slow reader " * 400).strip()  # about 5 KB a row: 10 MB in all


def basic_header() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}


def import_records(port: int) -> None:
    """``RECORDS`` days of time-track of admin on one task, in one import."""
    task = make_task(port, AUTH)
    day = dt.date(2015, 1, 1)
    lines = ["username,date,customer,project,task,minutes,comment"]
    for n in range(RECORDS):
        lines.append(f"admin,{day + dt.timedelta(days=n)},C,P,T,60,{COMMENT}")
    assert task["name"] == "T"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(
        "POST",
        "/api/v1/timetrack/import?assign=true",
        body="\r\n".join(lines).encode(),
        headers={**basic_header(), "Content-Type": "text/csv"},
    )
    response = conn.getresponse()
    assert response.status == 200, response.read()
    conn.close()


def slow_reader(port: int) -> http.client.HTTPConnection:
    """A connection whose receive buffer is small, so the server cannot send ahead much."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.settimeout(120)
    sock.connect(("127.0.0.1", port))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.sock = sock
    return conn


def wait_until_refused(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        except ConnectionRefusedError:
            return
        except ConnectionResetError:
            # Queued as the listening socket closed: the server has stopped accepting too.
            return
        time.sleep(0.02)
    raise AssertionError("the server still accepts connections 30 s after SIGTERM")


workers_params = pytest.mark.parametrize(
    "workers",
    [
        1,
        pytest.param(
            2,
            marks=pytest.mark.skipif(
                RATELIMIT_STORAGE.startswith("memory"),
                reason="several processes need TIMETRACKER_RATELIMIT_STORAGE (Redis)",
            ),
        ),
    ],
)


@pytest.mark.long
@workers_params
def test_sigterm_lets_the_running_export_finish(database_url, workers):
    env = server_env(
        TIMETRACKER_ADMIN_PASSWORD="pw",
        TIMETRACKER_RATELIMIT_PER_SECOND="100000",
        TIMETRACKER_RATELIMIT_PER_MINUTE="100000",
    )
    with serve(database_url, env, "--workers", str(workers)) as server:
        import_records(server.port)
        export = slow_reader(server.port)
        export.request(
            "GET",
            "/api/v1/reports/detailed?dateFrom=2015-01-01&dateTo=2025-12-31&format=csv",
            headers=basic_header(),
        )
        response = export.getresponse()
        assert response.status == 200
        begun = response.read(64 * 1024)

        server.process.send_signal(signal.SIGTERM)
        wait_until_refused(server.port)
        assert server.process.poll() is None  # still sending the export

        body = begun + response.read()
        rows = body.decode().split("\r\n")
        assert rows[0].startswith("date,") and rows[-1] == ""
        assert len(rows) == RECORDS + 2  # the header, the records, and the last line's end
        assert all(COMMENT in row for row in rows[1:-1])
        assert server.process.wait(timeout=60) == 0
        assert "Traceback" not in server.output()

    if "://" not in database_url:
        with sqlite3.connect(database_url) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM day_records")).scalar() == RECORDS
    finally:
        engine.dispose()


@pytest.mark.long
@workers_params
def test_sigterm_is_not_held_by_heads_still_arriving(database_url, workers):
    """Connections that send nothing, trickle a head or idle after an answer do not hold the
    stop until its grace ends: an idle one is closed at once, one whose head is still arriving
    by its header timeout (granian keeps reading a head begun before the signal, so the
    timeout, not a shorter linger, bounds it: ``timetracker.serving``), and the server exits 0
    well within the grace, no worker killed."""
    env = server_env(TIMETRACKER_ADMIN_PASSWORD="pw", TIMETRACKER_HEADER_TIMEOUT="5")
    with serve(database_url, env, "--workers", str(workers), "--threads", "2") as server:
        with SlowClients(server.port, count=12) as slow:
            slow.wait_until_opened()
            time.sleep(1)  # the trickling heads have begun
            server.process.send_signal(signal.SIGTERM)
            assert server.process.wait(timeout=GRACE_SECONDS) == 0
        assert "refused to gracefully stop" not in server.output()
        assert "Traceback" not in server.output()


def _tgkill():
    """glibc's ``tgkill`` (a signal to one thread of a process), or None where there is none."""
    try:
        return ctypes.CDLL(None, use_errno=True).tgkill
    except (OSError, AttributeError):
        return None


TGKILL = _tgkill()


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.long
@pytest.mark.skipif(TGKILL is None, reason="needs Linux's tgkill (glibc 2.30 or later)")
def test_a_worker_stops_whichever_of_its_threads_takes_the_sigterm(database_url):
    """The kernel hands a signal sent to a process to any of its threads that does not block
    it, now and then not the main one, and Python runs the handler (granian's) in the main
    thread only. A SIGTERM taken by another thread of a worker stops the worker all the same:
    it stops accepting connections at once and exits. (Before, its main thread slept on, the
    worker kept serving, and it was killed when the grace ended.)"""
    env = server_env(TIMETRACKER_ADMIN_PASSWORD="pw")
    with serve(database_url, env) as server:
        _, _, _, request_id = Connection(server.port).call("GET", "/api/v1/health")
        worker = server.pid_of(request_id)
        others = sorted(int(t) for t in os.listdir(f"/proc/{worker}/task") if int(t) != worker)
        assert TGKILL(worker, others[0], signal.SIGTERM) == 0

        wait_until_refused(server.port)
        deadline = time.monotonic() + 10
        while process_exists(worker):
            assert time.monotonic() < deadline, "the worker still runs 10 s after its SIGTERM"
            time.sleep(0.05)
    assert "refused to gracefully stop" not in server.output()
    assert "Traceback" not in server.output()


def test_a_worker_that_outlasts_the_grace_says_so_and_ends():
    """A worker whose stop is not over when the grace ends writes that it refused to gracefully
    stop and where each of its threads was, and ends with status 1. Shown on the worker's watch
    alone, in a process of its own with a grace of 1 s, whose main thread (a server that does
    not stop) never ends."""
    script = textwrap.dedent(
        """
        import signal, time
        from timetracker import granian_server

        granian_server.GRACE_SECONDS = 1

        class Deliverer:
            def begin_stop(self):
                pass

            def stop(self):
                pass

        signal.signal(signal.SIGTERM, lambda signum, frame: None)  # (the stop never ends)
        granian_server._WorkerWatch(Deliverer()).start()
        print("watching", flush=True)
        while True:
            time.sleep(0.05)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "watching\n"
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "refused to gracefully stop within 1 s" in errors
    assert 'File "<string>"' in errors  # the main thread's stack: still in its loop
