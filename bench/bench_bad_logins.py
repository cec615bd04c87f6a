"""Do clients with wrong passwords slow down a valid writer? Measured in one run.

A wrong password is never in the verification cache, so each attempt costs a full scrypt check
(about 55 ms of CPU). If that check ran inside the request's write transaction, it would hold
SQLite's write lock and every writer would queue behind the attacker's attempts.

The valid writer (cached credentials) sends PATCHes one after another, three times:

1. alone;
2. while 20 clients keep sending wrong-password GETs (the control: reads never took the write
   lock, so this is only the CPU the hashes cost);
3. while 20 clients keep sending wrong-password PATCHes.

Target: the writer's median latency in 3 is at most 2x that in 2: the write lock adds nothing.

    python bench/bench_bad_logins.py [--root CHECKOUT] [--patches 40] [--attackers 1,20]

``--root`` runs the server of another checkout (for a before/after comparison); the login ban
is raised so the attempts keep costing hashes, as from many addresses.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH, call, server  # noqa: E402

BAD = {"Authorization": "Basic " + base64.b64encode(b"admin:wrong-password").decode()}


def writer_latencies(port: int, task: int, patches: int) -> list[float]:
    times = []
    for i in range(patches):
        started = time.perf_counter()
        try:
            status, body = call(
                port,
                "PATCH",
                f"/api/v1/timetrack/admin/2025-03-04/{task}",
                {"time": 1 + i % 2},
                AUTH,
            )
        except TimeoutError:  # starved past the client's 30 s: counted as 30 s
            status, body = 200, None
        times.append(time.perf_counter() - started)
        assert status == 200, body
    return times


def with_attackers(port: int, method: str, attackers: int, measure):
    """Run ``measure`` while ``attackers`` clients keep sending wrong passwords."""
    stop = threading.Event()

    def attack():
        while not stop.is_set():
            try:
                if method == "GET":
                    call(port, "GET", "/api/v1/customers", headers=BAD)
                else:
                    call(port, "PATCH", "/api/v1/customers/1", {"name": "x"}, BAD)
            except OSError:  # a starved attempt timing out is part of the load
                pass

    threads = [threading.Thread(target=attack, daemon=True) for _ in range(attackers)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # let the attack get going
    try:
        return measure()
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, help="checkout whose server to run")
    parser.add_argument("--patches", type=int, default=40)
    parser.add_argument(
        "--attackers", default="1,20", help="comma-separated numbers of attacking clients"
    )
    args = parser.parse_args()
    settings = {"LOGIN_BAN_ATTEMPTS": "1000000"}
    with (
        tempfile.TemporaryDirectory() as tmp,
        server(str(Path(tmp) / "bench.db"), root=args.root, threads=32, **settings) as port,
    ):
        status, customer = call(port, "POST", "/api/v1/customers", {"name": "Acme"}, AUTH)
        assert status == 200, customer
        _, project = call(
            port, "POST", "/api/v1/projects", {"customerId": customer["id"], "name": "W"}, AUTH
        )
        _, task = call(
            port, "POST", "/api/v1/tasks", {"projectId": project["id"], "name": "T"}, AUTH
        )

        def measure():
            return statistics.median(writer_latencies(port, task["id"], args.patches)) * 1000

        alone = measure()
        print(f"server: {args.root or 'this checkout'}")
        print(f"valid writer, median PATCH latency alone: {alone:.1f} ms")
        for attackers in (int(n) for n in args.attackers.split(",")):
            control = with_attackers(port, "GET", attackers, measure)
            attacked = with_attackers(port, "PATCH", attackers, measure)
            print(
                f"{attackers:>3} attackers: with wrong-password GETs {control:.1f} ms "
                f"({control / alone:.1f}x alone), with wrong-password PATCHes {attacked:.1f} ms "
                f"({attacked / alone:.1f}x alone); PATCH attack / GET attack "
                f"{attacked / control:.2f}x (target <= 2x)"
            )


if __name__ == "__main__":
    main()
