"""A year's detailed report as Excel, through the real server, against its CSV.

    python bench/bench_xlsx.py [--db URL_OR_PATH] [--users 100] [--year 2025] [--runs 2]

Uses the dataset of ``timetrack_dataset.py`` with --users users (100: 104,400 records for the
year): built in a temporary SQLite file, or in the database given by --db (built there when it
is empty, reused when it already holds a dataset). Then, as the administrator, it downloads
``GET /api/v1/reports/detailed?dateFrom=Y-01-01&dateTo=Y-12-31`` as CSV (the baseline, in
the same run) and as Excel (``format=xlsx``), and Excel of the first 25 working days (about a
tenth of the rows), in turns. It counts the rows (Excel's from the sheet's XML), times each
download, and polls the server process's memory (VmRSS, every 20 ms): the peak of the small
download against the full one's shows whether memory stays flat as the rows grow tenfold.
In this process, the Excel writer's peak of Python memory (tracemalloc) over the same two
periods. With ``xlsxwriter`` installed it also writes the same rows (one plain SQL query) with
xlsxwriter's constant-memory mode in this process, for comparison. The best of --runs counts.
Targets: Excel at least 30,000 rows/s through the server, and the server's peak memory the same
(within a few MB) for the tenth and for the whole year.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH  # noqa: E402
from bench_export import PLAIN_SQL, PeakMemory, has_dataset, rss_mb, server_process  # noqa: E402
from timetrack_dataset import build, working_days  # noqa: E402

from timetracker.store.db import normalize_url  # noqa: E402

SMALL_DAYS = 25  # working days of the small download


def download(port: int, path: str) -> tuple[bytes, float]:
    """The body of one download and the seconds it took (request to last byte)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers=AUTH)
    response = conn.getresponse()
    assert response.status == 200, (response.status, response.read(300))
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return body, elapsed


def excel_rows(body: bytes) -> int:
    """The data rows of an Excel answer: its sheets' rows but their headers."""
    rows = 0
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                rows -= 1  # the header
                with book.open(name) as sheet:
                    tail = b""
                    while block := sheet.read(1 << 20):
                        block = tail + block
                        rows += block.count(b"<row ")
                        tail = block[-4:]  # for a "<row " across two blocks
    return rows


def plain_xlsxwriter(engine, date_from: str, date_to: str) -> tuple[int, float] | None:
    """The same rows, one SQL query, written with xlsxwriter's constant-memory mode into a
    temporary file in this process (None without xlsxwriter)."""
    try:
        import xlsxwriter
    except ImportError:
        return None
    import datetime as dt

    started = time.perf_counter()
    rows = 0
    with tempfile.TemporaryDirectory() as tmp, engine.connect() as conn:
        book = xlsxwriter.Workbook(str(Path(tmp) / "r.xlsx"), {"constant_memory": True})
        sheet = book.add_worksheet("Detailed report")
        day_format = book.add_format({"num_format": "yyyy-mm-dd"})
        hours_format = book.add_format({"num_format": "0.00"})
        number, string, boolean = sheet.write_number, sheet.write_string, sheet.write_boolean
        result = conn.execution_options(yield_per=1000).execute(
            text(PLAIN_SQL), {"a": date_from, "b": date_to}
        )
        for partition in result.partitions():
            for row in partition:
                rows += 1
                day = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(row[0])
                sheet.write_datetime(rows, 0, day, day_format)
                for col in (1, 3, 5, 7, 9, 11):
                    number(rows, col, row[col])
                for col in (2, 4, 6, 8, 10):
                    string(rows, col, row[col])
                number(rows, 12, row[11] / 60, hours_format)
                if row[12] is not None:
                    string(rows, 13, row[12])
                boolean(rows, 14, bool(row[13]))
                boolean(rows, 15, bool(row[14]))
                if row[15] is not None:
                    number(rows, 16, row[15])
        book.close()
    return rows, time.perf_counter() - started


def traced_peak(db: str, date_from: str, date_to: str) -> tuple[int, float]:
    """(rows, MB): the peak of Python memory while the Excel of the detailed report of the
    period is written in this process, as the server writes it."""
    from flask import g

    from timetracker import create_app
    from timetracker.api.documents import typed_columns
    from timetracker.api.xlsx_stream import write_xlsx
    from timetracker.permissions import COMMAND_LINE
    from timetracker.schemas.reports import DetailedReportArgs, DetailedRowSchema
    from timetracker.services import reports

    app = create_app({"DATABASE_URL": db})
    engine = app.extensions["timetracker"]["engine"]
    columns = typed_columns(reports.DETAILED_HEADER, [DetailedRowSchema])
    with app.test_request_context("/"), tempfile.TemporaryFile() as target:
        g.caller = COMMAND_LINE
        args = DetailedReportArgs().load({"dateFrom": date_from, "dateTo": date_to})
        rows = reports.detailed_rows(engine, COMMAND_LINE, args)
        tracemalloc.start()
        count = write_xlsx(target, columns, rows, "Detailed report")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    engine.dispose()
    return count, peak / 1e6


