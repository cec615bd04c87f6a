"""The kept monthly totals (``time_totals``) stay exact under any sequence of changes.

Random sequences of the changes that touch time (a PATCH of a day record, a delta, a batch, a
CSV import over a range that starts and ends inside months, invoices made and deleted, locks,
rate changes, a task moved to another project or deleted, a timer, time entries made and marked
billable or not) are run through HTTP; after each step the kept totals must equal a rebuild from
the records, every record must be the sum of its time entries (its marks and billed minutes
too), and the totals the API answers must equal the sums of the records and entries it lists.
A failure names the seed and the steps that led to it, so it can be replayed.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.test_totals import kept_equals_rebuilt, listed_records
from timetracker.access import ENTER_TIME_TRACK
from timetracker.store import time_entries

DAYS = [dt.date(2026, 5, 20) + dt.timedelta(days=n) for n in range(75)]  # May 20 to Aug 2


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)


@pytest.fixture
def world(admin, make_user, catalogue):
    """Two users who may track time on every task, and the tasks (Design, Build, Release,
    Migrate data) with their project's names for import lines."""
    users = {
        name: make_user(ENTER_TIME_TRACK, username=name, assign_all=True).id
        for name in ("ann", "bob")
    }
    tasks = {t["id"]: t for t in admin.ok("get", "/tasks")["items"]}
    # One task of a type of work that is not billable: entries marked billable count there.
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    build = next(t for t in tasks.values() if t["name"] == "Build")
    admin.ok("patch", f"/tasks/{build['id']}", {"typeOfWorkId": internal["id"]})
    projects = {p["id"]: p for p in admin.ok("get", "/projects")["items"]}
    customers = {c["id"]: c for c in admin.ok("get", "/customers")["items"]}
    return {"users": users, "tasks": tasks, "projects": projects, "customers": customers}


