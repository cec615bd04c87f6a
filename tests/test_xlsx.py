"""Excel answers (format=xlsx) of every list and report that answers CSV, read back with openpyxl
and compared cell by cell, types included, to the JSON and the CSV of the same request; the
writer itself; and the command line's Excel exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.escape import unescape

from tests import test_reports
from tests.test_csv_export import HEADERS
from tests.test_reports import REPORT
from timetracker import cli_export
from timetracker.access import ENTER_TIME_TRACK
from timetracker.api import documents, xlsx_stream
from timetracker.api.csv_stream import FORMULA_STARTS
from timetracker.api.xlsx_stream import (
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    TEXT,
    XLSX_MEDIA_TYPE,
    Column,
    write_xlsx,
)
from timetracker.cli import main
from timetracker.schemas import catalogue as catalogue_schemas
from timetracker.schemas import reports as report_schemas
from timetracker.schemas import totals as totals_schemas
from timetracker.services.reports import DETAILED_HEADER

tracked = test_reports.tracked  # the fixture: March and April time of two users

SCHEMAS = {
    "customers": [catalogue_schemas.CustomerSchema],
    "projects": [catalogue_schemas.ProjectSchema],
    "tasks": [catalogue_schemas.TaskSchema],
}
# The columns Excel adds: a column of minutes in hours after it.
HOURS_AFTER = {"minutes": "hours", "estimatedTime": "estimatedHours"}


def with_hours(header: list[str]) -> list[str]:
    return [out for name in header for out in (name, HOURS_AFTER.get(name)) if out]


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX_MEDIA_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def table(response) -> tuple[list[str], list[tuple]]:
    """The header and rows of an Excel answer's one sheet; text as Excel reads it (openpyxl
    leaves the ``_xHHHH_`` escapes of XML-unfriendly characters to its reader)."""
    sheets = workbook(response).worksheets
    assert len(sheets) == 1
    header, *rows = (
        tuple(unescape(v) if isinstance(v, str) else v for v in row)
        for row in sheets[0].iter_rows(values_only=True)
    )
    return list(header), rows


def csv_table(response) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.get_data(as_text=True), newline=""))
    return header, rows


def guarded(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_cell(value, kind: str):
    """A JSON value as Excel holds it: typed, dates as datetimes (Excel has no dates
    without a time), text with the formula guard."""
    if value is None:
        return None
    if kind == DATE:
        return dt.datetime.fromisoformat(value)
    if kind == TEXT:
        return guarded(value)
    return value


def same_cells(got: tuple, expected: list) -> None:
    """Equal values of the same types (True is not 1, 8 is not 8.0 ... unless a float
    column, where Excel's 8 and 8.0 are one number)."""
    assert list(got) == expected
    for cell, want in zip(got, expected, strict=True):
        if isinstance(want, float):
            assert isinstance(cell, int | float) and not isinstance(cell, bool), (cell, want)
        else:
            assert type(cell) is type(want), (cell, want)


def json_row(item: dict, header: list[str], schemas) -> list:
    """The Excel cells of a JSON item: its fields in the header's order, an hours column after
    minutes."""
    cells = []
    for column in documents.typed_columns(header, schemas):
        value = item[column.name]
        cells.append(as_cell(value, column.kind))
        if column.hours:
            cells.append(None if value is None else value / 60)
    return cells


def csv_as_cell(text: str, kind: str):
    """A CSV cell as Excel holds it."""
    if text == "":
        return None
    return {
        INTEGER: int,
        DECIMAL: float,
        BOOLEAN: lambda t: t == "true",
        DATE: dt.datetime.fromisoformat,
    }.get(kind, str)(text)


def agree_with_csv(xlsx_response, csv_response, schemas) -> None:
    """The Excel and the CSV of one request hold the same cells, and the hours agree with the
    minutes to the minute."""
    header, rows = table(xlsx_response)
    csv_header, csv_rows = csv_table(csv_response)
    columns = documents.typed_columns(csv_header, schemas)
    assert header == with_hours(csv_header)
    assert len(rows) == len(csv_rows)
    for row, csv_row in zip(rows, csv_rows, strict=True):
        expected = []
        for column, text in zip(columns, csv_row, strict=True):
            expected.append(csv_as_cell(text, column.kind))
            if column.hours:
                expected.append(None if text == "" else int(text) / 60)
        same_cells(row, expected)
        for name, value in zip(header, row, strict=True):
            if name in HOURS_AFTER.values() and value is not None:
                minutes = row[header.index(name) - 1]
                assert round(value * 60) == minutes


# --- lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("collection", ["customers", "projects", "tasks"])
def test_each_list_answers_excel_with_the_cells_of_its_json(admin, catalogue, collection):
    design = catalogue["tasks"]["design"]["id"]
    admin.ok("patch", f"/tasks/{design}", {"deadline": "2026-03-31", "estimatedTime": 450})
    admin.ok("patch", f"/customers/{catalogue['customers']['acme']['id']}", {"description": "-x"})
    items = admin.ok("get", f"/{collection}")["items"]
    response = admin.get(f"/{collection}?format=xlsx")
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == f'attachment; filename="{collection}.xlsx"'
    header, rows = table(admin.get(f"/{collection}?format=xlsx"))
    assert header == with_hours(HEADERS[collection])
    assert len(rows) == len(items) > 0
    for row, item in zip(rows, items, strict=True):
        same_cells(row, json_row(item, HEADERS[collection], SCHEMAS[collection]))
    agree_with_csv(response, admin.get(f"/{collection}?format=csv"), SCHEMAS[collection])
    if collection == "tasks":
        task = next(row for row in rows if row[0] == design)
        assert task[header.index("deadline")] == dt.datetime(2026, 3, 31)
        assert task[header.index("estimatedHours")] == 7.5


def test_lists_filter_and_sort_as_their_csv(admin, catalogue):
    header, rows = table(admin.get("/tasks?format=xlsx&sort=-name&limit=1&offset=1"))
    assert [row[1] for row in rows] == ["Release", "Migrate data", "Design", "Build"]
    _, rows = table(admin.get("/customers?format=xlsx&archived=false"))
    assert [row[1] for row in rows] == ["Acme"]


def test_a_restricted_user_gets_the_rows_of_their_json(admin, make_user, catalogue):
    user = make_user(ENTER_TIME_TRACK, username="limited")
    web = catalogue["projects"]["web"]["id"]
    admin.ok("put", f"/users/{user.id}/workAssignments", {"projectIds": [web]})
    for collection in ("customers", "projects", "tasks"):
        items = user.ok("get", f"/{collection}")["items"]
        _, rows = table(user.get(f"/{collection}?format=xlsx"))
        assert [row[0] for row in rows] == [item["id"] for item in items]
    _, rows = table(user.get("/tasks?format=xlsx"))
    assert {row[1] for row in rows} == {"Design", "Build"}


# --- the detailed report -----------------------------------------------------------------------


def test_the_detailed_report_in_excel_agrees_with_json_and_csv(admin, tracked):
    body = admin.ok("get", REPORT)
    response = admin.get(REPORT + "&format=xlsx&limit=1&offset=3")  # paging does not apply
    assert response.headers["Content-Disposition"] == 'attachment; filename="detailed-report.xlsx"'
    header, rows = table(response)
    assert header == with_hours(list(DETAILED_HEADER))
    assert len(rows) == len(body["items"]) == 7
    schemas = [report_schemas.DetailedRowSchema]
    for row, item in zip(rows, body["items"], strict=True):
        same_cells(row, json_row(item, list(DETAILED_HEADER), schemas))
    comments = [row[header.index("comment")] for row in rows]
    assert comments[:3] == ['Drew "it", twice\nthen =SUM(A1)', "'@risk", None]
    assert "'=cmd|' /C calc'!A0" in comments and "'-2+3" in comments
    agree_with_csv(response, admin.get(REPORT + "&format=csv"), schemas)
    # To the minute: the hours add up to the JSON's minutes.
    hours = sum(row[header.index("hours")] for row in rows)
    assert round(hours * 60) == sum(item["minutes"] for item in body["items"]) == 370


def test_the_sheet_is_laid_out_for_reading(admin, tracked):
    book = workbook(admin.get(REPORT + "&format=xlsx"))
    sheet = book.active
    assert sheet.title == "Detailed report"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Q8"
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    row = {name.value: cell for name, cell in zip(sheet[1], sheet[2], strict=True)}
    assert row["date"].number_format == "yyyy-mm-dd"
    assert row["hours"].number_format == "0.00"
    assert row["minutes"].number_format == "General"
    widths = {name.value: sheet.column_dimensions[name.column_letter].width for name in sheet[1]}
    assert widths["date"] >= len("2025-03-03")
    assert widths["typeOfWorkName"] >= len("typeOfWorkName")
    assert widths["userName"] >= len("Wendy Q. Orr")
    assert all(8 <= width <= 60 for width in widths.values())


def test_nothing_matching_gives_the_header_alone(admin, tracked):
    response = admin.get("/reports/detailed?dateFrom=2030-01-01&format=xlsx")
    header, rows = table(response)
    assert header == with_hours(list(DETAILED_HEADER)) and rows == []
    assert workbook(response).active.auto_filter.ref == "A1:Q1"


def test_a_restricted_user_gets_the_records_of_their_json(admin, tracked):
    worker = tracked["worker"]
    body = worker.ok("get", REPORT)
    header, rows = table(worker.get(REPORT + "&format=xlsx"))
    assert len(rows) == len(body["items"]) == 5 < len(admin.ok("get", REPORT)["items"])
    assert {row[header.index("userId")] for row in rows} == {worker.id}
    schemas = [report_schemas.DetailedRowSchema]
    for row, item in zip(rows, body["items"], strict=True):
        same_cells(row, json_row(item, list(DETAILED_HEADER), schemas))


def test_accept_header_chooses_excel_and_format_wins(admin, tracked):
    def get(path, accept):
        return admin.client.get("/api/v1" + path, headers={**admin.headers, "Accept": accept})

    assert get(REPORT, XLSX_MEDIA_TYPE).mimetype == XLSX_MEDIA_TYPE
    assert get("/customers", XLSX_MEDIA_TYPE).mimetype == XLSX_MEDIA_TYPE
    assert get(REPORT, f"{XLSX_MEDIA_TYPE};q=0.5, application/json").is_json
    assert get(REPORT, f"text/csv, {XLSX_MEDIA_TYPE};q=0.5").mimetype == "text/csv"
    assert get(REPORT + "&format=json", XLSX_MEDIA_TYPE).is_json
    assert get(REPORT + "&format=xlsx", "text/csv").mimetype == XLSX_MEDIA_TYPE
    assert get(REPORT, "*/*").is_json


def test_the_file_is_written_as_it_is_sent_through_a_connection_given_back(app, admin, tracked):
    pool = app.extensions["timetracker"]["engine"].pool
    response = admin.get(REPORT + "&format=xlsx", buffered=False)
    assert response.is_streamed
    assert pool.checkedout() == 0  # nothing read yet
    response.close()  # a client that hangs up before the first byte
    assert pool.checkedout() == 0
    response = admin.get(REPORT + "&format=xlsx", buffered=False)
    body = iter(response.response)
    assert next(body).startswith(b"PK")  # a zip archive, written whole before it is sent
    assert pool.checkedout() == 0  # its rows read to the end, their connection given back
    response.close()


@pytest.mark.parametrize("value", ["docx", "PDF", "XLSX", "xls", ""])
@pytest.mark.parametrize("path", ["/customers?", "/reports/detailed?dateFrom=2025-03-01&"])
def test_unknown_formats_are_refused(admin, path, value):
    response = admin.get(f"{path}format={value}")
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.invalid_argument"
    assert response.get_json()["fields"] == "format"


# --- reports of totals -------------------------------------------------------------------------


TOTALS = [totals_schemas.TotalsSchema]


@pytest.mark.parametrize("group_by", ["user,month", "customer,project", "task,day", ""])
def test_the_summary_report_agrees_with_json_and_csv(admin, tracked, group_by):
    query = "/reports/summary?dateFrom=2025-03-01" + (f"&groupBy={group_by}" if group_by else "")
    schemas = [totals_schemas.TotalsGroupSchema, *TOTALS]
    response = admin.get(query + "&format=xlsx")
    assert response.headers["Content-Disposition"] == 'attachment; filename="summary-report.xlsx"'
    agree_with_csv(response, admin.get(query + "&format=csv"), schemas)
    answer = admin.ok("get", query)
    header, rows = table(response)
    groups = answer["groups"] or [{"totals": answer["totals"]}]
    assert len(rows) == len(groups)
    for row, group in zip(rows, groups, strict=True):
        cells = dict(zip(header, row, strict=True))
        for name, value in group["totals"].items():
            if name in cells:
                assert cells[name] == value and type(cells[name]) is type(value), name
        for key in ("userId", "customerId", "projectId", "taskId"):
            if key in group:
                assert cells[key] == group[key]
        for key in ("month", "date"):
            if key in group:
                assert cells[key] == dt.datetime.fromisoformat(group[key])
    minutes = sum(dict(zip(header, row, strict=True))["totalMinutes"] for row in rows)
    assert minutes == answer["totals"]["totalMinutes"] == 370


@pytest.mark.parametrize(
    ("report", "schema"),
    [
        ("projects", totals_schemas.ProjectWithTotalsSchema),
        ("users", totals_schemas.UserWithTotalsSchema),
    ],
)
def test_the_per_object_reports_agree_with_json_and_csv(admin, tracked, report, schema):
    query = f"/reports/{report}?dateFrom=2025-03-01&dateTo=2025-03-31"
    response = admin.get(query + "&format=xlsx&limit=1")  # every matching one
    agree_with_csv(response, admin.get(query + "&format=csv"), [schema, *TOTALS])
    items = admin.ok("get", query)["items"]
    header, rows = table(response)
    assert len(rows) == len(items) > 1
    for row, item in zip(rows, items, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["id"] == item["id"]
        flat = {**item, **item["totals"]}
        expected = json_row(flat, header, [schema, *TOTALS])
        same_cells(row, expected)


def test_a_restricted_user_gets_their_own_totals(tracked):
    worker = tracked["worker"]
    query = "/reports/users?dateFrom=2025-03-01"
    items = worker.ok("get", query)["items"]
    header, rows = table(worker.get(query + "&format=xlsx"))
    assert [row[0] for row in rows] == [item["id"] for item in items] == [worker.id]
    assert rows[0][header.index("totalMinutes")] == items[0]["totals"]["totalMinutes"] == 265


# --- the document ------------------------------------------------------------------------------


def test_the_document_declares_excel_beside_csv(client):
    document = client.get("/api/v1/openapi.json").get_json()

    def answers(media_type):
        return {
            path
            for path, item in document["paths"].items()
            if media_type
            in item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        }

    assert answers(XLSX_MEDIA_TYPE) == answers("text/csv")
    assert len(answers(XLSX_MEDIA_TYPE)) == 8  # with /timeEntries
    for path in answers(XLSX_MEDIA_TYPE):
        answer = document["paths"][path]["get"]["responses"]["200"]
        assert answer["content"][XLSX_MEDIA_TYPE]["schema"] == {
            "type": "string",
            "format": "binary",
        }
        assert "format=xlsx" in answer["description"]
        assert "followed by one of hours" in answer["description"]


def test_the_command_line_offers_the_formats_of_the_api():
    assert cli_export.FORMATS == documents.FORMATS


# --- the writer ------------------------------------------------------------------------------


def written(columns, rows, sheet="Sheet") -> openpyxl.Workbook:
    target = io.BytesIO()
    write_xlsx(target, columns, rows, sheet)
    return openpyxl.load_workbook(io.BytesIO(target.getvalue()))


def test_text_keeps_every_character_and_the_formula_guard():
    texts = [
        "a\rb",
        "tab\tinside",
        "\x01\x1f control",
        "_x0041_ reads like an escape",
        "<b>&amp;</b>",
        " spaced ",
        "\n",
        "emoji \U0001f600 and ümlaut",
        "=1+1",
        "\tlead",
        "\rlead",
        "",
    ]
    sheet = written([Column("t")], [(t,) for t in texts]).active
    got = [
        unescape(row[0]) if row[0] is not None else ""
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert got == [guarded(t) for t in texts]


def test_text_beyond_excels_limit_is_cut_there():
    long = "x" * 40_000
    emoji = "\U0001f600" * 20_000  # two UTF-16 units each: Excel counts those
    sheet = written([Column("t")], [(long,), (emoji,)]).active
    assert sheet["A2"].value == "x" * 32_767
    assert sheet["A3"].value == "\U0001f600" * 16_383


def test_values_come_typed_from_text_or_python_values():
    columns = [
        Column("day", DATE),
        Column("at", DATETIME),
        Column("flag", BOOLEAN),
        Column("n", INTEGER),
        Column("x", DECIMAL),
        Column("m", INTEGER, "h"),
    ]
    rows = [
        ("2026-01-05", "2026-03-31T09:30:00Z", "true", 5, 1.25, 90),
        (dt.date(2026, 1, 6), dt.datetime(2026, 3, 31, 9, 30), False, -2, 0.0, 0),
        ("1899-01-01", None, "false", None, None, None),  # before Excel's first day: text
    ]
    sheet = written(columns, rows).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (dt.datetime(2026, 1, 5), dt.datetime(2026, 3, 31, 9, 30), True, 5, 1.25, 90, 1.5),
        (dt.datetime(2026, 1, 6), dt.datetime(2026, 3, 31, 9, 30), False, -2, 0, 0, 0),
        ("1899-01-01", None, False, None, None, None, None),
    ]
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["E2"].number_format == sheet["G2"].number_format == "0.00"


def test_cells_encoded_once_for_a_column_are_the_cells_it_holds(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "CACHED_CELLS", 3)  # full after three values
    columns = [Column("n", INTEGER), Column("flag", BOOLEAN), Column("day", DATE), Column("t")]
    values = [
        (n % 5, (True, "true", False, "false")[n % 4], f"2026-01-0{n % 7 + 1}", f"t{n % 6}")
        for n in range(40)
    ]
    sheet = written(columns, values).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (n, flag in (True, "true"), dt.datetime.fromisoformat(day), text)
        for n, flag, day, text in values
    ]


def test_rows_beyond_a_sheet_continue_on_the_next(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "MAX_SHEET_ROWS", 4)  # the header and three rows
    monkeypatch.setattr(xlsx_stream, "CHUNK_ROWS", 2)
    rows = [(n, f"row {n}") for n in range(1, 9)]
    book = written([Column("n", INTEGER), Column("name")], rows, "Detailed report")
    assert book.sheetnames == ["Detailed report", "Detailed report (2)", "Detailed report (3)"]
    read = [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    assert [sheet[0] for sheet in read] == [("n", "name")] * 3
    assert [row for sheet in read for row in sheet[1:]] == rows
    assert [sheet.auto_filter.ref for sheet in book.worksheets] == ["A1:B4", "A1:B4", "A1:B3"]
    assert [sheet.freeze_panes for sheet in book.worksheets] == ["A2"] * 3


def test_a_sheet_full_of_bytes_continues_on_the_next(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "MAX_SHEET_BYTES", 4000)
    rows = [("y" * 500,)] * 10
    book = written([Column("t")], rows)
    assert len(book.worksheets) > 1
    assert sum(sheet.max_row - 1 for sheet in book.worksheets) == 10


def test_the_same_rows_make_the_same_file():
    def file(rows):
        target = io.BytesIO()
        write_xlsx(target, [Column("n", INTEGER)], rows, "S")
        return target.getvalue()

    assert file([(1,), (2,)]) == file([(1,), (2,)])
    names = zipfile.ZipFile(io.BytesIO(file([(1,)]))).namelist()
    assert sorted(names) == sorted(
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ]
    )


def test_sheet_names_are_valid():
    assert xlsx_stream.sheet_title("a/b:c*d?e[f]g\\h") == "a b c d e f g h"
    assert len(xlsx_stream.sheet_title("x" * 40)) == 31
    assert documents.sheet_name("detailed-report") == "Detailed report"


# --- the command line --------------------------------------------------------------------------


def export(database_url, *args):
    return CliRunner().invoke(main, ["export", *args, "--db", database_url])


def test_cli_excel_exports_equal_the_api(admin, tracked, migrated_database_url, tmp_path):
    for collection in ("customers", "projects", "tasks"):
        target = tmp_path / f"{collection}.xlsx"
        result = export(migrated_database_url, collection, "--format", "xlsx", "-o", str(target))
        assert result.exit_code == 0, result.output
        assert target.read_bytes() == admin.get(f"/{collection}?format=xlsx").get_data()
    target = tmp_path / "detailed.xlsx"
    args = ("--date-from", "2025-03-01", "--date-to", "2025-03-31", "--format", "xlsx")
    result = export(migrated_database_url, "detailed", *args, "-o", str(target))
    assert result.exit_code == 0, result.output
    api = admin.get("/reports/detailed?dateFrom=2025-03-01&dateTo=2025-03-31&format=xlsx")
    assert target.read_bytes() == api.get_data()
    assert len(table(api)[1]) == 6
    assert "Time-track records" in result.output  # the progress bar's label


def test_cli_refuses_unknown_formats(migrated_database_url, tmp_path):
    result = export(
        migrated_database_url, "customers", "--format", "pdf", "-o", str(tmp_path / "x")
    )
    assert result.exit_code == 2
    assert "'pdf' is not one of 'csv', 'xlsx'" in result.output
    assert not (tmp_path / "x").exists()
