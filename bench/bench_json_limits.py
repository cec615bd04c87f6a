"""What the limits on JSON bodies cost: microseconds (CPU time, best of five) to read an
ordinary PATCH body and a batch of 1,000 items with the server's reader
(:func:`timetracker.json_provider.read_json`: nesting measured, integers and floats checked)
against the standard library's ``json.loads`` without limits, in the same process.

    python bench/bench_json_limits.py
"""

from __future__ import annotations

import json
import time

import orjson

from timetracker.json_provider import read_json

SMALL = b'{"time": 100, "comment": "Reviewed the draft"}'
BATCH = orjson.dumps(
    [
        {
            "method": "PATCH",
            "path": f"/timetrack/jsmith/2026-06-{day:02d}/{task}",
            "body": {"time": 60 + task, "comment": "Reviewed the draft"},
        }
        for day in range(1, 29)
        for task in range(1, 37)
    ][:1000]
)


def best_us(read, body: bytes, n: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(n):
            read(body)
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


def main() -> None:
    for name, body, n in (("PATCH body", SMALL, 100_000), ("batch of 1,000 items", BATCH, 200)):
        plain, limited = best_us(json.loads, body, n), best_us(read_json, body, n)
        print(
            f"{name} ({len(body):,} bytes): json.loads {plain:,.2f} us, read_json "
            f"{limited:,.2f} us ({limited - plain:+,.2f} us, x{limited / plain:.2f})"
        )


if __name__ == "__main__":
    main()
