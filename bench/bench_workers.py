"""Requests per second of an authenticated GET with two server processes against one, in one run
on the same machine.

    python bench/bench_workers.py [--seconds 5] [--connections 16] [--runs 2] [--threads 8]
                                  [--load wrk|python]
                                  [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                                  [--redis redis://127.0.0.1:6379]

The servers are started here, in turns: ``timetracker serve`` (one granian worker process)
and ``timetracker serve --workers 2`` (two); each with --threads threads a process (8).
Besides requests per second it prints the CPU time the server processes spent per request,
how many CPUs it kept busy and how busy the whole machine was (from /proc): other load on the
machine takes CPUs the second worker would use. Each serves the demo company (``timetracker
demo``) and is asked ``GET /api/v1/customers/{id}`` with Basic auth over keep-alive
connections. The database is PostgreSQL (a schema of its own in the --pg database, dropped at
the end) when it answers, SQLite otherwise; the limits are in Redis (keys of their own), which
several processes need. The load comes from ``wrk`` when it is installed, else from Python
processes (one per CPU). The best of --runs of each counts.
Target: two workers at least 1.3x one on 2 CPUs, the load generator on the same machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH, PASSWORD, ROOT, answering, call, free_port, rate  # noqa: E402


def reachable_postgres(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


def reachable_redis(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def database(pg: str):
    """A PostgreSQL schema of its own when PostgreSQL answers, else a SQLite file; its URL."""
    if not reachable_postgres(pg):
        with tempfile.TemporaryDirectory() as tmp:
            yield str(Path(tmp) / "bench.db"), "SQLite"
        return
    import psycopg

    schema = "bench_workers_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in pg else "?"
    try:
        yield f"{pg}{separator}options=-csearch_path%3D{schema}", "PostgreSQL"
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def server_env(redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env.update(
        TIMETRACKER_ADMIN_PASSWORD=PASSWORD,
        TIMETRACKER_RATELIMIT_STORAGE=redis_url,
        TIMETRACKER_RATELIMIT_KEY_PREFIX=f"bench-workers-{uuid.uuid4().hex}",
        TIMETRACKER_RATELIMIT_PER_SECOND="10000000",
        TIMETRACKER_RATELIMIT_PER_MINUTE="10000000",
        TIMETRACKER_ACCESS_LOG="false",  # as fast as the server goes, not as its log goes
    )
    return env


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by ``pid`` and its child processes (Linux)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            total += sum(cpu_seconds(int(child)) for child in children.read_text().split())
    except (OSError, IndexError, ValueError):
        pass
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat (Linux)."""
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = ticks[3] + ticks[4]  # idle, iowait
    return float(sum(ticks[:8]) - idle), float(sum(ticks[:8]))


@contextmanager
def server(kind: str, db: str, env: dict[str, str], threads: int = 8):
    """``kind``: workers-1 or workers-2; yields (port, pid) once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "timetracker", "serve", "--port", str(port), "--db", db]
    command += ["--threads", str(threads), "--workers", kind.rpartition("-")[2]]
    with answering(command, port, timeout=60, env=env, cwd=ROOT) as process:
        yield port, process.pid


# --- load ------------------------------------------------------------------------------------


def wrk_rate(port: int, path: str, seconds: float, connections: int) -> float:
    command = [
        "wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:.0f}s", "--timeout", "30s",
        "-H", f"Authorization: {AUTH['Authorization']}", f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _python_load(port: int, path: str, seconds: float, clients: int, results) -> None:
    results.put(rate(port, path, AUTH, seconds, clients))


def python_rate(port: int, path: str, seconds: float, connections: int) -> float:
    """Requests per second from one Python process per CPU, each with its share of the
    connections (one process alone would be the bottleneck)."""
    processes = os.cpu_count() or 2
    results = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(
            target=_python_load,
            args=(port, path, seconds, max(connections // processes, 1), results),
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(results.get() for _ in workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--runs", type=int, default=2, help="measurements of each server")
    parser.add_argument("--threads", type=int, default=8, help="threads of each process")
    parser.add_argument(
        "--load", choices=("wrk", "python"), help="load generator [default: wrk if installed]"
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    args = parser.parse_args()
    if not reachable_redis(args.redis):
        raise SystemExit(f"Redis does not answer at {args.redis}: several processes need it")
    use_wrk = args.load == "wrk" or (args.load is None and shutil.which("wrk"))
    load, generator = (wrk_rate, "wrk") if use_wrk else (python_rate, "Python")

    env = server_env(args.redis)
    kinds = ("workers-1", "workers-2")
    best = dict.fromkeys(kinds, 0.0)
    cpu_ms = dict.fromkeys(kinds, float("inf"))  # server CPU time per request
    cores = dict.fromkeys(kinds, 0.0)  # CPUs the server used (in the best run)
    busy = dict.fromkeys(kinds, 0.0)  # share of the machine's CPUs busy (in the best run)
    with database(args.pg) as (db, backend):
        demo = subprocess.run(
            [sys.executable, "-m", "timetracker", "demo", "--db", db],
            env=env, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if demo.returncode != 0:
            raise SystemExit(demo.stdout + demo.stderr)
        with server("workers-1", db, env) as (port, _pid):
            customer = call(port, "GET", "/api/v1/customers?limit=1", headers=AUTH)[1]
        path = f"/api/v1/customers/{customer['items'][0]['id']}"
        for _ in range(args.runs):
            for kind in kinds:
                with server(kind, db, env, args.threads) as (port, pid):
                    load(port, path, 1, args.connections)  # warm up: pools, verification cache
                    used, (busy_before, total_before) = cpu_seconds(pid), machine_busy()
                    rate = load(port, path, args.seconds, args.connections)
                    if not rate:
                        raise SystemExit(f"{kind}: no request answered in {args.seconds:g} s")
                    used = cpu_seconds(pid) - used
                    busy_after, total_after = machine_busy()
                if rate > best[kind]:
                    best[kind], cores[kind] = rate, used / args.seconds
                    busy[kind] = (busy_after - busy_before) / max(total_after - total_before, 1)
                cpu_ms[kind] = min(cpu_ms[kind], used * 1000 / (rate * args.seconds))

    print(
        f"GET {path} with Basic auth, {backend}, limits in Redis, {generator} with "
        f"{args.connections} keep-alive connections, {args.seconds:.0f} s, best of "
        f"{args.runs}, {os.cpu_count()} CPUs"
    )
    n = args.threads
    for kind, label in (
        ("workers-1", f"--workers 1 (granian, 1 x {n} threads)"),
        ("workers-2", f"--workers 2 (granian, 2 x {n} threads)"),
    ):
        print(
            f"{label:42} {best[kind]:6.0f} req/s  {cpu_ms[kind]:5.2f} ms server CPU a request, "
            f"server on {cores[kind]:.2f} CPUs, machine {busy[kind]:.0%} busy"
        )
    print(f"2 workers / 1: {best['workers-2'] / best['workers-1']:.2f}x (target >= 1.3x)")


if __name__ == "__main__":
    main()
