"""Imports of other time trackers' exports (``POST /imports/{format}``, ``timetracker import
FORMAT FILE``): a realistic file of each product, a file with every kind of error, a re-run and a
dry run. What an import created is checked against sums made here from the source file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from timetracker.access import (
    ENTER_TIME_TRACK,
    MANAGE_SCOPE_OF_WORK,
    MODIFY_APPROVE_TIME_TRACK,
)
from timetracker.cli import main
from timetracker.store.schema import metadata

from .conftest import basic

ALL_FLAGS = {"team_all": True, "scope_all": True, "assign_all": True}

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
FILES = {
    "toggl": "toggl.csv",
    "clockify": "clockify.csv",
    "harvest": "harvest.csv",
    "kimai": "kimai.csv",
    "timetagger": "timetagger.tsv",
    "entries": "entries.csv",
}
ERROR_FILES = {name: file.replace(".", "_errors.") for name, file in FILES.items()}
MEDIA = {"timetagger": "text/tab-separated-values"}


# --- what a source file holds, summed here ------------------------------------------------------


def _rows(name: str, file: str | None = None) -> list[dict[str, str]]:
    text = (FIXTURES / (file or FILES[name])).read_text()
    delimiter = "\t" if name == "timetagger" else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _minutes(seconds: float) -> int:
    return int(Decimal(seconds / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _span(day: str, time: str, end_day: str, end_time: str, pattern: str) -> int:
    start = dt.datetime.strptime(f"{day} {time}", pattern)
    end = dt.datetime.strptime(f"{end_day} {end_time}", pattern)
    if end < start:  # Kimai's end past midnight
        end += dt.timedelta(days=1)
    return _minutes((end - start).total_seconds())


def _epoch(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return dt.datetime.fromisoformat(text).timestamp()


def source_entries(name: str) -> list[tuple[str, int, bool | None, str]]:
    """(user, minutes, billable, description) of each line of the file that makes an entry."""
    found = []
    for row in _rows(name):
        if name == "toggl":
            minutes = _span(
                row["Start date"],
                row["Start time"],
                row["End date"],
                row["End time"],
                "%Y-%m-%d %H:%M:%S",
            )
            found.append((row["Email"], minutes, row["Billable"] == "Yes", row["Description"]))
        elif name == "clockify":
            minutes = _span(
                row["Start Date"],
                row["Start Time"],
                row["End Date"],
                row["End Time"],
                "%m/%d/%Y %I:%M:%S %p",
            )
            found.append((row["Email"], minutes, row["Billable"] == "Yes", row["Description"]))
        elif name == "harvest":
            minutes = _minutes(float(Decimal(row["Hours"]) * 3600))
            if minutes:
                email = f"{row['First Name'].lower()}@example.com"
                found.append((email, minutes, row["Billable?"] == "Yes", row["Notes"]))
        elif name == "kimai":
            minutes = _span(row["Date"], row["Begin"], row["Date"], row["End"], "%Y-%m-%d %H:%M")
            found.append((row["Email"], minutes, row["Billable"] == "1", row["Description"]))
        elif name == "timetagger":
            if row["stop"]:
                minutes = _minutes(_epoch(row["stop"]) - _epoch(row["start"]))
                found.append(("ann@example.com", minutes, None, row["description"]))
        else:
            if row["minutes"]:
                minutes = int(row["minutes"])
            else:
                start = dt.datetime.fromisoformat(row["start"])
                minutes = _minutes((dt.datetime.fromisoformat(row["end"]) - start).total_seconds())
            billable = {"true": True, "false": False, "": None}[row["billable"]]
            found.append((f"{row['username']}@example.com", minutes, billable, row["description"]))
    return found


# --- helpers -----------------------------------------------------------------------------------


def post_import(client, name: str, data: bytes | str, **query):
    body = data.encode() if isinstance(data, str) else data
    params = "&".join(f"{k}={str(v).lower()}" for k, v in query.items())
    return client.client.post(
        f"/api/v1/imports/{name}" + (f"?{params}" if params else ""),
        data=body,
        headers={**client.headers, "Content-Type": MEDIA.get(name, "text/csv")},
    )


def every_row(app) -> dict:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in metadata.sorted_tables
        }


@pytest.fixture
def people(make_user):
    """Ann and Bo, as the exports name them (email, username, full name)."""
    return {
        "ann@example.com": make_user(
            username="ann", first_name="Ann", last_name="Lee", email="ann@example.com"
        ),
        "bo@example.com": make_user(
            username="bo", first_name="Bo", last_name="Chen", email="bo@example.com"
        ),
    }


def entries_of(admin, user_id: int) -> list[dict]:
    body = admin.ok("get", f"/timeEntries?userIds={user_id}&limit=1000")
    return body["items"]


def totals_by_user(admin) -> dict[int, int]:
    body = admin.ok("get", "/timetrack/totals?groupBy=user")
    return {g["userId"]: g["totals"]["totalMinutes"] for g in body["groups"]}


def assert_totals_match_the_file(admin, people, name: str) -> None:
    expected: dict[str, int] = {}
    billable: dict[tuple[str, str], bool] = {}
    for user, minutes, is_billable, description in source_entries(name):
        expected[user] = expected.get(user, 0) + minutes
        if is_billable is not None:  # else: as the task's type of work
            billable[(user, description)] = is_billable
    by_user = totals_by_user(admin)
    for email, client in people.items():
        entries = entries_of(admin, client.id)
        assert sum(e["minutes"] for e in entries) == expected.get(email, 0), email
        assert by_user.get(client.id, 0) == expected.get(email, 0), email
        for entry in entries:
            wanted = billable.get((email, entry.get("description")))
            assert wanted is None or entry["billable"] is wanted, entry


# --- each product ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FILES))
def test_a_realistic_export_imports_with_the_files_totals(app, admin, people, name):
    data = (FIXTURES / FILES[name]).read_bytes()
    lines = len(_rows(name))
    before = every_row(app)
    dry = post_import(admin, name, data, dryRun=True, user="ann")
    assert dry.status_code == 200, dry.get_json()
    assert every_row(app) == before  # a dry run keeps nothing
    expected = source_entries(name)
    assert dry.get_json()["dryRun"] is True
    assert dry.get_json()["entriesCreated"] == len(expected)

    response = post_import(admin, name, data, user="ann")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["lines"] == lines
    assert body["entriesCreated"] == len(expected)
    assert body["minutesCreated"] == sum(e[1] for e in expected)
    assert body["skipped"] == lines - len(expected)
    # The dry run answered what the import then created.
    assert {k: v for k, v in dry.get_json().items() if k != "dryRun"} == {
        k: v for k, v in body.items() if k != "dryRun"
    }
    assert_totals_match_the_file(admin, people, name)

    # Again: nothing twice.
    again = post_import(admin, name, data, user="ann")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["entriesCreated"] == 0
    assert again.get_json()["alreadyImported"] == len(expected)
    assert again.get_json()["customersCreated"] == []
    assert_totals_match_the_file(admin, people, name)


def _expected_problems(name: str) -> dict[int, str]:
    """Line number -> a word of the problem the error file's line must be refused for."""
    return {
        "toggl": {
            3: "start: '2026-02-30'",
            4: "start: '25:00:00'",
            5: "billable: 'Maybe'",
            6: "end: before the start",
            7: "names no user",
            8: "no user 'nobody@example.com'",
            9: "at most 1440 minutes",
            10: "runs at the same time",
            11: "never closed",
        },
        "clockify": {
            3: "'02/30/2026'",
            4: "'13:00:00 PM'",
            5: "'Perhaps'",
            6: "no user 'nobody@example.com'",
            7: "neither an end time nor a duration",
            8: "more values than columns",
        },
        "harvest": {
            3: "date: '2026-13-02'",
            4: "hours: 'one'",
            5: "hours: '30'",
            6: "names no user",
            8: "would hold 1500 minutes",
            9: "billable: 'Maybe'",
        },
        "kimai": {
            3: "'2026-03-32'",
            4: "begin: '9h'",
            5: "no user 'nobody@example.com'",
            6: "neither an end nor a duration",
            7: "billable: '2'",
        },
        "timetagger": {
            3: "start: 'yesterday'",
            4: "stop: before the start",
            5: "'2026-03-02 10:00:00' is neither",
            6: "at most 1440 minutes",
            7: "is not from",
        },
        "entries": {
            3: "date: '2026-02-29'",
            4: "minutes: not a whole number",
            5: "no user 'nobody'",
            6: "start: '2026-03-02T12:00:00'",
            7: "billable: true or false",
            8: "task: empty",
        },
    }[name]