def ready_dataset(args, tmp: str) -> str:
    """The dataset's database: ``--db`` (built there when it holds none) or one built in
    ``tmp``."""
    db = args.db or str(Path(tmp) / "timetrack.db")
    if has_dataset(db):
        print(f"dataset: reusing {db}")
    else:
        started = time.perf_counter()
        built = build(db, users=args.users, year=args.year)
        print(
            f"dataset: {built['records']:,} time-track records, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database path or URL (default: a temporary SQLite file)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=2, help="downloads (best one counts)")
    args = parser.parse_args()
    date_from, date_to = f"{args.year}-01-01", f"{args.year}-12-31"
    small_to = working_days(args.year)[SMALL_DAYS - 1].isoformat()

    with tempfile.TemporaryDirectory() as tmp:
        db = ready_dataset(args, tmp)
        engine = create_engine(normalize_url(db))
        with server_process(db) as (port, pid):
            print(f"{os.cpu_count()} CPUs shared by server, client and baseline")
            report = "/api/v1/reports/detailed?dateFrom={}&dateTo={}&format={}"
            full_csv = report.format(date_from, date_to, "csv")
            full_xlsx = report.format(date_from, date_to, "xlsx")
            small_xlsx = report.format(date_from, small_to, "xlsx")
            # Warm-up: one day of each, so that imports, pools and the credential cache are in
            # place.
            download(port, report.format(date_from, date_from, "csv"))
            download(port, report.format(date_from, date_from, "xlsx"))
            before = rss_mb(pid)
            csv_times, xlsx_times, writer_times = [], [], []
            small_peak = full_peak = before
            for run in range(1, args.runs + 1):
                # In turns, so that a busy moment of the machine weighs on all alike.
                body, csv_elapsed = download(port, full_csv)
                csv_rows = body.count(b"\n") - 1  # no comments in the dataset: no line breaks
                with PeakMemory(pid) as memory:
                    body, small_elapsed = download(port, small_xlsx)
                small_rows = excel_rows(body)
                small_peak = max(small_peak, memory.peak)
                with PeakMemory(pid) as memory:
                    body, xlsx_elapsed = download(port, full_xlsx)
                rows, size = excel_rows(body), len(body)
                full_peak = max(full_peak, memory.peak)
                assert rows == csv_rows, (rows, csv_rows)
                csv_times.append(csv_elapsed)
                xlsx_times.append(xlsx_elapsed)
                line = (
                    f"run {run}: Excel {rows:,} rows, {size / 1e6:.1f} MB in {xlsx_elapsed:.2f} s "
                    f"({rows / xlsx_elapsed:,.0f} rows/s); CSV {csv_elapsed:.2f} s "
                    f"({csv_rows / csv_elapsed:,.0f} rows/s); Excel of {small_rows:,} rows "
                    f"{small_elapsed:.2f} s; server RSS peak {small_peak:.0f} MB (small), "
                    f"{full_peak:.0f} MB (full)"
                )
                measured = plain_xlsxwriter(engine, date_from, date_to)
                if measured is not None:
                    writer_rows, writer_elapsed = measured
                    assert writer_rows == rows, (writer_rows, rows)
                    writer_times.append(writer_elapsed)
                    line += f"; xlsxwriter in process {writer_rows / writer_elapsed:,.0f} rows/s"
                print(line)
            after = rss_mb(pid)
        engine.dispose()
        traced = [traced_peak(db, date_from, end) for end in (small_to, date_to)]
    rate, csv_rate = rows / min(xlsx_times), csv_rows / min(csv_times)
    print(
        f"Excel best of {args.runs}: {rate:,.0f} rows/s (target >= 30,000); CSV through the "
        f"server {csv_rate:,.0f} rows/s; Excel at {rate / csv_rate:.0%} of it"
    )
    if writer_times:
        writer_rate = rows / min(writer_times)
        print(f"xlsxwriter (constant memory, in process, no HTTP): {writer_rate:,.0f} rows/s")
    print(
        f"server RSS: {before:.0f} MB before, peak {small_peak:.0f} MB with {small_rows:,} rows "
        f"and {full_peak:.0f} MB with {rows:,} rows ({full_peak - small_peak:+.1f} MB), "
        f"{after:.0f} MB after"
    )
    print(
        "Excel writer in process, peak of Python memory (tracemalloc): "
        + ", ".join(f"{mb:.1f} MB with {count:,} rows" for count, mb in traced)
    )


if __name__ == "__main__":
    main()
