"""PDF documents (format=pdf or Accept: application/pdf) of the reports, the totals and the
invoices: read back with pypdf (the text of the titles, every row and the totals, the page
count, the embedded fonts), drawn to PNG with poppler's pdftoppm, a chart's bars measured in
the drawing operators, JSON, CSV, Excel and PDF of one report compared to the minute, and the
command line's PDF export."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ContentStream

from tests import test_reports
from tests.test_reports import RECORDS
from timetracker import cli_export
from timetracker.access import ENTER_TIME_TRACK
from timetracker.api import documents
from timetracker.api.pdf_charts import PALETTE
from timetracker.api.pdf_document import PDF_MEDIA_TYPE, PdfColumn, ReportPdf
from timetracker.cli import main

tracked = test_reports.tracked  # the fixture: March and April time of two users
MARCH = "dateFrom=2025-03-01&dateTo=2025-03-31"


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == PDF_MEDIA_TYPE
    data = response.get_data()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return PdfReader(io.BytesIO(data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def lines_of(reader: PdfReader) -> list[str]:
    return [line.strip() for line in text_of(reader).splitlines() if line.strip()]


def embedded_fonts(reader: PdfReader) -> set[str]:
    """The names of the fonts whose glyphs the file embeds (each font's FontFile2)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


def png_of(data: bytes, tmp_path, page: int = 1) -> bytes:
    """Page ``page`` drawn by pdftoppm as a grey PNG at 50 dpi."""
    source = tmp_path / "drawn.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", "50", "-f", str(page), "-l", str(page),
         "-singlefile", str(source), str(tmp_path / "drawn")],
        check=True,
    )  # fmt: skip
    return (tmp_path / "drawn.png").read_bytes()


# --- the detailed report ---------------------------------------------------------------------


def test_the_detailed_report_holds_every_row_and_the_totals(admin, tracked):
    response = admin.get(f"/reports/detailed?{MARCH}&format=pdf")
    assert response.headers["Content-Disposition"] == 'attachment; filename="detailed-report.pdf"'
    reader = pdf_of(response)
    assert len(reader.pages) == 1
    lines = lines_of(reader)
    assert lines[0] == "Detailed report"
    assert lines[1] == "Period: 2025-03-01 to 2025-03-31"
    assert lines[2] == "Filters: none"
    heading = "Date User Customer Project Task Type of work Minutes Hours Comment Billable Billed"
    assert lines[3] == heading
    rows = admin.ok("get", f"/reports/detailed?{MARCH}")["items"]
    assert len(rows) == 6
    body = lines[4:]
    day_totals = {}
    for row in rows:
        day_totals[row["date"]] = day_totals.get(row["date"], 0) + row["minutes"]
    drawn = iter(body)
    for row in rows:
        line = next(drawn)
        if line.startswith("Total"):  # the previous day's subtotal
            line = next(drawn)
        assert line.startswith(f"{row['date']} {row['userName']} {row['customerName']}")
        assert row["taskName"] in line and row["typeOfWorkName"] in line
        assert f" {row['minutes']} {row['minutes'] / 60:.2f}" in line
        comment = (row["comment"] or "").replace("\n", " ")
        flags = f"{'yes' if row['billable'] else 'no'} {'yes' if row['billed'] else 'no'}"
        assert line.endswith(f"{comment} {flags}".strip()), line
    for day, minutes in day_totals.items():
        assert f"Total {day} {minutes} {minutes / 60:.2f}" in body
    assert body[-2:] == ["Total (6 records) 360 6.00", "Page 1 of 1"]
    assert embedded_fonts(reader) >= {"DejaVuSansBook", "DejaVuSansBold"}


def test_filters_are_in_the_title_and_narrow_the_rows(admin, tracked):
    worker = tracked["worker"].id
    reader = pdf_of(admin.get(f"/reports/detailed?{MARCH}&userIds={worker}&billable=true"
                              "&format=pdf"))  # fmt: skip
    lines = lines_of(reader)
    assert lines[2] == f"Filters: Users: {worker}; Billable: yes"
    assert lines[-2] == "Total (3 records) 225 3.75"