@pytest.mark.parametrize("name", list(FILES))
def test_every_kind_of_error_is_listed_with_its_line_and_nothing_changes(app, admin, people, name):
    admin.ok("patch", "/timeEntrySettings", {"allowOverlaps": False})
    # Ann's entry of 19:00 to 20:00 on 2026-03-02, her time, which a line overlaps.
    zone = admin.ok("get", "/timeZoneGroups/-1")["timeZoneId"]
    start = dt.datetime(2026, 3, 2, 19, 0, tzinfo=ZoneInfo(zone))
    task = admin.ok("post", "/customers", {"name": "Stored"})["id"]
    task = admin.ok("post", "/projects", {"customerId": task, "name": "Stored"})["id"]
    task = admin.ok("post", "/tasks", {"projectId": task, "name": "Stored"})["id"]
    ann = people["ann@example.com"].id
    admin.ok("put", f"/users/{ann}/workAssignments", {"taskIds": [task]})
    stored = {"userId": ann, "taskId": task, "start": start.isoformat()}
    admin.ok("post", "/timeEntries", {**stored, "minutes": 60})
    data = (FIXTURES / ERROR_FILES[name]).read_bytes()
    before = every_row(app)
    response = post_import(admin, name, data, user="ann")
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["key"] == "api.error.invalid_csv"
    message = body["message"]
    for number, words in _expected_problems(name).items():
        assert f"Line {number}: " in message, (number, message)
        problem = message.split(f"Line {number}: ", 1)[1].split(" | ")[0]
        assert words in problem, (number, problem)
    assert "Line 2: " not in message  # the good line
    assert every_row(app) == before


