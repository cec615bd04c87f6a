"""Soak: many clients writing and reading for minutes; no error, and the stored sums equal what
was acknowledged.

    python bench/bench_soak.py [--backend sqlite|postgresql] [--minutes 10] [--clients 32]
                               [--workers N] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                               [--redis redis://127.0.0.1:6379]

Starts the real server (``timetracker serve``: SQLite in a temporary file with one process, or
PostgreSQL in a schema of its own with --workers processes, default 2, and the throttle in
Redis) with the production settings: the throttle at its defaults (100 requests a second and
1,000 a minute per user), so each client works as eight users in turns (256 users for 32
clients) to stay within them; the access log on. As the administrator it makes a customer, a
project of 20 tasks and the users, each assigned to the project; each user then asks for
``/users/me`` once, so that the password checks of first logins (scrypt) are not in the figures.

Then --clients threads, spread over two load processes, run for --minutes. Each request is, by
turns, two writes out of three and one read:

- writes: a new entry of 1-5 minutes (``POST /timeEntries``) on a day of October-November
  2026 (one in two writes), a change of the minutes of one of the client's entries
  (``PATCH /timeEntries/{id}``, one in four), or a delta on a day record
  (``PATCH /timetrack/{user}/{date}/{task}/time``, one in four);
- reads: one user's month, as entries (``GET /timeEntries``) and as day records
  (``GET /timetrack``), in turns.

Every answer other than the expected 2xx is an error, and so is a request without an answer
within 30 s. The clients keep what the server acknowledged: the minutes of each entry they made
or changed and the deltas they added. At the end, for every user, the stored sum of the entries
and of the day records (read back through ``GET /timetrack/totals``) must equal the
acknowledged minutes. Printed: requests, errors, requests per second, latency percentiles
(p50, p90, p99, max) of writes and of reads, and the machine's load.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import PASSWORD, ROOT, answering, free_port  # noqa: E402
from bench_workers import database, reachable_redis  # noqa: E402

ADMIN = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
USERS_PER_CLIENT, TASKS = 8, 20
FIRST_DAY, DAYS = dt.date(2026, 10, 1), 61  # October and November 2026


class Connection:
    """A keep-alive connection that reconnects after an error."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, auth: str, body=None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": auth}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise


def admin_call(port: int, method: str, path: str, body=None):
    """The administrator's request (setting up, reading back), waiting as the throttle says
    when it answers 429: the administrator is one user, held to the same limits."""
    while True:
        status, data = Connection(port).send(method, path, ADMIN, body)
        if status != 429:
            break
        time.sleep(1)
    assert 200 <= status < 300, (method, path, status, data[:300])
    return json.loads(data) if data else None


def setup(port: int, users: int) -> tuple[list[int], list[dict]]:
    """The tasks and the users (id, username, auth)."""
    customer = admin_call(port, "POST", "/api/v1/customers", {"name": f"Soak {uuid.uuid4().hex}"})
    project = admin_call(
        port, "POST", "/api/v1/projects", {"customerId": customer["id"], "name": "Soak"}
    )
    tasks = [
        admin_call(port, "POST", "/api/v1/tasks", {"projectId": project["id"], "name": f"T{k}"})[
            "id"
        ]
        for k in range(TASKS)
    ]
    people = []
    for i in range(users):
        username = f"soak{i:04d}"
        user = admin_call(
            port,
            "POST",
            "/api/v1/users",
            {"username": username, "password": PASSWORD, "firstName": "S", "lastName": str(i)},
        )
        admin_call(
            port,
            "PUT",
            f"/api/v1/users/{user['id']}/permissions",
            {"permissions": ["enterTimeTrack"]},
        )
        admin_call(
            port,
            "PUT",
            f"/api/v1/users/{user['id']}/workAssignments",
            {"projectIds": [project["id"]]},
        )
        auth = "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        # A user's first request verifies the password (scrypt, tenths of a second); the
        # soak measures the steady state that follows.
        status, _ = Connection(port).send("GET", "/api/v1/users/me", auth)
        assert status == 200, status
        people.append({"id": user["id"], "auth": auth})
    return tasks, people


