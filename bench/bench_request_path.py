"""The request path in process, without a network: microseconds per request of the health
check, an authenticated GET of one customer and an authenticated PATCH of it, through the
Flask test client. Give a checkout to time another version of the code with the same client
(for a before/after comparison); runs alternate well on a noisy machine.

The GET is timed a second time on an app with the metrics on (``TIMETRACKER_METRICS=token``),
alternating with the first in rounds, so the difference is the metrics' cost per request in the
same run (a checkout without metrics times the same app twice: the difference is then noise).

    python bench/bench_request_path.py [CHECKOUT]
"""

from __future__ import annotations

import base64
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:manager").decode()}


def per_request_us(request, n: int = 3000) -> float:
    for _ in range(200):  # warm up: caches, the verification cache, pooled connections
        request()
    started = time.perf_counter()
    for _ in range(n):
        request()
    return (time.perf_counter() - started) / n * 1e6


def make_client(**settings):
    settings = {
        "DATABASE_URL": str(Path(tempfile.mkdtemp()) / "bench.db"),
        "ADMIN_PASSWORD": "manager",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_PER_SECOND": 10**9,
        "RATELIMIT_PER_MINUTE": 10**9,
        **settings,
    }
    prepare_database(settings)
    app = create_app(settings)
    client = app.test_client()
    customer = client.post("/api/v1/customers", json={"name": "A"}, headers=AUTH).get_json()
    return client, f"/api/v1/customers/{customer['id']}"


def main() -> None:
    client, url = make_client()
    metered, metered_url = make_client(METRICS="token", METRICS_TOKEN="bench-metrics-token-0123")
    health = per_request_us(lambda: client.get("/api/v1/health"))
    timings: dict[bool, list[float]] = {False: [], True: []}
    # Alternating rounds, each app first in every other one: the machine's drift and the
    # second place in a round (which costs a few per cent here) hit both alike.
    for first in (False, True, False, True):
        for on in (first, not first):
            this, path = (metered, metered_url) if on else (client, url)
            get = lambda this=this, path=path: this.get(path, headers=AUTH)  # noqa: E731
            timings[on].append(per_request_us(get, 1000))
    read, metered_read = min(timings[False]), min(timings[True])
    write = per_request_us(lambda: client.patch(url, json={"description": "x"}, headers=AUTH), 1500)
    print(
        f"{ROOT}: health {health:.0f} us, GET customer {read:.0f} us, PATCH {write:.0f} us; "
        f"GET customer with metrics on {metered_read:.0f} us ({metered_read / read - 1:+.1%})"
    )


if __name__ == "__main__":
    main()
