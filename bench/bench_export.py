"""A year of time-track as CSV, streamed through the real server.

    python bench/bench_export.py [--db URL_OR_PATH] [--year 2025] [--runs 2]

Uses the dataset of ``timetrack_dataset.py`` (1,000 users, 5,000 tasks, 1,044,000 records): built
in a temporary SQLite file, or in the database given by --db (built there when it is empty,
reused when it already holds the dataset). Then, as the administrator, it downloads
``GET /api/v1/reports/detailed?dateFrom=Y-01-01&dateTo=Y-12-31&format=csv``, counts the rows,
and measures rows per second and the server process's memory (VmRSS, polled every 20 ms) before
and at its peak during the downloads. The baseline, measured in the same run, in turns with the
downloads: the same rows fetched with one plain SQL query and written with csv.writer to
/dev/null in this process. The best of --runs of each counts.
Targets: at least 100,000 rows/s through the server, and less than 50 MB of memory growth.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import os
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH, PASSWORD, ROOT, answering, free_port  # noqa: E402
from timetrack_dataset import build  # noqa: E402

from timetracker.store.db import normalize_url  # noqa: E402

# The report's rows, written by hand: what the endpoint must keep up with.
PLAIN_SQL = """
SELECT e.date, e.user_id, u.first_name || ' ' || u.last_name, p.customer_id, c.name,
       t.project_id, p.name, e.task_id, t.name, t.type_of_work_id, w.name, e.minutes,
       e.comment, w.billable, e.invoice_id IS NOT NULL, e.invoice_id
FROM day_records e
JOIN tasks t ON t.id = e.task_id
JOIN projects p ON p.id = t.project_id
JOIN customers c ON c.id = p.customer_id
JOIN types_of_work w ON w.id = t.type_of_work_id
JOIN users u ON u.id = e.user_id
WHERE e.date BETWEEN :a AND :b
ORDER BY e.date, e.user_id, e.task_id
"""


@contextmanager
def server_process(db: str):
    """The real server on ``db``; yields (port, process id)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env.update(
        TIMETRACKER_ADMIN_PASSWORD=PASSWORD,
        TIMETRACKER_RATELIMIT_PER_SECOND="10000000",
        TIMETRACKER_RATELIMIT_PER_MINUTE="10000000",
    )
    command = [sys.executable, "-m", "timetracker", "serve", "--port", str(port), "--db", db]
    with answering(command, port, timeout=60, env=env, cwd=ROOT) as process:
        yield port, process.pid


def rss_mb(pid: int) -> float:
    """The resident memory of the server: the process and every process under it (the
    server's workers, which answer the requests, are its children)."""
    total = 0.0
    for process in _tree(pid):
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except FileNotFoundError:  # ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found, todo = [], [pid]
    while todo:
        process = todo.pop()
        found.append(process)
        for task in Path(f"/proc/{process}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError):
                todo.extend(int(child) for child in task.read_text().split())
    return found


class PeakMemory:
    """Polls the server's resident memory (its processes' VmRSS) in a thread until stopped;
    keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval = pid, interval
        self.peak = rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def download(port: int, path: str) -> tuple[int, int, float, str]:
    """(rows, bytes, seconds, Transfer-Encoding) of one CSV download. Rows are counted as line
    ends, minus the header: the dataset has no comments, so no cell holds a line break."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path, headers=AUTH)
    response = conn.getresponse()
    assert response.status == 200, (response.status, response.read(300))
    lines = size = 0
    while block := response.read(1 << 16):
        lines += block.count(b"\n")
        size += len(block)
    elapsed = time.perf_counter() - started
    conn.close()
    return lines - 1, size, elapsed, response.getheader("Transfer-Encoding") or "none"


def plain_csv(engine, date_from: str, date_to: str) -> tuple[int, float]:
    """The baseline: one SQL query, csv.writer to /dev/null, in this process."""
    started = time.perf_counter()
    rows = 0
    with engine.connect() as conn, open(os.devnull, "w", newline="") as sink:
        writer = csv.writer(sink)
        result = conn.execution_options(yield_per=1000).execute(
            text(PLAIN_SQL), {"a": date_from, "b": date_to}
        )
        for partition in result.partitions():
            writer.writerows(partition)
            rows += len(partition)
    return rows, time.perf_counter() - started


def has_dataset(db: str) -> bool:
    engine = create_engine(normalize_url(db))
    try:
        if not inspect(engine).has_table("day_records"):
            return False
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM day_records")).scalar_one() > 0
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database path or URL (default: a temporary SQLite file)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=2, help="downloads (best one counts)")
    args = parser.parse_args()
    date_from, date_to = f"{args.year}-01-01", f"{args.year}-12-31"

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "timetrack.db")
        if has_dataset(db):
            print(f"dataset: reusing {db}")
        else:
            started = time.perf_counter()
            built = build(db, year=args.year)
            print(
                f"dataset: {built['records']:,} time-track records, built in "
                f"{time.perf_counter() - started:.1f} s"
            )
        engine = create_engine(normalize_url(db))
        with server_process(db) as (port, pid):
            print(f"{os.cpu_count()} CPUs shared by server, client and baseline; 8 threads")
            path = f"/api/v1/reports/detailed?dateFrom={date_from}&dateTo={date_to}&format=csv"
            # Warm-up: one day, so that imports, pools and the credential cache are in place.
            download(port, path.replace(date_to, date_from))
            before = rss_mb(pid)
            peak = before
            api, plain = [], []
            for run in range(1, args.runs + 1):
                # In turns, so that a busy moment of the machine weighs on both alike.
                base_rows, base_elapsed = plain_csv(engine, date_from, date_to)
                with PeakMemory(pid) as memory:
                    rows, size, elapsed, encoding = download(port, path)
                peak = max(peak, memory.peak)
                assert rows == base_rows, (rows, base_rows)
                api.append(elapsed)
                plain.append(base_elapsed)
                print(
                    f"run {run}: API {rows:,} rows, {size / 1e6:.0f} MB in {elapsed:.2f} s "
                    f"({rows / elapsed:,.0f} rows/s, Transfer-Encoding: {encoding}); plain "
                    f"{base_elapsed:.2f} s ({base_rows / base_elapsed:,.0f} rows/s); server RSS "
                    f"peak {memory.peak:.0f} MB"
                )
            after = rss_mb(pid)
        engine.dispose()
    rate, base_rate = rows / min(api), base_rows / min(plain)
    print(
        f"API   best of {args.runs}: {rate:,.0f} rows/s (target >= 100,000); plain SQL + "
        f"csv.writer to /dev/null: {base_rate:,.0f} rows/s; API at {rate / base_rate:.0%} of it"
    )
    print(
        f"server RSS: {before:.0f} MB before, {peak:.0f} MB peak, {after:.0f} MB after: "
        f"grew {peak - before:.1f} MB (target < 50)"
    )


if __name__ == "__main__":
    main()