def client(port: int, people: list[dict], tasks: list[int], deadline: float, seed: int) -> dict:
    """One client's run: its counts, latencies and what the server acknowledged."""
    rng = random.Random(seed)
    conn = Connection(port)
    latencies: dict[str, list[float]] = {"write": [], "read": []}
    errors: list[str] = []
    entries: dict[int, tuple[int, int]] = {}  # entry id -> (user id, minutes acknowledged)
    deltas: dict[int, int] = {}  # user id -> minutes added through day-record deltas
    n = 0
    while time.monotonic() < deadline:
        person = people[n % len(people)]
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        # Deltas act on a cell's untimed entries, which may be the client's own: entries go
        # on the second half of the tasks, deltas on the first, so the two never share a cell.
        half = len(tasks) // 2
        kind = "read" if n % 3 == 2 else "write"
        mine = [e for e, (u, _) in entries.items() if u == person["id"]]
        roll = rng.random()
        if kind == "read":
            month = f"dateFrom={day.replace(day=1)}&dateTo={day.replace(day=28)}"
            if n % 2:
                call = ("GET", f"/api/v1/timeEntries?userIds={person['id']}&{month}", None)
            else:
                call = ("GET", f"/api/v1/timetrack?userIds={person['id']}&{month}", None)
        elif roll < 0.5 or not mine:
            minutes = rng.randint(1, 5)
            body = {"taskId": rng.choice(tasks[half:]), "date": day.isoformat(), "minutes": minutes}
            call = ("POST", "/api/v1/timeEntries", body)
        elif roll < 0.75:
            entry, minutes = rng.choice(mine), rng.randint(1, 5)
            call = ("PATCH", f"/api/v1/timeEntries/{entry}", {"minutes": minutes})
        else:
            minutes = rng.randint(1, 5)
            path = f"/api/v1/timetrack/{person['id']}/{day}/{rng.choice(tasks[:half])}/time"
            call = ("PATCH", path, {"delta": minutes})
        started = time.perf_counter()
        try:
            status, data = conn.send(call[0], call[1], person["auth"], call[2])
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{call[0]} {call[1]}: {error!r}")
            n += 1
            continue
        latencies[kind].append(time.perf_counter() - started)
        if not 200 <= status < 300:
            errors.append(f"{call[0]} {call[1]}: {status} {data[:200]!r}")
        elif call[0] == "POST":
            entries[json.loads(data)["id"]] = (person["id"], minutes)
        elif call[0] == "PATCH" and "/timeEntries/" in call[1]:
            entries[entry] = (person["id"], minutes)
        elif call[0] == "PATCH":
            deltas[person["id"]] = deltas.get(person["id"], 0) + minutes
        n += 1
    acknowledged: dict[int, int] = dict(deltas)
    for user, minutes in entries.values():
        acknowledged[user] = acknowledged.get(user, 0) + minutes
    return {"latencies": latencies, "errors": errors, "acknowledged": acknowledged}


