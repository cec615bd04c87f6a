"""This server's real endpoints under each candidate HTTP server, beside a bare Flask app on the
same server, in one run.

    python bench/bench_servers.py [--seconds 3] [--repeat 2] [--connections 8]
                                  [--only NAME ...] [--db URL --redis URL]

Needs ``wrk`` and, besides the project's own granian, ``pip install waitress gunicorn`` (not
dependencies of the project: only this comparison uses them).

For each candidate (granian as ``timetracker serve`` runs it, waitress, gunicorn ``gthread``,
granian's own command with threads and with processes) it
starts a bare Flask app (one endpoint answering a small JSON object) and this server on a
SQLite file made for the run, and measures with ``wrk -t2 -c<connections>``:

- ``bare``: the bare endpoint, the ceiling of that HTTP server;
- ``health``: ``GET /api/v1/health`` (no authentication, one ``SELECT 1``);
- ``get``: an authenticated ``GET /api/v1/customers/{id}`` (HTTP Basic, verification cache warm);
- ``patch``: ``PATCH /api/v1/timetrack/{user}/{date}/{task}`` (a write; the minutes alternate);
- ``month``: ``GET /api/v1/timeEntries`` of one user's month (600 entries, one page).

It prints requests per second and each endpoint's share of the bare endpoint on the same HTTP
server. Rounds alternate between the candidates, so that a busy moment of a shared machine
falls on all of them alike; each figure is the median of ``--repeat`` rounds. The throttle is
raised for the run; everything else is the production configuration (access log on, to
/dev/null). With ``--db`` (a PostgreSQL URL) and ``--redis``, the candidates with several
processes share the throttle there.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import answering, call, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
BASIC = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
THREADS = 4
MONTH = ("2026-10-01", "2026-10-31")
MONTH_ENTRIES = 600

BARE_APP = textwrap.dedent(
    """
    from flask import Flask, jsonify

    app = Flask(__name__)


    @app.get("/")
    def index():
        return jsonify(status="ok")
    """
)

# This server as a WSGI module, started as ``timetracker serve`` starts it (the access log on
# standard error, the heap frozen), for the servers that import an app by name.
OUR_APP = textwrap.dedent(
    """
    import logging

    from timetracker import create_app
    from timetracker.access_log import log_to_stderr
    from timetracker.serving import freeze_heap
    from timetracker.startup import prepare_database

    logging.basicConfig()
    log_to_stderr()
    prepare_database()
    app = create_app()
    freeze_heap()
    """
)

PATCH_LUA = textwrap.dedent(
    """
    local n = 0
    request = function()
        n = n + 1
        return wrk.format("PATCH", nil, nil, '{"time": ' .. (15 * (1 + n % 8)) .. '}')
    end
    """
)


def candidates(python_bin: Path) -> dict[str, dict[str, list[str]]]:
    """name -> how to start the bare app and ours (``{port}`` and ``{module}`` filled in)."""
    waitress = [str(python_bin / "waitress-serve"), f"--threads={THREADS}", "--port={port}"]
    gunicorn = [str(python_bin / "gunicorn"), "-k", "gthread", "-b", "127.0.0.1:{port}"]
    granian = [str(python_bin / "granian"), "--interface", "wsgi", "--port", "{port}"]
    granian += ["--no-access-log", "--log-level", "warning"]
    serve = [str(python_bin / "timetracker"), "serve", "--port", "{port}"]
    commands = {
        f"granian (timetracker serve) 1x{THREADS}": [
            *granian,
            "--workers=1",
            f"--blocking-threads={THREADS}",
            "{module}:app",
        ],  # fmt: skip
        f"waitress-serve {THREADS} threads": [*waitress, "{module}:app"],
        f"gunicorn gthread 1x{THREADS}": [*gunicorn, "-w1", f"--threads={THREADS}", "{module}:app"],
        f"granian 1x{THREADS} threads": [
            *granian,
            "--workers=1",
            f"--blocking-threads={THREADS}",
            "{module}:app",
        ],  # fmt: skip
        "granian 2x2 processes": [*granian, "--workers=2", "--blocking-threads=2", "{module}:app"],
        "gunicorn gthread 2x2": [*gunicorn, "-w2", "--threads=2", "{module}:app"],
    }
    chosen = {name: {"bare": command, "ours": command} for name, command in commands.items()}
    chosen[f"granian (timetracker serve) 1x{THREADS}"]["ours"] = [*serve, f"--threads={THREADS}"]
    return chosen


def process_tree_cpu(root: int) -> float:
    """CPU seconds (user and system) used so far by process ``root`` and its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in tree)