# --- users, rights and the request ------------------------------------------------------------


def test_unknown_users_are_created_on_request_and_matched_afterwards(app, admin):
    data = (FIXTURES / "toggl.csv").read_bytes()
    refused = post_import(admin, "toggl", data)
    assert refused.status_code == 400
    assert (
        "no user 'ann@example.com' (the createUsers option creates users)"
        in (refused.get_json()["message"])
    )
    body = admin.ok("get", "/users?limit=100")
    before = {u["username"] for u in body["items"]}
    response = post_import(admin, "toggl", data, createUsers=True)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["usersCreated"] == ["ann@example.com", "bo@example.com"]
    users = {u["username"]: u for u in admin.ok("get", "/users?limit=100")["items"]}
    assert set(users) - before == {"ann@example.com", "bo@example.com"}
    ann = users["ann@example.com"]
    assert (ann["firstName"], ann["lastName"], ann["email"]) == ("Ann", "Lee", "ann@example.com")
    # A new user has no password: nobody logs in as them until one is set.
    login = app.test_client().get("/api/v1/users/me", headers=basic("ann@example.com", "!"))
    assert login.status_code == 401
    # The same people, named by their full names (Harvest), are the users just created.
    harvest = post_import(admin, "harvest", (FIXTURES / "harvest.csv").read_bytes())
    assert harvest.status_code == 200, harvest.get_json()
    assert harvest.get_json()["usersCreated"] == []


def test_creating_users_needs_manage_accounts(make_user, admin):
    manager = make_user(MODIFY_APPROVE_TIME_TRACK, MANAGE_SCOPE_OF_WORK, **ALL_FLAGS)
    response = post_import(
        manager, "toggl", (FIXTURES / "toggl.csv").read_bytes(), createUsers=True
    )
    assert response.status_code == 400
    assert "creating users needs Manage Accounts & Permissions" in response.get_json()["message"]


def test_importing_needs_the_rights_of_creating_what_is_imported(app, make_user, people):
    data = (FIXTURES / "toggl.csv").read_bytes()
    nobody = make_user()
    response = post_import(nobody, "toggl", data)
    assert response.status_code == 403
    assert response.get_json()["key"].startswith("api.error.")
    # Entering one's own time creates no customers, nor enters time for others.
    worker = make_user(ENTER_TIME_TRACK)
    before = every_row(app)
    response = post_import(worker, "toggl", data)
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert "creating a customer needs Manage Scope of Work" in message
    assert every_row(app) == before


