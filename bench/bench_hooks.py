"""REST hooks under write load, through the real server.

    python bench/bench_hooks.py [--db URL] [--users 100] [--seconds 5] [--clients 4]
                                [--hooks 10] [--rounds 3]

Builds the dataset of ``timetrack_dataset.py`` with fewer users (100: about 100,000 records)
in a temporary SQLite file, or in the empty database given by --db, starts a loopback receiver
in this process (``http.server``, answering 200) and the real server, then, in each round:

- PATCH rate without subscriptions: ``write_rate`` of ``bench_timetrack.py`` (deltas of +1
  and -1 minute: every one changes its record, so every one writes an event), the baseline;
- the same with ``--hooks`` subscriptions of the administrator on ``timetrack.update`` to the
  receiver; target >= 90% of the baseline;
- delivery latency under that load: from each event's ``created`` (written in the transaction,
  just before its commit) to its arrival at the receiver, for every subscription and event;
  target p95 <= 1 s. Every event must reach every subscription (checked after the load).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import server  # noqa: E402
from bench_timetrack import Client, write_rate  # noqa: E402
from timetrack_dataset import build  # noqa: E402

from timetracker.store.db import normalize_url  # noqa: E402


def receive(port_queue, log_path: str) -> None:
    """The receiver's process: one line per delivered event, "hook event.id arrival-ms"."""
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the process's life
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            now = time.time() * 1000
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook = self.headers["X-Timetracker-Hook-Id"]
            lines = "".join(f"{hook} {e['event.id']} {now:.1f}\n" for e in json.loads(body))
            with lock:
                log.write(lines)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


class Receiver:
    """A loopback receiver in a process of its own, so that reading the deliveries takes no
    time from the benchmark's clients (they share this process's interpreter lock)."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        ports = multiprocessing.Queue()
        self.process = multiprocessing.Process(target=receive, args=(ports, str(log_path)))
        self.process.start()
        self.port = ports.get(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def arrivals(self) -> dict[tuple[str, int], float]:
        """(hook id, event.id) -> first arrival in epoch ms."""
        found: dict[tuple[str, int], float] = {}
        if self.log_path.exists():
            for line in self.log_path.read_text().splitlines():
                parts = line.split()
                if len(parts) == 3:
                    found.setdefault((parts[0], int(parts[1])), float(parts[2]))
        return found

    def close(self) -> None:
        self.process.terminate()
        self.process.join()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def run_round(port, engine, built, receiver, args) -> tuple[float, float, list[float]]:
    base = write_rate(port, built, args.seconds, args.clients, "delta")
    admin = Client(port)
    hooks = []
    for _ in range(args.hooks):
        status, payload = admin.send(
            "POST", "/api/v1/hooks", {"target_url": receiver.url, "event": "timetrack.update"}
        )
        assert status == 200, payload
        hooks.append(json.loads(payload))
    first = max(h["lastEventId"] for h in hooks)
    loaded = write_rate(port, built, args.seconds, args.clients, "delta")
    with engine.connect() as conn:
        created = dict(
            conn.execute(
                text("SELECT id, created FROM events WHERE id > :first AND name = :name"),
                {"first": first, "name": "timetrack.update"},
            ).all()
        )
    expected = {(str(h["id"]), e) for h in hooks for e in created}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        arrivals = receiver.arrivals()
        missing = expected - arrivals.keys()
        if not missing:
            break
        time.sleep(0.2)
    assert not missing, f"{len(missing)} deliveries missing after 60 s"
    latencies = [arrivals[k] - created[k[1]] for k in expected]
    for hook in hooks:
        status, _ = admin.send("DELETE", f"/api/v1/hooks/{hook['id']}")
        assert status == 204
    return base, loaded, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file); empty")
    parser.add_argument("--users", type=int, default=100, help="users of the dataset")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each write test")
    parser.add_argument("--clients", type=int, default=4, help="concurrent writing clients")
    parser.add_argument("--hooks", type=int, default=10, help="subscriptions during the load")
    parser.add_argument("--rounds", type=int, default=3, help="baseline/loaded pairs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "hooks.db")
        built = build(db, users=args.users)
        print(f"dataset: {len(built['users'])} users, {built['records']:,} time-track records")
        engine = create_engine(normalize_url(db))
        receiver = Receiver(Path(tmp) / "received.log")
        # The receiver listens on loopback, which hooks reach only where allowed.
        with server(db, HOOK_ALLOWED_NETWORKS=f"127.0.0.1:{receiver.port}") as port:
            print(f"{os.cpu_count()} CPUs shared by server, clients and receiver")
            write_rate(port, built, 1.0, args.clients, "delta")  # warm-up
            ratios, all_latencies = [], []
            for n in range(1, args.rounds + 1):
                base, loaded, latencies = run_round(port, engine, built, receiver, args)
                ratios.append(loaded / base)
                all_latencies += latencies
                print(
                    f"round {n}: PATCH delta {args.clients} clients  no hooks {base:5.0f}/s   "
                    f"{args.hooks} hooks {loaded:5.0f}/s   ratio {loaded / base:4.2f}   latency "
                    f"p50 {statistics.median(latencies):4.0f} ms  p95 "
                    f"{percentile(latencies, 0.95):4.0f} ms  max {max(latencies):5.0f} ms   "
                    f"({len(latencies):,} deliveries)"
                )
            print(
                f"median ratio {statistics.median(ratios):.2f} (target >= 0.90); latency over "
                f"all rounds p50 {statistics.median(all_latencies):.0f} ms, p95 "
                f"{percentile(all_latencies, 0.95):.0f} ms (target <= 1000 ms); "
                f"{len(receiver.arrivals()):,} deliveries received"
            )
        receiver.close()
        engine.dispose()


if __name__ == "__main__":
    main()