def test_a_restricted_user_gets_the_records_of_their_json(tracked):
    worker = tracked["worker"]
    rows = worker.ok("get", f"/reports/detailed?{MARCH}")["items"]
    assert {row["userId"] for row in rows} == {worker.id}
    lines = lines_of(pdf_of(worker.get(f"/reports/detailed?{MARCH}&format=pdf")))
    total = sum(row["minutes"] for row in rows)
    assert lines[-2] == f"Total ({len(rows)} records) {total} {total / 60:.2f}"
    assert not any("Other" in line for line in lines if not line.startswith("Total"))


def test_entries_grain_has_their_columns(admin, tracked):
    lines = lines_of(pdf_of(admin.get(f"/reports/detailed?{MARCH}&grain=entry&format=pdf")))
    assert lines[0] == "Detailed report (time entries)"
    assert "Start (UTC) End (UTC) Minutes Hours Description" in lines[3]
    assert lines[-2] == "Total (6 entries) 360 6.00"


def test_accept_header_chooses_pdf_and_format_wins(admin, tracked):
    asked = {**admin.headers, "Accept": f"{PDF_MEDIA_TYPE}, application/json;q=0.5"}
    pdf_of(admin.client.get(f"/api/v1/reports/detailed?{MARCH}", headers=asked))
    response = admin.client.get(f"/api/v1/reports/detailed?{MARCH}&format=json", headers=asked)
    assert response.mimetype == "application/json"
    pdf_of(admin.client.get(f"/api/v1/timetrack/totals?{MARCH}", headers=asked))
    pdf_of(admin.client.get(f"/api/v1/invoices/{tracked['invoice']}", headers=asked))
    # Lists that offer no PDF keep answering JSON to the same header.
    response = admin.client.get("/api/v1/customers", headers=asked)
    assert response.mimetype == "application/json"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/reports/detailed?dateFrom=2025-03-01&format=pdfx", 400),
        ("/reports/detailed?dateFrom=2025-03-31&dateTo=2025-03-01&format=pdf", 400),
        ("/timetrack/totals?format=csv", 400),
        ("/timetrack/totals?groupBy=day,week&format=pdf", 400),
        ("/customers?format=pdf", 400),
        ("/invoices/999999?format=pdf", 404),
        ("/customers/999999/totals?format=pdf", 404),
        ("/reports/summary?dateFrom=2025-02-30&format=pdf", 400),
    ],
)
def test_bad_requests_answer_errors_not_documents(admin, tracked, path, status):
    response = admin.get(path)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["key"].startswith("api.error.")


# --- pages -----------------------------------------------------------------------------------


def test_long_tables_repeat_their_header_and_number_their_pages():
    pdf = ReportPdf("Long report", ["Period: all time"])
    pdf.start_table([PdfColumn("Name", 3), PdfColumn("Minutes", 1, "R")])
    for n in range(300):
        pdf.row([f"row {n}", n])
    pdf.total_row(["Total", sum(range(300))], final=True)
    reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    pages = len(reader.pages)
    assert pages > 3
    drawn = []
    for number, page in enumerate(reader.pages, 1):
        lines = [line.strip() for line in page.extract_text().splitlines()]
        headings = [n for n, line in enumerate(lines) if line == "Name Minutes"]
        assert len(headings) == 1 and headings[0] <= 3, number  # at the top of every page
        assert f"Page {number} of {pages}" in lines
        drawn += [line for line in lines if line.startswith("row ")]
    assert drawn == [f"row {n} {n}" for n in range(300)]
    assert f"Total {sum(range(300))}" in text_of(reader)


def test_names_in_any_script_render_in_embedded_fonts(admin, make_user, tmp_path, caplog):
    names = {
        "customer": "Заказчик Ωμέγα",
        "project": "東京プロジェクト 项目",
        "task": "مهمة التصميم",
    }
    customer = admin.ok("post", "/customers", {"name": names["customer"]})
    project = admin.ok(
        "post", "/projects", {"name": names["project"], "customerId": customer["id"]}
    )
    task = admin.ok("post", "/tasks", {"name": names["task"], "projectId": project["id"]})
    worker = make_user(ENTER_TIME_TRACK, username="worker", assign_all=True)
    admin.ok("patch", f"/timetrack/{worker.id}/2025-03-03/{task['id']}", {"time": 30})
    with caplog.at_level("WARNING"):
        response = admin.get("/reports/detailed?dateFrom=2025-03-01&format=pdf")
        reader = pdf_of(response)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]  # no glyph lacking
    text = text_of(reader)
    assert names["customer"] in text and names["project"] in text
    # Arabic is shaped: its letters are set in their joined forms (presentation forms), which
    # a reader maps back to the same letters.
    import unicodedata

    assert unicodedata.normalize("NFKC", names["task"]).replace(" ", "") in (
        unicodedata.normalize("NFKC", text).replace(" ", "")
    )
    assert embedded_fonts(reader) >= {"DejaVuSansBook", "DroidSansFallback"}
    assert shutil.which("pdftoppm"), "poppler-utils must be installed (.ci/run installs it)"
    png = png_of(response.get_data(), tmp_path)
    assert png.startswith(b"\x89PNG")


