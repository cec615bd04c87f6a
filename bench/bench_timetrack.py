"""Time-track at a million records, through the real server.

    python bench/bench_timetrack.py [--db URL] [--seconds 5] [--clients 4] [--repeat 15]

Builds the dataset of ``timetrack_dataset.py`` (1,000 users, 5,000 tasks, a year of time-track,
about 1,000,000 records) in a temporary SQLite file, or in the empty database given by --db,
then measures as the administrator:

- reads: ``GET /timetrack`` for one user and one month, and for all users and one day
  (stopAfter=1000: the whole day comes back, about 4,000 records), each next to the same rows
  fetched with one plain SQL query and ``json.dumps`` in this process; target ratio < 3;
- writes: ``PATCH /timetrack/{user}/{date}/{task}`` (set) and ``.../time`` (delta) from
  concurrent keep-alive clients, each on users of its own; target >= 300 writes/s;
- lock and unlock of all users for a month (constant work: one event row).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH, run_clients, server  # noqa: E402
from timetrack_dataset import build  # noqa: E402

from timetracker.store.db import normalize_url  # noqa: E402

MONTH = ("2025-06-01", "2025-06-30")
ONE_DAY = "2025-06-11"


class Client:
    """One keep-alive connection speaking JSON with the admin's (or ``auth``) credentials."""

    def __init__(self, port: int, auth: dict | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.auth = auth or AUTH

    def send(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        headers = dict(self.auth)
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method.upper(), path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def ok(self, method: str, path: str, body=None):
        """The JSON answer of a request that must succeed."""
        status, payload = self.send(method, path, body)
        assert status in (200, 201, 204), (status, payload[:300])
        return json.loads(payload) if payload else None


def median_time(action, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def compare_read(port: int, engine, label: str, path: str, sql: str, params: dict, repeat: int):
    client = Client(port)

    def api():
        status, payload = client.send("GET", path)
        assert status == 200, (status, payload[:300])
        return payload

    def plain():
        with engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(text(sql), params).mappings()]
        json.dumps(rows, default=str)
        return len(rows)

    api()  # warm-up (pools, the verification cache)
    plain()
    api_time, payload = median_time(api, repeat)
    api_rows = sum(len(day["records"]) for day in json.loads(payload)["data"])
    base_time, base_rows = median_time(plain, repeat)
    assert api_rows == base_rows, (api_rows, base_rows)
    ratio = api_time / base_time
    print(
        f"{label:28} {api_rows:5} records   api {api_time * 1000:7.1f} ms   plain SQL + "
        f"json.dumps {base_time * 1000:6.1f} ms   ratio {ratio:4.2f} (target < 3)"
    )


def write_rate(port: int, built: dict, seconds: float, clients: int, kind: str) -> float:
    """PATCHes per second; client i writes to users i, i+clients, ... (no shared user)."""
    users, assigned, days = built["users"], built["assigned"], built["days"]

    def start(index: int):
        client = Client(port)
        mine = users[index::clients]

        def step(n: int):
            # Deltas come in pairs on one record (+1 then -1), so no record goes below 0.
            k = n if kind == "set" else n // 2
            user = mine[k % len(mine)]
            day = days[(k // len(mine)) % len(days)]
            task = assigned[user][k % len(assigned[user])]
            path = f"/api/v1/timetrack/{user}/{day}/{task}"
            if kind == "set":
                status, payload = client.send("PATCH", path, {"time": 15 * (1 + n % 8)})
            else:
                status, payload = client.send(
                    "PATCH", path + "/time", {"delta": 1 if n % 2 == 0 else -1}
                )
            return status, payload[:200]

        return step

    return run_clients(f"PATCH {kind}", clients, seconds, start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file); empty")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each write test")
    parser.add_argument("--clients", type=int, default=4, help="concurrent writing clients")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each read (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "timetrack.db")
        started = time.perf_counter()
        built = build(db)
        print(
            f"dataset: {len(built['users'])} users, {built['tasks']} tasks, "
            f"{built['records']:,} time-track records, built in "
            f"{time.perf_counter() - started:.1f} s (target < 120 s)"
        )
        engine = create_engine(normalize_url(db))
        user = built["users"][len(built["users"]) // 2]
        with server(db) as port:
            print(f"{os.cpu_count()} CPUs shared by server and client; granian 8 threads")
            floor_client = Client(port)
            floor_client.send("GET", "/api/v1/users/me")
            floor, _ = median_time(lambda: floor_client.send("GET", "/api/v1/users/me"), 50)
            print(f"fixed cost of an authenticated request (GET /users/me): {floor * 1000:.1f} ms")
            compare_read(
                port,
                engine,
                "one user, one month",
                f"/api/v1/timetrack?dateFrom={MONTH[0]}&dateTo={MONTH[1]}&userIds={user}",
                "SELECT user_id, date, task_id, minutes FROM day_records WHERE user_id = :u "
                "AND date BETWEEN :a AND :b ORDER BY date, task_id",
                {"u": user, "a": MONTH[0], "b": MONTH[1]},
                args.repeat,
            )
            compare_read(
                port,
                engine,
                "all users, one day",
                f"/api/v1/timetrack?dateFrom={ONE_DAY}&dateTo={ONE_DAY}&stopAfter=1000",
                "SELECT user_id, date, task_id, minutes FROM day_records WHERE date = :d "
                "ORDER BY user_id, task_id",
                {"d": ONE_DAY},
                args.repeat,
            )
            for kind in ("set", "delta"):
                rate = write_rate(port, built, args.seconds, args.clients, kind)
                print(
                    f"PATCH {kind:5} {args.clients} clients   {rate:6.0f} writes/s (target >= 300)"
                )
            client = Client(port)
            for action in ("lock", "unlock"):
                body = {"dateFrom": MONTH[0], "dateTo": MONTH[1]}
                elapsed, (status, payload) = median_time(
                    lambda a=action, b=body: client.send("POST", f"/api/v1/timetrack/{a}", b),
                    5,
                )
                assert status == 200, payload[:300]
                affected = len(json.loads(payload)["userIds"])
                print(
                    f"POST /timetrack/{action:6} all users, one month   {elapsed * 1000:6.1f} ms "
                    f"({affected} users)"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