def test_a_timetagger_file_is_the_named_users_or_the_callers(app, admin, people):
    data = (FIXTURES / "timetagger.tsv").read_bytes()
    expected = sum(e[1] for e in source_entries("timetagger"))
    unknown = post_import(admin, "timetagger", data, user="nobody")
    assert unknown.status_code == 400
    assert "Line 2: user: no user 'nobody'" in unknown.get_json()["message"]
    response = post_import(admin, "timetagger", data, user="bo@example.com")
    assert response.status_code == 200, response.get_json()
    assert sum(e["minutes"] for e in entries_of(admin, people["bo@example.com"].id)) == expected
    # Without the option, the records are the caller's (the file's other lines, by their keys).
    other = data.decode().replace("r7k2m9qa", "k0").replace("x3n8b1zt", "k1")
    other = other.replace("p4d6w2ce", "k2").replace("q9v5h7ls", "k3")
    response = post_import(admin, "timetagger", other)
    assert response.status_code == 200, response.get_json()
    admin_id = admin.ok("get", "/users/me")["id"]
    assert sum(e["minutes"] for e in entries_of(admin, admin_id)) == expected


def test_wall_clock_times_are_read_in_the_users_time_zone(admin, people):
    tokyo = admin.ok("post", "/timeZoneGroups", {"name": "Tokyo", "timeZoneId": "Asia/Tokyo"})
    bo = people["bo@example.com"]
    admin.ok("patch", f"/users/{bo.id}", {"timeZoneGroupId": tokyo["id"]})
    response = post_import(admin, "toggl", (FIXTURES / "toggl.csv").read_bytes())
    assert response.status_code == 200, response.get_json()
    night = [e for e in entries_of(admin, bo.id) if e["description"] == "Night run"]
    [entry] = night
    start = dt.datetime(2026, 3, 3, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert dt.datetime.fromisoformat(entry["start"]) == start
    assert entry["date"] == "2026-03-03"  # the day it started, Bo's time


def test_an_unknown_format_is_404_and_other_media_415(admin):
    response = post_import(admin, "excel", "a,b\n1,2\n")
    assert response.status_code == 404
    assert response.get_json()["key"] == "api.error.not_found"
    response = admin.client.post("/api/v1/imports/toggl", json={"a": 1}, headers=admin.headers)
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b"", "The file is empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"Name,Hours\nAnn,1\n", "not a Toggl Track"),
        (b"Email,Start date,Start time,Duration\n", "has no lines"),
    ],
)
def test_broken_files_are_refused_whole(app, admin, text, words):
    before = every_row(app)
    response = post_import(admin, "toggl", text)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["key"] == "api.error.invalid_csv"
    assert words in response.get_json()["message"]
    assert every_row(app) == before


def test_the_command_line_imports_with_progress_and_a_dry_run(
    migrated_database_url, tmp_path, app, admin, people
):
    export = tmp_path / "kimai.csv"
    export.write_bytes((FIXTURES / "kimai.csv").read_bytes())
    args = ["import", "kimai", str(export), "--db", migrated_database_url]
    dry = CliRunner().invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 5 entries" in dry.output
    assert totals_by_user(admin) == {}
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Reading lines" in result.output  # the progress bar (standard error)
    assert "created 5 entries" in result.output
    assert_totals_match_the_file(admin, people, "kimai")
    again = CliRunner().invoke(main, args)
    assert "created 0 entries" in again.output and "5 imported before" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes((FIXTURES / "kimai_errors.csv").read_bytes())
    refused = CliRunner().invoke(main, ["import", "kimai", str(bad), "--db", migrated_database_url])
    assert refused.exit_code == 1
    assert "Line 3: " in refused.output and "Nothing was imported" in refused.output


def _entries_command(url: str, path: Path, *options: str):
    return CliRunner().invoke(main, ["import", "entries", str(path), "--db", url, *options])