# --- the charts ------------------------------------------------------------------------------


def chart_bars(reader: PdfReader) -> list[tuple[float, float, float, tuple[int, ...]]]:
    """The filled rectangles drawn in a palette colour: (x, width, height, colour) in points,
    in drawing order."""
    palette = {tuple(round(c / 255, 3) for c in rgb): rgb for rgb in PALETTE}
    bars, fill = [], None
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"rg":
                fill = palette.get(tuple(round(float(v), 3) for v in operands))
            elif operator == b"re" and fill is not None:
                x, _, width, height = (float(v) for v in operands)
                bars.append((x, width, abs(height), fill))
    return bars


def test_the_chart_draws_a_bar_per_day_as_high_as_its_hours(admin, tracked, tmp_path):
    query = f"/reports/summary?{MARCH}&groupBy=user"
    response = admin.get(query + "&format=pdf")
    reader = pdf_of(response)
    text = text_of(reader)
    assert "Hours per day, by user" in text and "Share of the hours by project" in text
    by_day = admin.ok("get", f"/timetrack/totals?{MARCH}&groupBy=day")["groups"]
    hours = {group["date"]: group["totals"]["totalMinutes"] / 60 for group in by_day}
    assert hours == {"2025-03-03": 2.75, "2025-03-04": 0.5, "2025-03-05": 0.75,
                     "2025-03-06": 2.0}  # fmt: skip
    bars = chart_bars(reader)
    # Stacked bars: the segments at one x add up to the day's hours; legend squares are 3 mm.
    legend = 3 * 72 / 25.4
    columns: dict[float, float] = {}
    for x, width, height, _ in bars:
        if abs(width - legend) > 0.01 and abs(height - legend) > 0.01:
            columns[round(x, 2)] = columns.get(round(x, 2), 0) + height
    # Share bars are drawn after the stacked ones and are far wider; keep the day bars.
    widths = {round(w, 2) for x, w, h, _ in bars if round(x, 2) in columns}
    day_width = min(widths)
    days = sorted(x for x, w, _, _ in bars if round(w, 2) == round(day_width, 2))
    heights = [columns[round(x, 2)] for x in sorted(set(round(d, 2) for d in days))]
    drawn = [h for h in heights if h > 0]
    assert len(drawn) == 4  # March 3 to 6; the other days have no bar
    scale = drawn[0] / 2.75
    # The file writes coordinates to a hundredth of a point.
    assert [h / scale for h in drawn] == pytest.approx([2.75, 0.5, 0.75, 2.0], abs=0.005)
    # Split by user: March 3's bar has two segments (both users), in two colours.
    first = [bar for bar in bars if round(bar[0], 2) == round(days[0], 2)]
    assert len({bar[3] for bar in first}) == 2
    # The page draws: the chart's bars darken the PNG.
    png = png_of(response.get_data(), tmp_path, page=len(reader.pages))
    assert png.startswith(b"\x89PNG") and len(png) > 2000


# --- documents of one report agree -----------------------------------------------------------


def test_json_csv_excel_and_pdf_of_a_report_agree_to_the_minute(admin, tracked):
    query = f"/reports/summary?{MARCH}&groupBy=project"
    answer = admin.ok("get", query)
    expected = {group["projectId"]: group["totals"]["totalMinutes"] for group in answer["groups"]}
    names = {p["id"]: p["name"] for p in admin.ok("get", "/projects")["items"]}

    rows = list(csv.DictReader(io.StringIO(admin.get(query + "&format=csv").get_data(True))))
    from_csv = {int(row["projectId"]): int(row["totalMinutes"]) for row in rows}

    book = openpyxl.load_workbook(io.BytesIO(admin.get(query + "&format=xlsx").get_data()))
    header, *cells = book.worksheets[0].iter_rows(values_only=True)
    from_excel = {
        row[header.index("projectId")]: row[header.index("totalMinutes")] for row in cells
    }

    lines = lines_of(pdf_of(admin.get(query + "&format=pdf")))
    from_pdf = {}
    for project_id, name in names.items():
        found = [line for line in lines if line.startswith(name + " ")]
        if found:
            minutes = re.match(re.escape(name) + r" (\d+) ", found[0])
            from_pdf[project_id] = int(minutes.group(1))
    total = next(line for line in lines if line.startswith("Total "))
    assert expected == from_csv == from_excel == from_pdf
    assert len(expected) == 3
    assert total.split()[1] == str(answer["totals"]["totalMinutes"]) == "360"