def wrk(port: int, path: str, seconds: float, connections: int, script: Path | None = None,
        server: int | None = None):  # fmt: skip
    """Requests per second, and the server's CPU microseconds per request (with ``server``,
    its process id): on a shared machine the second moves much less with the others' load."""
    cpu_before = process_tree_cpu(server) if server else 0.0
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    command += ["-H", f"Authorization: {BASIC}", "-H", "Content-Type: application/json"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise SystemExit(f"{path}: {bad.group(1)} answers were not 2xx\n{output}")
    cpu = process_tree_cpu(server) - cpu_before if server else 0.0
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    count = int(re.search(r"(\d+) requests in", output).group(1))
    if not rate or "Socket errors" in output:
        print(f"port {port} {path}: {output}", file=sys.stderr)
    return rate, cpu / max(count, 1) * 1e6


def authed(port: int, method: str, path: str, body=None):
    status, payload = call(port, method, path, body, {"Authorization": BASIC})
    if status >= 300:
        raise SystemExit(f"{method} {path}: {status} {payload}")
    return payload


def seed(port: int) -> dict[str, str]:
    """The data of the run (once per database); the paths to measure."""
    customer = authed(port, "POST", "/api/v1/customers", {"name": "Bench"})["id"]
    project = authed(port, "POST", "/api/v1/projects", {"customerId": customer, "name": "P"})
    task = authed(port, "POST", "/api/v1/tasks", {"projectId": project["id"], "name": "T"})["id"]
    first = dt.date.fromisoformat(MONTH[0])
    entries = [
        {"taskId": task, "date": str(first + dt.timedelta(days=n % 31)), "minutes": 5 + n % 50}
        for n in range(MONTH_ENTRIES)
    ]
    authed(port, "POST", "/api/v1/timeEntries", entries)
    return {
        "health": "/api/v1/health",
        "get": f"/api/v1/customers/{customer}",
        "patch": f"/api/v1/timetrack/1/2026-11-03/{task}",
        "month": f"/api/v1/timeEntries?userIds=1&dateFrom={MONTH[0]}&dateTo={MONTH[1]}&limit=1000",
    }


@contextmanager
def started(command: list[str], port: int, env: dict, cwd: Path, path: str):
    with answering(command, port, path, timeout=60, env=env, cwd=cwd) as process:
        yield process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", nargs="*", help="names (or parts of names) of candidates")
    parser.add_argument("--db", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--redis", help="the throttle's storage (default: memory)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get update && apt-get install -y wrk")
    python_bin = Path(sys.executable).parent
    chosen = {
        name: spec
        for name, spec in candidates(python_bin).items()
        if not args.only or any(part in name for part in args.only)
    }
    work = Path(tempfile.mkdtemp(prefix="bench-servers-"))
    (work / "bare_app.py").write_text(BARE_APP)
    (work / "our_app.py").write_text(OUR_APP)
    (work / "patch.lua").write_text(PATCH_LUA)
    database = args.db or f"sqlite:///{work / 'bench.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env.update(
        PYTHONPATH=f"{work}{os.pathsep}{ROOT}",
        TIMETRACKER_ADMIN_PASSWORD=PASSWORD,
        TIMETRACKER_DATABASE_URL=database,
        TIMETRACKER_RATELIMIT_PER_SECOND="10000000",
        TIMETRACKER_RATELIMIT_PER_MINUTE="100000000",
    )
    if args.redis:
        env["TIMETRACKER_RATELIMIT_STORAGE"] = args.redis
    print(f"{dt.date.today()}  load {os.getloadavg()[0]:.1f}  database {database.split(':')[0]}")
    paths: dict[str, str] | None = None
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in chosen}
    cpu_figures: dict[str, dict[str, list[float]]] = {name: {} for name in chosen}
    for round_number in range(args.repeat):
        for name, spec in chosen.items():
            port = free_port()
            fill = {"port": str(port), "module": "bare_app"}
            bare = [part.format(**fill) for part in spec["bare"]]
            with started(bare, port, env, work, "/") as process:
                rate, cpu = wrk(port, "/", args.seconds, args.connections, server=process.pid)
                figures[name].setdefault("bare", []).append(rate)
                cpu_figures[name].setdefault("bare", []).append(cpu)
            port = free_port()
            fill = {"port": str(port), "module": "our_app"}
            ours = [part.format(**fill) for part in spec["ours"]]
            with ExitStack() as stack:
                process = stack.enter_context(started(ours, port, env, work, "/api/v1/health"))
                if paths is None:
                    paths = seed(port)
                # The password verified once before the clients start (in every process with
                # several), rather than by eight clients at once in the measurement.
                for _ in range(4):
                    authed(port, "GET", paths["get"])
                for endpoint, path in paths.items():
                    script = work / "patch.lua" if endpoint == "patch" else None
                    rate, cpu = wrk(port, path, args.seconds, args.connections, script, process.pid)
                    figures[name].setdefault(endpoint, []).append(rate)
                    cpu_figures[name].setdefault(endpoint, []).append(cpu)
            time.sleep(0.5)
        print(f"round {round_number + 1} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    endpoints = ["bare", *(paths or {})]
    print(f"wrk -t2 -c{args.connections}, {args.seconds:g} s each, median of {args.repeat}")
    print(f"{'':32}" + "".join(f"{e:>15}" for e in endpoints))
    for name, by_endpoint in figures.items():
        medians = {e: statistics.median(by_endpoint[e]) for e in endpoints}
        cells = [f"{medians['bare']:>15.0f}"]
        for endpoint in endpoints[1:]:
            share = medians[endpoint] / medians["bare"]
            cells.append(f"{medians[endpoint]:>8.0f} ({share:>3.0%})")
        print(f"{name:32}" + "".join(cells))
    print("the server's CPU per request, us (all its processes; median)")
    for name, by_endpoint in cpu_figures.items():
        medians = [statistics.median(by_endpoint[e]) for e in endpoints]
        print(f"{name:32}" + "".join(f"{m:>15.0f}" for m in medians))
    print(json.dumps({"rates": figures, "cpu_us": cpu_figures}, indent=None))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