def test_the_entries_command_has_a_dry_run_and_creates_nothing_twice(
    migrated_database_url, tmp_path, app, admin, people
):
    """``timetracker import entries`` is the shared import of the entries CSV."""
    export = tmp_path / "entries.csv"
    export.write_bytes((FIXTURES / "entries.csv").read_bytes())
    before = every_row(app)
    dry = _entries_command(migrated_database_url, export, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Read 4 lines: would create 4 entries (345 minutes)" in dry.output
    assert "Would create 2 customers: Acme, Globex" in dry.output
    assert "Would create 4 tasks: Acme / Mobile app / Release, Acme / Website / Build" in dry.output
    assert "Would create 4 work assignments." in dry.output
    assert every_row(app) == before  # nothing kept

    result = _entries_command(migrated_database_url, export)
    assert result.exit_code == 0, result.output
    assert "Reading lines" in result.output  # the progress bar (standard error)
    assert "Read 4 lines: created 4 entries (345 minutes); 0 imported before" in result.output
    assert "Created 2 customers: Acme, Globex" in result.output
    assert_totals_match_the_file(admin, people, "entries")

    after = every_row(app)
    again = _entries_command(migrated_database_url, export)
    assert again.exit_code == 0, again.output
    assert "created 0 entries (0 minutes); 4 imported before" in again.output
    assert every_row(app) == after
    assert_totals_match_the_file(admin, people, "entries")


def test_the_entries_command_lists_every_bad_line_and_imports_nothing(
    migrated_database_url, tmp_path, app, admin, people
):
    bad = tmp_path / "bad.csv"
    bad.write_bytes((FIXTURES / ERROR_FILES["entries"]).read_bytes())
    before = every_row(app)
    refused = _entries_command(migrated_database_url, bad)
    assert refused.exit_code == 1
    assert "Nothing was imported: 6 problem(s)." in refused.output
    printed = refused.output.splitlines()
    for number, words in _expected_problems("entries").items():
        [line] = [x for x in printed if x.startswith(f"Line {number}: ")]
        assert words in line, (number, line)
    assert not [x for x in printed if x.startswith("Line 2: ")]  # the good line
    assert every_row(app) == before
    # A dry run of it answers the same.
    dry = _entries_command(migrated_database_url, bad, "--dry-run")
    assert dry.exit_code == 1 and "Nothing was imported: 6 problem(s)." in dry.output


def test_the_entries_command_takes_what_either_entries_import_took(
    migrated_database_url, tmp_path, app, admin, people, make_user
):
    """The lines the older entries import took (exact lowercase headers, names matched
    case-insensitively, a username as written, start and minutes, date with start and end,
    tags separated by ';', the same line twice) and what the shared import takes besides
    (headers in any case, columns it does not read, a catalogue it creates)."""
    spaced = make_user(username="cy  ng")  # two spaces: matched as written
    ann = people["ann@example.com"].id
    text = (
        "Username,Customer,Project,Task,Date,Start,End,Minutes,Description,Billable,Tags,Note\n"
        "ann,Acme,Website,Design,,2026-03-02T09:00:00-05:00,2026-03-02T10:30:00-05:00,,Review,,"
        "Client call; Design ,x\n"
        "ANN,acme,WEBSITE,Build,2026-03-02,,,45,,false,,\n"
        'ann,Acme,Website,Design,,2026-03-03T13:00:00Z,,20,"Notes, more",true,,\n'
        "ann,Acme,Website,Build,2026-03-04,2026-03-04T13:00:00Z,2026-03-04T13:30:00Z,30,,,,\n"
        "cy  ng,Acme,Website,Build,2026-03-04,,,15,,,,\n"
        "cy  ng,Acme,Website,Build,2026-03-04,,,15,,,,\n"
    )
    export = tmp_path / "entries.csv"
    export.write_text(text)
    result = _entries_command(migrated_database_url, export)
    assert result.exit_code == 0, result.output
    assert "created 6 entries (215 minutes)" in result.output
    assert "Created 2 tags: Client call, Design" in result.output
    tags = {t["id"]: t["name"] for t in admin.ok("get", "/tags")["items"]}
    shown = sorted(
        (e["minutes"], e["start"], e.get("description"), e["billable"],
         sorted(tags[t] for t in e["tagIds"]))
        for e in entries_of(admin, ann)
    )  # fmt: skip
    assert shown == [
        (20, "2026-03-03T13:00:00Z", "Notes, more", True, []),
        (30, "2026-03-04T13:00:00Z", None, True, []),
        (45, None, None, False, []),
        (90, "2026-03-02T14:00:00Z", "Review", True, ["Client call", "Design"]),
    ]
    assert [e["minutes"] for e in entries_of(admin, spaced.id)] == [15, 15]


def test_entries_for_others_need_the_right_to_change_their_time(app, admin, people, make_user):
    data = (FIXTURES / "toggl.csv").read_text()
    assert post_import(admin, "toggl", data).status_code == 200  # the catalogue exists now
    worker = make_user(ENTER_TIME_TRACK, assign_all=True)
    before = every_row(app)
    response = post_import(worker, "toggl", data.replace("2026-03-0", "2026-04-0"))
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert "Line 2: you may not change ann's time on this task" in message
    assert "Line 6: you may not change bo's time on this task" in message
    assert every_row(app) == before


def test_harvest_hours_may_be_written_as_hours_and_minutes(admin, people):
    header = (FIXTURES / "harvest.csv").read_text().splitlines()[0]
    line = "2026-03-05,Acme,Website,WEB-01,Design,Follow-up,1:45,2.0,Yes,No,No,Ann,Lee,,,,,,,,"
    response = post_import(admin, "harvest", f"{header}\n{line}\n")
    assert response.status_code == 200, response.get_json()
    [entry] = entries_of(admin, people["ann@example.com"].id)
    assert (entry["date"], entry["minutes"], entry["start"]) == ("2026-03-05", 105, None)


def test_a_file_longer_than_one_insert_statement_is_written_whole(app, admin, people):
    """4,321 lines: more rows than a statement of the bulk write carries on SQLite (250), so
    the entries, their records, source keys and events go in several, and the rows left after
    the last whole statement one by one; each is written once, in the file's order, with the
    records' sums and marks the entries'."""
    from tests.test_totals import kept_equals_rebuilt
    from tests.test_totals_integrity import records_are_the_sums_of_entries

    header = (FIXTURES / "toggl.csv").read_text().splitlines()[0].split(",")
    lines = [",".join(header)]
    for i in range(4321):
        person = ("Ann Lee", "ann@example.com") if i % 2 == 0 else ("Bo Chen", "bo@example.com")
        day = dt.date(2026, 3, 2) + dt.timedelta(days=i // 150)
        start = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=5 * (i % 150 // 2))
        end = start + dt.timedelta(minutes=4)
        cells = {
            "User": person[0],
            "Email": person[1],
            "Client": "Acme",
            "Project": "Website",
            "Task": "Design" if i % 3 else "Build",
            "Description": f"Line {i + 2}",
            "Billable": ("Yes", "No", "")[i % 3],
            "Start date": str(day),
            "Start time": f"{start:%H:%M:%S}",
            "End date": str(day),
            "End time": f"{end:%H:%M:%S}",
            "Duration": "0:04:00",
            "Tags": "review" if i % 7 == 0 else "",
        }
        lines.append(",".join(cells.get(h, "") for h in header))
    data = "\n".join(lines) + "\n"

    response = post_import(admin, "toggl", data)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["entriesCreated"] == 4321
    assert response.get_json()["minutesCreated"] == 4321 * 4
    with app.extensions["timetracker"]["engine"].connect() as conn:
        in_order = "SELECT description FROM time_entries ORDER BY id"
        descriptions = [row[0] for row in conn.exec_driver_sql(in_order)]
        keys = conn.exec_driver_sql("SELECT COUNT(DISTINCT time_entry_id) FROM imported_entries")
        created = conn.exec_driver_sql(
            "SELECT COUNT(DISTINCT object_id) FROM events WHERE name = 'timeEntry.create'"
        )
        tagged = conn.exec_driver_sql("SELECT COUNT(*) FROM time_entry_tags")
        assert (keys.scalar(), created.scalar(), tagged.scalar()) == (4321, 4321, 618)
    assert descriptions == [f"Line {i + 2}" for i in range(4321)]  # ids in the file's order
    records_are_the_sums_of_entries(app)
    kept_equals_rebuilt(app)
    again = post_import(admin, "toggl", data)
    assert again.get_json()["alreadyImported"] == 4321
    assert again.get_json()["entriesCreated"] == 0
