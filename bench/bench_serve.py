"""The request path through the real server, against a bare Flask app started in the same run.

    python bench/bench_serve.py [--seconds 5] [--repeat 3] [--batch 1000] [--also-threads 8]
                                [--batch-against DIR]

Starts, each under granian with 4 threads (the server's default), a bare Flask
app whose one endpoint answers a small JSON object, and ``timetracker serve`` on a new SQLite
file. With ``wrk -t2 -c8``
(or, without wrk, eight Python client threads) it measures requests per second of:

- the bare endpoint;
- ``GET /api/v1/health`` (no authentication);
- an authenticated ``GET /api/v1/customers/{id}`` (HTTP Basic, the verification cache warm):
  target >= 35% of the bare endpoint;

then ``POST /api/v1/batch`` of ``--batch`` time-track PATCHes (each its own rules, permission
check and savepoint): target >= 2,000 items/s. Each figure is the median of ``--repeat`` runs, the
servers alternating, so that a noisy moment falls on all of them alike. The throttle is raised
for the run; everything else is the production configuration.

``--batch-against DIR`` also times the batch on a server of another checkout (a ``git worktree``
of an older commit), in the same rounds, and prints the ratio: a machine-independent reading of
a batch figure set on another machine. The 2,000 items/s target was set where the batch of
``789b52c`` ran about 690 items/s: about 2.9 times that commit's rate measured alongside.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

from bench_auth import AUTH, answering, call, free_port, rate, server  # noqa: E402

BARE_APP = textwrap.dedent(
    """
    import sys

    from flask import Flask, jsonify
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    app = Flask(__name__)

    @app.get("/")
    def index():
        return jsonify(status="ok")

    Server(
        "bare", port=int(sys.argv[1]), interface=Interfaces.WSGI, blocking_threads=4,
        http=HTTPModes.http1, log_level=LogLevels.warning,
    ).serve(target_loader=lambda _target: app)
    """
)


@contextmanager
def bare_flask():
    port = free_port()
    with answering([sys.executable, "-c", BARE_APP, str(port)], port, "/"):
        yield port


def rate_wrk(port: int, path: str, seconds: float, headers: dict[str, str]) -> float:
    command = ["wrk", "-t2", "-c8", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise SystemExit(f"{path} answered errors under load:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def rate_threads(port: int, path: str, seconds: float, headers: dict[str, str]) -> float:
    return rate(port, path, headers, seconds, 8)


def batch_rate(port: int, user_id: int, task_id: int, size: int, start: dt.date) -> float:
    items = [
        {
            "method": "PATCH",
            "relativeUrl": f"timetrack/{user_id}/{start + dt.timedelta(days=n)}/{task_id}",
            "body": {"time": 15 + n % 8 * 15},
        }
        for n in range(size)
    ]
    began = time.perf_counter()
    status, answer = call(port, "POST", "/api/v1/batch", items, AUTH)
    elapsed = time.perf_counter() - began
    assert status == 200, (status, str(answer)[:300])
    assert all(item["status"] == 200 for item in answer), str(answer)[:300]
    return size / elapsed


def setup(port: int) -> tuple[int, int, int]:
    """A customer and a task the administrator is assigned to, on the server at ``port``:
    (customer, administrator, task)."""

    def api(method: str, path: str, body=None):
        status, answer = call(port, method, f"/api/v1/{path}", body, AUTH)
        assert status == 200, (path, status, answer)
        return answer

    customer = api("POST", "customers", {"name": "Bench"})
    project = api("POST", "projects", {"name": "P", "customerId": customer["id"]})
    task = api("POST", "tasks", {"name": "T", "projectId": project["id"]})
    me = api("GET", "users/me")
    api("PUT", f"users/{me['id']}/workAssignments", {"taskIds": [task["id"]]})
    return customer["id"], me["id"], task["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--batch-against",
        type=Path,
        help="also time the batch on a server of this checkout (a worktree), in the same rounds",
    )
    parser.add_argument(
        "--also-threads",
        type=int,
        help="also time the authenticated GET on a second server with this many threads",
    )
    args = parser.parse_args()
    measure = rate_wrk if shutil.which("wrk") else rate_threads
    print(f"load: {'wrk -t2 -c8' if measure is rate_wrk else '8 Python client threads'}")

    with (
        tempfile.TemporaryDirectory() as tmp,
        bare_flask() as bare,
        server(str(Path(tmp) / "serve.db")) as port,
        ExitStack() as others,
    ):
        against = None
        if args.batch_against:
            against_port = others.enter_context(
                server(str(Path(tmp) / "against.db"), root=args.batch_against.resolve())
            )
            against = (against_port, *setup(against_port)[1:])
        other = None
        if args.also_threads:
            other_db = str(Path(tmp) / "other.db")
            other = others.enter_context(server(other_db, threads=args.also_threads))
            call(other, "POST", "/api/v1/customers", {"name": "Bench"}, AUTH)

        customer_id, user_id, task_id = setup(port)
        customer_path = f"/api/v1/customers/{customer_id}"
        figures: dict[str, list[float]] = {"bare": [], "health": [], "get": [], "batch": []}
        for run in range(args.repeat):
            figures["bare"].append(measure(bare, "/", args.seconds, {}))
            figures["health"].append(measure(port, "/api/v1/health", args.seconds, {}))
            figures["get"].append(measure(port, customer_path, args.seconds, AUTH))
            if other is not None:  # the same customer: both databases made it first
                rate_other = measure(other, customer_path, args.seconds, AUTH)
                figures.setdefault("get_other", []).append(rate_other)
            first_day = dt.date(2020, 1, 1) + dt.timedelta(days=run * args.batch)
            figures["batch"].append(batch_rate(port, user_id, task_id, args.batch, first_day))
            if against is not None:
                figures.setdefault("batch_against", []).append(
                    batch_rate(*against, args.batch, first_day)
                )
        bare_rate = statistics.median(figures["bare"])
        health = statistics.median(figures["health"])
        get = statistics.median(figures["get"])
        batch = statistics.median(figures["batch"])
        print(f"bare Flask + granian JSON       {bare_rate:7.0f} req/s")
        print(f"GET /api/v1/health              {health:7.0f} req/s  {health / bare_rate:5.0%}")
        print(
            f"authenticated GET customer      {get:7.0f} req/s  {get / bare_rate:5.0%}"
            "   (target >= 35% of bare)"
        )
        if other is not None:
            rate_other = statistics.median(figures["get_other"])
            print(
                f"  the same, {args.also_threads} threads          {rate_other:7.0f} req/s  "
                f"{rate_other / bare_rate:5.0%}"
            )
        print(f"POST /batch of {args.batch} PATCHes      {batch:7.0f} items/s   (target >= 2000)")
        if against is not None:
            rate_against = statistics.median(figures["batch_against"])
            print(
                f"  the same on {args.batch_against}  {rate_against:7.0f} items/s  "
                f"this checkout {batch / rate_against:4.2f}x"
            )
        print(json.dumps({k: [round(v) for v in vs] for k, vs in figures.items()}))


if __name__ == "__main__":
    main()