def load_process(port, people, tasks, threads, deadline, first_seed, results) -> None:
    """``threads`` clients in this process; each works as its own slice of the users."""
    done: list[dict] = []
    workers = [
        threading.Thread(
            target=lambda i=i: done.append(
                client(
                    port,
                    people[i * USERS_PER_CLIENT : (i + 1) * USERS_PER_CLIENT],
                    tasks,
                    deadline,
                    first_seed + i,
                )  # fmt: skip
            )
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(done)


def listed_entries(port: int, user: int) -> list[dict]:
    """Every entry of ``user`` in the soak's days, page by page."""
    items, offset = [], 0
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    while True:
        page = admin_call(
            port,
            "GET",
            f"/api/v1/timeEntries?userIds={user}&dateFrom={FIRST_DAY}&dateTo={last}"
            f"&offset={offset}",
        )["items"]
        items += page
        if not page:
            return items
        offset += len(page)


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return (
        f"p50 {at(0.5):.1f} ms, p90 {at(0.9):.1f} ms, p99 {at(0.99):.1f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


@contextmanager
def serving(backend: str, workers: int, pg: str, redis: str):
    """(port, description) of the real server on a fresh database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env["TIMETRACKER_ADMIN_PASSWORD"] = PASSWORD
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            db, description = str(Path(tmp) / "soak.db"), "SQLite, one process"
            command = [sys.executable, "-m", "timetracker", "serve", "--db", db]
            with answering(command + ["--port", str(port)], port, env=env, cwd=ROOT, timeout=60):
                yield port, description
            return
        env["TIMETRACKER_RATELIMIT_STORAGE"] = redis
        env["TIMETRACKER_RATELIMIT_KEY_PREFIX"] = f"soak-{uuid.uuid4().hex}"
        with database(pg) as (db, kind):
            assert kind == "PostgreSQL", "PostgreSQL does not answer"
            command = [sys.executable, "-m", "timetracker", "serve", "--db", db]
            command += ["--port", str(port), "--workers", str(workers)]
            with answering(command, port, env=env, cwd=ROOT, timeout=60):
                yield port, f"PostgreSQL + Redis, {workers} workers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server processes (PostgreSQL)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    args = parser.parse_args()
    if args.backend == "postgresql" and not reachable_redis(args.redis):
        raise SystemExit(f"Redis does not answer at {args.redis}")
    with serving(args.backend, args.workers, args.pg, args.redis) as (port, description):
        tasks, people = setup(port, args.clients * USERS_PER_CLIENT)
        print(
            f"{description}; {args.clients} clients as {len(people)} users; {args.minutes:g} "
            f"minutes; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results = multiprocessing.Queue()
        started = time.monotonic()
        deadline = started + args.minutes * 60
        processes, per = [], args.clients // 2
        for p, threads in enumerate((per, args.clients - per)):
            slice_ = people[p * per * USERS_PER_CLIENT :]
            processes.append(
                multiprocessing.Process(
                    target=load_process,
                    args=(port, slice_, tasks, threads, deadline, p * 1000, results),
                )
            )
        for process in processes:
            process.start()
        done = [c for _ in processes for c in results.get()]
        for process in processes:
            process.join()
        elapsed = time.monotonic() - started
        load = os.getloadavg()[0]
        acknowledged: dict[int, int] = {}
        for result in done:
            for user, minutes in result["acknowledged"].items():
                acknowledged[user] = acknowledged.get(user, 0) + minutes
        writes = [v for r in done for v in r["latencies"]["write"]]
        reads = [v for r in done for v in r["latencies"]["read"]]
        errors = [e for r in done for e in r["errors"]]
        print(
            f"{len(writes) + len(reads):,} answered requests in {elapsed:.0f} s "
            f"({(len(writes) + len(reads)) / elapsed:.0f} req/s): {len(writes):,} writes, "
            f"{len(reads):,} reads; errors: {len(errors)}; load average at the end {load:.1f}"
        )
        print(f"writes: {percentiles(writes)}")
        print(f"reads:  {percentiles(reads)}", flush=True)
        for error in errors[:10]:
            print(f"  error: {error}")
        wrong = []
        for person in people:
            stored = admin_call(
                port,
                "GET",
                f"/api/v1/timetrack/totals?userIds={person['id']}&dateFrom={FIRST_DAY}"
                f"&dateTo={FIRST_DAY + dt.timedelta(days=DAYS - 1)}",
            )
            summed = sum(e["minutes"] for e in listed_entries(port, person["id"]))
            expected = acknowledged.get(person["id"], 0)
            kept = stored["totals"]["totalMinutes"]
            if not kept == summed == expected:
                wrong.append((person["id"], expected, kept, summed))
    print(
        f"stored sums (kept totals, entries) equal the acknowledged minutes for "
        f"{len(people) - len(wrong)} of {len(people)} users"
        + (f"; differing (user, acknowledged, totals, entries): {wrong[:10]}" if wrong else "")
    )
    if errors or wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