class Steps:
    """Random changes, each sent through HTTP; what was sent is kept for the failure message."""

    def __init__(self, admin, world, rng: random.Random):
        self.admin, self.world, self.rng = admin, world, rng
        self.log: list[str] = []
        self.invoices: list[int] = []
        self.invoice_numbers = iter(range(1, 10_000))

    def _send(self, method: str, path: str, body=None, **kw):
        response = self.admin.request(method, path, json=body, **kw)
        self.log.append(f"{method.upper()} {path} {body!r} -> {response.status_code}")
        assert response.status_code < 500, response.get_json()
        return response

    def _user(self) -> int:
        return self.rng.choice(sorted(self.world["users"].values()))

    def _task(self) -> int:
        return self.rng.choice(sorted(self.world["tasks"]))

    def _day(self) -> dt.date:
        return self.rng.choice(DAYS)

    def _cell(self) -> str:
        return f"/timetrack/{self._user()}/{self._day()}/{self._task()}"

    def _period(self, longest: int = 40) -> tuple[dt.date, dt.date]:
        first = self._day()
        return first, min(first + dt.timedelta(days=self.rng.randint(0, longest)), DAYS[-1])

    # --- the changes ----------------------------------------------------------------------

    def patch(self):
        self._send("patch", self._cell(), {"time": self.rng.choice((0, 15, 60, 95, 240))})

    def delta(self):
        self._send("patch", self._cell() + "/time", {"delta": self.rng.choice((-30, 10, 45))})

    def batch(self):
        items = [
            {"method": "PATCH", "relativeUrl": self._cell().lstrip("/"),
             "body": {"time": self.rng.choice((0, 5, 30, 120))}}
            for _ in range(self.rng.randint(2, 6))
        ]  # fmt: skip
        self._send("post", "/batch", items)

    def import_csv(self):
        """Lines over a period that starts and ends inside months."""
        names = {v: k for k, v in self.world["users"].items()}
        first, last = self._period()
        lines = ["username,date,customer,project,task,minutes,comment"]
        for _ in range(self.rng.randint(1, 5)):
            day = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
            task = self.world["tasks"][self._task()]
            project = self.world["projects"][task["projectId"]]
            customer = self.world["customers"][project["customerId"]]
            lines.append(
                f"{names[self._user()]},{day},{customer['name']},{project['name']},"
                f"{task['name']},{self.rng.choice((10, 25, 90))},"
            )
        text = "\n".join(lines) + "\n"
        self.log.append(f"import {text!r}")
        response = self.admin.client.post(
            "/api/v1/timetrack/import",
            data=text,
            headers={**self.admin.headers, "Content-Type": "text/csv"},
        )
        self.log[-1] += f" -> {response.status_code}"
        assert response.status_code < 500, response.get_json()

    def entry(self):
        """An entry, untimed or timed, following its task's type of work or marked."""
        body = {"userId": self._user(), "taskId": self._task(), "date": str(self._day())}
        body["minutes"] = self.rng.choice((5, 30, 75))
        if self.rng.random() < 0.5:
            body["start"] = f"{body['date']}T{self.rng.randint(0, 20):02}:00:00Z"
            del body["date"]
        billable = self.rng.choice((None, True, False))
        if billable is not None:
            body["billable"] = billable
        self._send("post", "/timeEntries", body)

    def mark(self):
        """An entry marked billable, not billable, or left to its type of work."""
        listed = self.admin.ok("get", "/timeEntries?limit=1000")["items"]
        if listed:
            chosen = self.rng.choice(listed)
            billable = self.rng.choice((None, True, False))
            self._send("patch", f"/timeEntries/{chosen['id']}", {"billable": billable})

    def invoice(self):
        first, last = self._period()
        response = self._send(
            "post",
            "/invoices",
            {"number": f"N-{next(self.invoice_numbers)}", "dateFrom": str(first),
             "dateTo": str(last)},
        )  # fmt: skip
        if response.status_code == 200:
            self.invoices.append(response.get_json()["id"])

    def delete_invoice(self):
        if self.invoices:
            invoice = self.invoices.pop(self.rng.randrange(len(self.invoices)))
            self._send("delete", f"/invoices/{invoice}")

    def lock(self):
        """Short periods locked, long ones unlocked: most changes still find open days."""
        action = self.rng.choice(("lock", "unlock"))
        first, last = self._period(5 if action == "lock" else 40)
        self._send("post", f"/timetrack/{action}", {"dateFrom": str(first), "dateTo": str(last)})

    def rates(self):
        user = self._user()
        self._send("put", f"/userRates/{user}", [
            {"dateFrom": str(self._day()), "regularRate": self.rng.choice((20, 37.5)),
             "overtimeRate": 50},
        ])  # fmt: skip

    def move_task(self):
        task = self.world["tasks"][self._task()]
        project = self.rng.choice(sorted(self.world["projects"]))
        response = self._send("patch", f"/tasks/{task['id']}", {"projectId": project})
        if response.status_code == 200:
            task["projectId"] = project

    def delete_task(self):
        if len(self.world["tasks"]) > 2:
            task = self._task()
            if self._send("delete", f"/tasks/{task}").status_code == 204:
                del self.world["tasks"][task]

    def timer(self):
        """A timer started and stopped at once: its minutes (0 or 1) go through a delta."""
        user, task = self._user(), self._task()
        if self._send("post", "/timers", {"userId": user, "taskId": task}).status_code == 200:
            self._send("post", f"/timers/{user}/stop")

    WEIGHTED = (
        ("patch", 6), ("delta", 3), ("batch", 3), ("import_csv", 4), ("invoice", 2),
        ("delete_invoice", 1), ("lock", 2), ("rates", 1), ("move_task", 1),
        ("delete_task", 1), ("timer", 1), ("entry", 4), ("mark", 3),
    )  # fmt: skip

    def any(self) -> None:
        names = [name for name, weight in self.WEIGHTED for _ in range(weight)]
        getattr(self, self.rng.choice(names))()


def records_are_the_sums_of_entries(app) -> None:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        assert time_entries.disagreeing_cells(conn) == []


def api_totals_equal_records(admin, rng: random.Random) -> None:
    """The totals answered for a period and by month and user equal the sums of the listed
    records (what of them is billable or billed: :func:`api_totals_equal_entries`)."""
    first = rng.choice(DAYS)
    last = rng.choice([d for d in DAYS if d >= first])
    records = listed_records(admin, str(first), str(last))
    body = admin.ok("get", f"/timetrack/totals?dateFrom={first}&dateTo={last}&groupBy=month,user")
    expected: dict[tuple, int] = {}
    for user, day, _task, minutes, _billable, _billed in records:
        key = (day[:8] + "01", user)
        expected[key] = expected.get(key, 0) + minutes
    answered = {(g["month"], g["userId"]): g["totals"]["totalMinutes"] for g in body["groups"]}
    assert answered == {k: v for k, v in expected.items() if v}, (first, last)
    assert body["totals"]["totalMinutes"] == sum(r[3] for r in records)


