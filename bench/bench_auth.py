"""Requests per second of the real server: unauthenticated health check versus an authenticated
GET /api/v1/customers/{id}, measured in one run on the same machine.

The authenticated request pays for Basic auth (user lookup plus the verification cache instead of
a full scrypt), the throttle, the customer query and serialization. Target: at least 50% of the
health endpoint's rate. The same GET with a personal API token (``Authorization: Bearer``)
must reach at least the Basic rate. A second server with the verification cache turned off
shows what the cache buys.

    python bench/bench_auth.py [--seconds 5] [--clients 4]

The throttle is raised for the run (the default 100 requests/s per user would only measure
429s); everything else is the production configuration, including scrypt password hashing.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def answering(command: list[str], port: int, path: str = "/api/v1/health", timeout: float = 30,
              **popen):  # fmt: skip
    """Run ``command`` (a server on ``port``) until the block ends; yield the process once
    ``GET path`` answers 200."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if call(port, "GET", path)[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=timeout)


@contextmanager
def server(db: str, root: Path | None = None, threads: int | None = None, **settings: str):
    """The real server on ``db`` (of the checkout ``root``, default this one)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env.update(
        TIMETRACKER_ADMIN_PASSWORD=PASSWORD,
        TIMETRACKER_RATELIMIT_PER_SECOND="10000000",
        TIMETRACKER_RATELIMIT_PER_MINUTE="10000000",
        **{f"TIMETRACKER_{k}": v for k, v in settings.items()},
    )
    if root is not None:
        env["PYTHONPATH"] = str(root)
    command = [sys.executable, "-m", "timetracker", "serve", "--port", str(port), "--db", db]
    if threads:
        command += ["--threads", str(threads)]
    with answering(command, port, env=env, cwd=root or ROOT):
        yield port


def call(port: int, method: str, path: str, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = json.dumps(body) if body is not None else None
    all_headers = {**(headers or {}), **({"Content-Type": "application/json"} if data else {})}
    conn.request(method, path, body=data, headers=all_headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, json.loads(payload) if payload else None


def run_clients(label: str, clients: int, seconds: float, start) -> float:
    """Requests per second of ``clients`` threads, each running ``start(index)``'s request
    function ``step(n) -> (status, detail)`` for n = 0, 1, ... until ``seconds`` are over.
    Any answer other than 200 ends the benchmark."""
    counts = [0] * clients
    errors: list = []
    stop = time.perf_counter() + seconds

    def worker(index: int):
        step = start(index)
        n = 0
        while time.perf_counter() < stop:
            status, detail = step(n)
            if status != 200:
                errors.append((status, detail))
            n += 1
        counts[index] = n

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{label}: {len(errors)} non-200 answers, e.g. {errors[:3]}")
    return sum(counts) / elapsed


def rate(port: int, path: str, headers: dict, seconds: float, clients: int) -> float:
    """Requests per second with ``clients`` keep-alive connections hammering ``path``."""

    def start(_index: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def step(_n: int):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, None

        return step

    return run_clients(path, clients, seconds, start)


def bench_customer(port: int) -> int:
    """The id of the customer the benchmark reads, created on the first run."""
    _, found = call(port, "GET", "/api/v1/customers?name=Bench%20customer", headers=AUTH)
    if found["items"]:
        return found["items"][0]["id"]
    _, created = call(port, "POST", "/api/v1/customers", {"name": "Bench customer"}, AUTH)
    return created["id"]


def measure(db: str, seconds: float, clients: int, **settings: str) -> tuple[float, float, float]:
    """Requests per second of health, of the customer GET with Basic auth, and of the same GET
    with an API token (Bearer), one after the other on one server."""
    with server(db, **settings) as port:
        customer_id = bench_customer(port)
        _, token = call(
            port, "POST", "/api/v1/users/me/tokens", {"name": "bench", "scope": "read"}, AUTH
        )
        bearer = {"Authorization": f"Bearer {token['token']}"}
        path = f"/api/v1/customers/{customer_id}"
        # Warm up every path (connection pools, the verification cache).
        for headers in ({}, AUTH, bearer):
            rate(port, "/api/v1/health" if not headers else path, headers, 0.5, clients)
        health = rate(port, "/api/v1/health", {}, seconds, clients)
        authed = rate(port, path, AUTH, seconds, clients)
        by_token = rate(port, path, bearer, seconds, clients)
    return health, authed, by_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        health, authed, by_token = measure(db, args.seconds, args.clients)
        _, uncached, _ = measure(db, args.seconds, args.clients, AUTH_CACHE_SIZE="0")

    print(
        f"clients: {args.clients}, {args.seconds:.0f} s per measurement, SQLite, granian "
        f"8 threads, {os.cpu_count()} CPUs"
    )
    print(f"GET /api/v1/health (no auth)             {health:8.0f} req/s")
    print(
        f"GET /api/v1/customers/{{id}} (Basic auth)  {authed:8.0f} req/s  "
        f"= {authed / health:.0%} of health (target >= 50%)"
    )
    print(
        f"  same, with an API token (Bearer)       {by_token:8.0f} req/s  "
        f"= {by_token / authed:.2f}x the Basic rate (target >= 1)"
    )
    print(
        f"  same, verification cache off           {uncached:8.0f} req/s  "
        f"= {uncached / health:.0%} of health (one scrypt per request)"
    )


if __name__ == "__main__":
    main()