@pytest.mark.parametrize("group_by", ["customer,project", "user,month", ""])
def test_summary_tables_have_subtotals_per_first_dimension(admin, tracked, group_by):
    query = "/reports/summary?dateFrom=2025-03-01" + (f"&groupBy={group_by}" if group_by else "")
    answer = admin.ok("get", query)
    lines = lines_of(pdf_of(admin.get(query + "&format=pdf")))
    assert lines[0] == "Summary report"
    assert lines[1] == "Period: 2025-03-01 to the last day"
    subtotals = [line for line in lines if re.match(r"Total \S", line) and "(" not in line]
    if group_by == "customer,project":
        customers = {}
        for group in answer["groups"]:
            customers[group["customerId"]] = (
                customers.get(group["customerId"], 0) + group["totals"]["totalMinutes"]
            )
        assert len(subtotals) == len(customers) + 1
    if group_by:
        assert (
            lines[lines.index("Share of the hours by project") - 0]
            == "Share of the hours by project"
        )
    overall = answer["totals"]["totalMinutes"]
    assert any(line.startswith(f"Total {overall} {overall / 60:.2f}") for line in lines) or (
        not group_by and any(line.startswith(f"All {overall} ") for line in lines)
    )


@pytest.mark.parametrize("report", ["projects", "users"])
def test_per_object_reports_list_every_item_and_the_total(admin, tracked, report):
    query = f"/reports/{report}?{MARCH}"
    items = admin.ok("get", query)["items"]
    lines = lines_of(pdf_of(admin.get(query + "&format=pdf&limit=1")))  # every one
    assert lines[0] == f"{report.capitalize()} report"
    key = "name" if report == "projects" else "fullName"
    for item in items:
        minutes = item["totals"]["totalMinutes"]
        assert any(
            line.startswith(item[key] + " ") and f" {minutes} {minutes / 60:.2f}" in line
            for line in lines
        ), item[key]
    total = sum(item["totals"]["totalMinutes"] for item in items)
    assert any(
        line.startswith(f"Total ({len(items)} {report})") and f" {total} {total / 60:.2f}" in line
        for line in lines
    )
    assert f"Hours per day, by {report[:-1]}" in lines


def test_totals_and_an_objects_totals_answer_pdf(admin, tracked):
    lines = lines_of(pdf_of(admin.get(f"/timetrack/totals?{MARCH}&groupBy=task&format=pdf")))
    assert lines[0] == "Totals" and lines[2] == "Filters: Grouped by: task"
    assert any(line.startswith("Total 360 6.00") for line in lines)
    customer = tracked["customers"]["acme"]
    answer = admin.ok("get", f"/customers/{customer}/totals?{MARCH}")
    minutes = answer["totals"]["totalMinutes"]
    reader = pdf_of(admin.get(f"/customers/{customer}/totals?{MARCH}&format=pdf"))
    lines = lines_of(reader)
    assert lines[0] == f"Totals of customer {customer}"
    assert f"Customers: {customer}" in lines[2]
    assert any(line.startswith(f"All {minutes} {minutes / 60:.2f}") for line in lines)


# --- invoices --------------------------------------------------------------------------------