def api_totals_equal_entries(admin, rng: random.Random) -> None:
    """The totals answered by month equal the sums of the listed entries: all, billable (an
    entry's own mark, or its task's type of work) and billed."""
    first = rng.choice(DAYS)
    last = rng.choice([d for d in DAYS if d >= first])
    listed = admin.ok("get", f"/timeEntries?dateFrom={first}&dateTo={last}&limit=1000")["items"]
    expected: dict[str, list[int]] = {}
    for item in listed:
        if item["end"] is None and item["start"] is not None:
            continue  # running: counts nothing yet
        sums = expected.setdefault(item["date"][:8] + "01", [0, 0, 0])
        sums[0] += item["minutes"]
        sums[1] += item["minutes"] if item["billable"] else 0
        sums[2] += item["minutes"] if item["invoiceId"] is not None else 0
    body = admin.ok("get", f"/timetrack/totals?dateFrom={first}&dateTo={last}&groupBy=month")
    answered = {
        g["month"]: [g["totals"][k] for k in ("totalMinutes", "billableMinutes", "billedMinutes")]
        for g in body["groups"]
    }
    assert answered == {k: v for k, v in expected.items() if v[0]}, (first, last)
    for billable in (True, False):
        query = f"dateFrom={first}&dateTo={last}&billable={str(billable).lower()}"
        kept = admin.ok("get", f"/timetrack/totals?{query}")["totals"]["totalMinutes"]
        summed = sum(v[1] for v in expected.values())
        assert kept == (summed if billable else sum(v[0] for v in expected.values()) - summed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_totals_stay_exact_under_random_changes(app, admin, world, seed):
    rng = random.Random(seed)
    steps = Steps(admin, world, rng)
    for _ in range(20):  # some time to start from
        steps.patch()
    for number in range(45):
        steps.any()
        try:
            kept_equals_rebuilt(app)
            records_are_the_sums_of_entries(app)
            if number % 5 == 4:
                api_totals_equal_records(admin, rng)
                api_totals_equal_entries(admin, rng)
        except AssertionError as exc:
            raise AssertionError(
                f"seed {seed}, after step {number}:\n" + "\n".join(steps.log[-25:])
            ) from exc


def test_an_import_inside_a_month_keeps_the_rest_of_the_month(app, admin, world):
    """A record later in the month than every imported line stays counted."""
    ann, task = world["users"]["ann"], sorted(world["tasks"])[0]
    admin.ok("patch", f"/timetrack/{ann}/2026-06-20/{task}", {"time": 100})
    t = world["tasks"][task]
    project = world["projects"][t["projectId"]]
    customer = world["customers"][project["customerId"]]
    response = admin.client.post(
        "/api/v1/timetrack/import",
        data="username,date,customer,project,task,minutes\n"
        f"ann,2026-06-05,{customer['name']},{project['name']},{t['name']},10\n",
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.get_json()
    june = "dateFrom=2026-06-01&dateTo=2026-06-30"
    assert admin.ok("get", f"/timetrack/totals?{june}")["totals"]["totalMinutes"] == 110
    assert admin.ok("get", f"/users/{ann}/totals?{june}")["totals"]["totalMinutes"] == 110
    kept_equals_rebuilt(app)


def test_check_finds_and_repairs_kept_totals(app, admin, world, migrated_database_url):
    """A database whose kept totals disagree with the records (as an import of an earlier
    version could leave one): ``timetracker check`` lists the rows and exits 1, ``--repair``
    computes them again, and the API's totals equal the records."""
    from click.testing import CliRunner
    from sqlalchemy import delete, insert, update

    from timetracker.cli import main
    from timetracker.store.schema import time_totals

    ann, bob = world["users"]["ann"], world["users"]["bob"]
    design, build = sorted(world["tasks"])[:2]
    admin.ok("patch", f"/timetrack/{ann}/2026-06-05/{design}", {"time": 10})
    admin.ok("patch", f"/timetrack/{ann}/2026-06-20/{design}", {"time": 100})
    admin.ok("patch", f"/timetrack/{bob}/2026-07-01/{build}", {"time": 30})
    ok = CliRunner().invoke(main, ["check", "--db", migrated_database_url])
    assert ok.exit_code == 0, ok.output
    assert "every row equals the sum of its records" in ok.output

    engine = app.extensions["timetracker"]["engine"]
    june, july = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
    with engine.begin() as conn:  # what the old import left: the month's row cut short
        conn.execute(
            update(time_totals)
            .where(time_totals.c.month == june, time_totals.c.user_id == ann)
            .values(minutes=10)
        )
        conn.execute(delete(time_totals).where(time_totals.c.user_id == bob))
        conn.execute(
            insert(time_totals).values(
                month=july, user_id=ann, task_id=build, minutes=5, billed_minutes=0,
                cost_minute_cents=0, billed_cost_minute_cents=0,
            )
        )  # fmt: skip
    july_totals = "/timetrack/totals?dateFrom=2026-06-01&dateTo=2026-07-31"
    assert admin.ok("get", july_totals)["totals"]["totalMinutes"] == 15

    found = CliRunner().invoke(main, ["check", "--db", migrated_database_url])
    assert found.exit_code == 1, found.output
    assert "3 row(s) disagree" in found.output
    assert f"2026-06, user {ann}, task {design}: kept 10 min, records 110 min" in found.output
    assert f"2026-07, user {ann}, task {build}: kept 5 min, records none" in found.output
    assert f"2026-07, user {bob}, task {build}: kept none, records 30 min" in found.output
    assert "timetracker check --repair" in found.output

    repaired = CliRunner().invoke(main, ["check", "--repair", "--db", migrated_database_url])
    assert repaired.exit_code == 0, repaired.output
    assert "Repaired" in repaired.output
    kept_equals_rebuilt(app)
    assert admin.ok("get", july_totals)["totals"]["totalMinutes"] == 140
    again = CliRunner().invoke(main, ["check", "--db", migrated_database_url])
    assert again.exit_code == 0, again.output


def test_check_finds_and_repairs_records_that_are_not_their_entries_sums(
    app, admin, world, migrated_database_url
):
    """Day records written past their entries (a record changed by hand, one missing, one left
    without entries, marks lost): ``timetracker check`` lists them and exits 1; ``--repair``
    writes them again from the entries, and the kept totals follow."""
    from click.testing import CliRunner
    from sqlalchemy import delete, update

    from timetracker.cli import main
    from timetracker.store.schema import day_records, time_entries

    ann, bob = world["users"]["ann"], world["users"]["bob"]
    design, build = sorted(world["tasks"])[:2]
    admin.ok("post", "/timeEntries", {"userId": ann, "taskId": design, "date": "2026-06-05",
                                      "minutes": 40, "billable": False})  # fmt: skip
    admin.ok("patch", f"/timetrack/{ann}/2026-06-20/{design}", {"time": 100})
    admin.ok("patch", f"/timetrack/{bob}/2026-07-01/{build}", {"time": 30})
    admin.ok("patch", f"/timetrack/{bob}/2026-07-02/{build}", {"time": 20})
    assert CliRunner().invoke(main, ["check", "--db", migrated_database_url]).exit_code == 0

    engine = app.extensions["timetracker"]["engine"]
    dr = day_records
    with engine.begin() as conn:
        conn.execute(
            update(dr).where(dr.c.user_id == ann, dr.c.date == dt.date(2026, 6, 5))
            .values(minutes=45, marked_unbillable=0)
        )  # fmt: skip
        conn.execute(delete(dr).where(dr.c.user_id == bob, dr.c.date == dt.date(2026, 7, 1)))
        conn.execute(
            delete(time_entries).where(
                time_entries.c.user_id == bob, time_entries.c.date == dt.date(2026, 7, 2)
            )
        )
    found = CliRunner().invoke(main, ["check", "--db", migrated_database_url])
    assert found.exit_code == 1, found.output
    assert "Day records: 3 disagree with the sum of their time entries" in found.output
    for line in (f"user {ann}, 2026-06-05, task {design}", f"user {bob}, 2026-07-01, task {build}",
                 f"user {bob}, 2026-07-02, task {build}"):  # fmt: skip
        assert line in found.output

    repaired = CliRunner().invoke(main, ["check", "--repair", "--db", migrated_database_url])
    assert repaired.exit_code == 0, repaired.output
    assert "the day records were written again from their entries" in repaired.output
    records_are_the_sums_of_entries(app)
    kept_equals_rebuilt(app)
    period = "/timetrack/totals?dateFrom=2026-06-01&dateTo=2026-07-31"
    answered = admin.ok("get", period)["totals"]
    # Build is of a type of work that is not billable; the 40 are marked not billable.
    assert (answered["totalMinutes"], answered["billableMinutes"]) == (40 + 100 + 30, 100)
    again = CliRunner().invoke(main, ["check", "--db", migrated_database_url])
    assert again.exit_code == 0, again.output
