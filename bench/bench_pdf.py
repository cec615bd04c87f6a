"""A year's detailed report as PDF, through the real server, against its CSV and Excel.

    python bench/bench_pdf.py [--db URL_OR_PATH] [--users 100] [--year 2025] [--runs 1]

The dataset of ``bench_xlsx.py`` (``timetrack_dataset.py`` with --users users; 100: 104,400
records for the year), built in a temporary SQLite file or in --db (reused when it already
holds one). As the administrator it downloads
``GET /api/v1/reports/detailed?dateFrom=Y-01-01&dateTo=Y-12-31`` as CSV (the baseline, in the
same run), as Excel and with ``format=pdf``, and the PDF of the first 25 working days (about a
tenth of the rows), in turns. It checks the PDF's page count and the total row's minutes
against the CSV (pypdf, on the last page), times each download, and polls the server
process's memory (VmRSS, every 20 ms): the peaks of the tenth and of the year show how memory
grows with the rows. The best of --runs counts.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import PeakMemory, rss_mb, server_process  # noqa: E402
from bench_xlsx import SMALL_DAYS, download, excel_rows, ready_dataset  # noqa: E402
from timetrack_dataset import working_days  # noqa: E402


def pdf_facts(body: bytes) -> tuple[int, int, int]:
    """(pages, rows counted on the last page's total line, minutes of that line)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    last = reader.pages[-1].extract_text()
    found = re.search(r"Total \(([\d,]+) records\) (\d+) ", last)
    assert found, last[-300:]
    return len(reader.pages), int(found.group(1).replace(",", "")), int(found.group(2))


def csv_minutes(body: bytes) -> tuple[int, int]:
    """(rows, minutes) of a CSV answer of the detailed report."""
    lines = body.decode().splitlines()
    at = lines[0].split(",").index("minutes")
    return len(lines) - 1, sum(int(line.split(",")[at]) for line in lines[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database path or URL (default: a temporary SQLite file)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=1, help="downloads (best one counts)")
    args = parser.parse_args()
    date_from, date_to = f"{args.year}-01-01", f"{args.year}-12-31"
    small_to = working_days(args.year)[SMALL_DAYS - 1].isoformat()
    print(f"load average before: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")

    with tempfile.TemporaryDirectory() as tmp:
        db = ready_dataset(args, tmp)
        with server_process(db) as (port, pid):
            report = "/api/v1/reports/detailed?dateFrom={}&dateTo={}&format={}"
            # Warm-up: one day of each, so that imports, fonts and pools are in place.
            for chosen in ("csv", "xlsx", "pdf"):
                download(port, report.format(date_from, date_from, chosen))
            before = rss_mb(pid)
            pdf_times, csv_times, xlsx_times = [], [], []
            small_peak = full_peak = before
            for run in range(1, args.runs + 1):
                body, csv_elapsed = download(port, report.format(date_from, date_to, "csv"))
                rows, minutes = csv_minutes(body)
                body, xlsx_elapsed = download(port, report.format(date_from, date_to, "xlsx"))
                assert excel_rows(body) == rows
                with PeakMemory(pid) as memory:
                    body, small_elapsed = download(port, report.format(date_from, small_to, "pdf"))
                small_peak = max(small_peak, memory.peak)
                small_pages, small_rows, _ = pdf_facts(body)
                with PeakMemory(pid) as memory:
                    body, pdf_elapsed = download(port, report.format(date_from, date_to, "pdf"))
                full_peak = max(full_peak, memory.peak)
                pages, pdf_rows, pdf_minutes = pdf_facts(body)
                assert (pdf_rows, pdf_minutes) == (rows, minutes), (pdf_rows, rows)
                pdf_times.append(pdf_elapsed)
                csv_times.append(csv_elapsed)
                xlsx_times.append(xlsx_elapsed)
                print(
                    f"run {run}: PDF {rows:,} rows, {pages:,} pages, {len(body) / 1e6:.1f} MB "
                    f"in {pdf_elapsed:.1f} s ({rows / pdf_elapsed:,.0f} rows/s); PDF of "
                    f"{small_rows:,} rows ({small_pages} pages) {small_elapsed:.1f} s; CSV "
                    f"{csv_elapsed:.2f} s, Excel {xlsx_elapsed:.2f} s; server RSS peak "
                    f"{small_peak:.0f} MB (tenth), {full_peak:.0f} MB (year)"
                )
            after = rss_mb(pid)
    best = min(pdf_times)
    print(
        f"PDF best of {args.runs}: {best:.1f} s, {rows / best:,.0f} rows/s; CSV "
        f"{rows / min(csv_times):,.0f} rows/s, Excel {rows / min(xlsx_times):,.0f} rows/s "
        f"(PDF at {min(csv_times) / best:.1%} of CSV's rate, {min(xlsx_times) / best:.1%} "
        "of Excel's)"
    )
    print(
        f"server RSS: {before:.0f} MB before, peak {small_peak:.0f} MB with {small_rows:,} rows "
        f"and {full_peak:.0f} MB with {rows:,} rows, {after:.0f} MB after"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