def test_an_invoice_document_lists_its_lines_amounts_and_totals(admin, tracked):
    types = admin.ok("get", "/typesOfWork")["items"]
    billable = next(t for t in types if t["billable"])
    admin.ok("patch", f"/typesOfWork/{billable['id']}", {"rate": 90})
    invoice = admin.ok("post", "/invoices", {"number": "INV-7", "dateFrom": "2025-03-01",
                                             "dateTo": "2025-03-31"})  # fmt: skip
    assert invoice["billedMinutes"] == 255  # the other billable records of March
    response = admin.get(f"/invoices/{invoice['id']}?format=pdf")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="invoice-{invoice["id"]}.pdf"'
    )
    lines = lines_of(pdf_of(response))
    assert lines[0] == "Invoice INV-7"
    assert lines[1] == "Period: 2025-03-01 to 2025-03-31"
    assert lines[2].startswith("Customer: ")
    detailed = admin.ok("get", f"/reports/detailed?{MARCH}&billed=true")["items"]
    mine = [row for row in detailed if row["invoiceId"] == invoice["id"]]
    by_task = {}
    for row in mine:
        by_task[row["taskName"]] = by_task.get(row["taskName"], 0) + row["minutes"]
    for task, minutes in by_task.items():
        amount = round(minutes * 90 / 60, 2)
        assert any(
            task in line and line.endswith(f"{minutes} {minutes / 60:.2f} 90.00 {amount:,.2f}")
            for line in lines
        ), task
    assert lines[-2] == f"Total 255 4.25 {255 * 90 / 60:,.2f}"
    assert admin.ok("get", f"/invoices/{invoice['id']}")["number"] == "INV-7"  # JSON as before


def test_an_invoice_document_needs_the_right_to_see_it(tracked):
    response = tracked["worker"].get(f"/invoices/{tracked['invoice']}?format=pdf")
    assert response.status_code == 403
    assert response.mimetype == "application/json"


# --- the document and the command line -------------------------------------------------------


def test_the_document_declares_pdf_where_it_is_offered(client):
    document = client.get("/api/v1/openapi.json").get_json()
    offered = {
        path
        for path, item in document["paths"].items()
        if PDF_MEDIA_TYPE
        in item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
    }
    assert offered == {
        "/api/v1/reports/detailed",
        "/api/v1/reports/summary",
        "/api/v1/reports/projects",
        "/api/v1/reports/users",
        "/api/v1/timetrack/totals",
        "/api/v1/customers/{object_id}/totals",
        "/api/v1/projects/{object_id}/totals",
        "/api/v1/tasks/{object_id}/totals",
        "/api/v1/users/{object_id}/totals",
        "/api/v1/invoices/{id}",
    }
    for path in offered:
        answer = document["paths"][path]["get"]["responses"]["200"]
        assert answer["content"][PDF_MEDIA_TYPE]["schema"] == {"type": "string", "format": "binary"}
        assert "format=pdf" in answer["description"]


def test_the_command_line_offers_the_formats_of_the_reports():
    assert cli_export.REPORT_FORMATS == documents.REPORT_FORMATS


def export(database_url, *args):
    return CliRunner().invoke(main, ["export", *args, "--db", database_url])


def test_cli_pdf_export_holds_the_apis_rows(admin, tracked, migrated_database_url, tmp_path):
    target = tmp_path / "detailed.pdf"
    args = ("--date-from", "2025-03-01", "--date-to", "2025-03-31", "--format", "pdf")
    result = export(migrated_database_url, "detailed", *args, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Time-track records" in result.output  # the progress bar's label
    api = pdf_of(admin.get(f"/reports/detailed?{MARCH}&format=pdf"))
    exported = PdfReader(io.BytesIO(target.read_bytes()))
    assert text_of(exported) == text_of(api)
    assert len(RECORDS) - 1 == 6  # April's record is outside
    assert "Total (6 records) 360 6.00" in text_of(exported)


def test_a_pdf_beyond_its_rows_is_refused_and_csv_still_answers(admin, tracked, monkeypatch):
    from timetracker.services import reports

    monkeypatch.setattr(reports, "MAX_PDF_ROWS", 5)
    response = admin.get(f"/reports/detailed?{MARCH}&format=pdf")
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.too_many_rows"
    assert "at most 5 rows" in response.get_json()["message"]
    assert admin.get(f"/reports/detailed?{MARCH}&format=csv").status_code == 200
    pdf_of(admin.get(f"/reports/detailed?{MARCH}&userIds={tracked['worker'].id}&format=pdf"))


def test_cli_refuses_a_pdf_beyond_its_rows(tracked, migrated_database_url, tmp_path, monkeypatch):
    from timetracker.services import reports

    monkeypatch.setattr(reports, "MAX_PDF_ROWS", 5)
    target = tmp_path / "detailed.pdf"
    result = export(
        migrated_database_url, "detailed", "--date-from", "2025-03-01", "--format", "pdf",
        "-o", str(target),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "at most 5 rows" in result.output
    assert not target.exists()
