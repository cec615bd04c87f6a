"""The Teamwork face's listing against /api/v1's: 10,000 time entries read in pages of 500
through ``GET /teamwork/time_entries.json`` (with its X-Records count, names and UTC moments)
and through ``GET /api/v1/timeEntries`` (offset and limit), in process through the Flask test
client, alternating rounds on the same database; prints the milliseconds of each whole listing
(the median of the rounds) and their ratio, in wall-clock time and in this process's CPU time
(``time.process_time()``: less sensitive to other load on the machine, as the test client runs
the server in this process).

    python bench/bench_teamwork.py [ENTRIES] [ROUNDS]
"""

from __future__ import annotations

import base64
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402
from timetracker.store import time_entries as entry_store  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:manager").decode()}
PAGE = 500


def make_app(entries: int):
    settings = {
        "DATABASE_URL": str(Path(tempfile.mkdtemp()) / "bench.db"),
        "ADMIN_PASSWORD": "manager",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_PER_SECOND": 10**9,
        "RATELIMIT_PER_MINUTE": 10**9,
    }
    prepare_database(settings)
    app = create_app(settings)
    client = app.test_client()

    def made(path: str, body: dict) -> int:
        answer = client.post(f"/api/v1/{path}", json=body, headers=AUTH)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["id"]

    tasks = []
    for c in range(3):
        customer = made("customers", {"name": f"Customer {c}"})
        for p in range(3):
            project = made("projects", {"customerId": customer, "name": f"Project {p}"})
            tasks += [made("tasks", {"projectId": project, "name": f"Task {t}"}) for t in range(3)]
    first = dt.date(2024, 1, 1)
    rows = [
        {
            "user_id": 1,
            "date": first + dt.timedelta(days=n % 700),
            "task_id": tasks[n % len(tasks)],
            "minutes": 5 + n % 120,
        }
        for n in range(entries)
    ]
    with app.extensions["timetracker"]["engine"].begin() as conn:
        entry_store.insert_untimed(conn, rows)
    return client


def list_all(client, url_of_page, entries: int, key: str) -> tuple[float, float]:
    """Milliseconds to read every page, wall-clock and CPU; checks the pages hold every
    entry."""
    started, started_cpu = time.perf_counter(), time.process_time()
    seen = 0
    for page in range((entries + PAGE - 1) // PAGE):
        answer = client.get(url_of_page(page), headers=AUTH)
        assert answer.status_code == 200, answer.get_json()
        seen += len(answer.get_json()[key])
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - started_cpu) * 1000
    assert seen == entries, (seen, entries)
    return elapsed, cpu


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    client = make_app(entries)

    def teamwork(page: int) -> str:
        return f"/teamwork/time_entries.json?pageSize={PAGE}&page={page + 1}"

    def api_v1(page: int) -> str:
        return f"/api/v1/timeEntries?limit={PAGE}&offset={page * PAGE}"

    times: dict[str, list[float]] = {"teamwork": [], "api_v1": []}
    cpu: dict[str, list[float]] = {"teamwork": [], "api_v1": []}
    list_all(client, teamwork, entries, "time-entries")  # warm up both
    list_all(client, api_v1, entries, "items")
    for n in range(rounds):
        order = [("teamwork", teamwork, "time-entries"), ("api_v1", api_v1, "items")]
        for name, url, key in order if n % 2 == 0 else reversed(order):
            elapsed, spent = list_all(client, url, entries, key)
            times[name].append(elapsed)
            cpu[name].append(spent)
    face, plain = statistics.median(times["teamwork"]), statistics.median(times["api_v1"])
    print(f"{entries} entries in pages of {PAGE}, median of {rounds} rounds:")
    print(f"  GET /teamwork/time_entries.json  {face:8.1f} ms")
    print(f"  GET /api/v1/timeEntries          {plain:8.1f} ms")
    print(f"  ratio                            {face / plain:8.2f} (target: at most 1.5)")
    face, plain = statistics.median(cpu["teamwork"]), statistics.median(cpu["api_v1"])
    print("CPU time of this process (time.process_time()), median of the same rounds:")
    print(f"  GET /teamwork/time_entries.json  {face:8.1f} ms")
    print(f"  GET /api/v1/timeEntries          {plain:8.1f} ms")
    print(f"  ratio                            {face / plain:8.2f} (target: at most 1.5)")


if __name__ == "__main__":
    main()
