"""The throttle and the login ban on Redis, per authenticated request: as counted now (the ban's
look-up, then every limit in one script: two round trips) against the library's own calls as
they were made before (the ban's ``test``, then ``incr`` and ``get_expiry`` per limit: five),
alternating in one process.

    python bench/bench_throttle.py [--redis redis://127.0.0.1:6379/12] [--requests 2000]

Prints the wall and CPU microseconds of each, median of three rounds.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from timetracker.config import load_config
from timetracker.ratelimit import Limiter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    config = dict(load_config())
    config.update(
        RATELIMIT_STORAGE=args.redis,
        RATELIMIT_KEY_PREFIX="bench-throttle-" + uuid.uuid4().hex,
        RATELIMIT_PER_SECOND=10**9,
        RATELIMIT_PER_MINUTE=10**9,
    )
    limiter = Limiter(config)
    storage = limiter.storage

    def now() -> None:
        limiter.is_banned("127.0.0.1")
        limiter.hit(1)

    def before() -> None:
        limiter.fixed.test(limiter.ban, limiter.prefix, "127.0.0.1")
        for item in limiter.limits:
            key = item.key_for(limiter.prefix, "1")
            storage.incr(key, item.get_expiry(), amount=1)
            storage.get_expiry(key)

    def timed(request) -> tuple[float, float]:
        for _ in range(100):
            request()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            request()
        return (
            (time.perf_counter() - wall) / args.requests * 1e6,
            (time.process_time() - cpu) / args.requests * 1e6,
        )

    rounds: dict[str, list[tuple[float, float]]] = {"before (5 trips)": [], "now (2 trips)": []}
    for _ in range(3):
        rounds["before (5 trips)"].append(timed(before))
        rounds["now (2 trips)"].append(timed(now))
    for name, figures in rounds.items():
        wall = statistics.median(f[0] for f in figures)
        cpu = statistics.median(f[1] for f in figures)
        print(f"{name:17} {wall:6.0f} us wall, {cpu:5.0f} us CPU per request")
    storage.get_connection().delete(*(storage.prefixed_key(k) for k in limiter.throttle_keys(1)))


if __name__ == "__main__":
    main()
