"""PDF documents: a title with the period and filters, tables whose header row repeats on every
page, subtotal and total rows, page numbers in the footer, and the charts of
:mod:`timetracker.api.pdf_charts`; written with fpdf2.

Text is set in DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew and more), with Droid Sans
Fallback for what it lacks (Chinese, Japanese, Korean); both ship in :mod:`timetracker.fonts`
and fpdf2 embeds only the glyphs used. Text in a script that needs shaping (Arabic, Hebrew,
the Indic scripts, ...) is shaped by HarfBuzz (``uharfbuzz``, which fpdf2 uses for its text
shaping): only the cells holding such text, since shaping costs more than plain text and most
cells hold none.

Every row is one line: text wider than its column is cut with an ellipsis (the CSV and Excel
files hold it whole). Rows are drawn as they are read, so only the pages drawn so far are held
(fpdf2 keeps them until the file is written), not the rows.
"""

from __future__ import annotations

import functools
import itertools
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from flask import Response
from fontTools.ttLib import TTFont
from fpdf import FPDF

PDF_MEDIA_TYPE = "application/pdf"
SEND_BYTES = 1 << 16
PAGE_COUNT = "{page-count}"
FONT = "DejaVu"
FALLBACK_FONT = "DroidFallback"
_FONT_FILES = (
    (FONT, "", "DejaVuSans.ttf"),
    (FONT, "B", "DejaVuSans-Bold.ttf"),
    (FALLBACK_FONT, "", "DroidSansFallbackFull.ttf"),
)
TEXT_SIZE = 7.5  # points, the tables'
ROW_HEIGHT = 4.6  # millimetres
HEADER_FILL = (225, 230, 238)
SUBTOTAL_FILL = (242, 242, 242)
# Characters of scripts whose glyphs join, reorder or take marks: Hebrew, Arabic, Syriac,
# Thaana, N'Ko, the Indic scripts, Thai, Lao, Tibetan, Myanmar, Khmer and Arabic's
# presentation forms.
_NEEDS_SHAPING = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
    "\ufb1d-\ufdff\ufe70-\ufeff]"
)

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

try:  # HarfBuzz's wheels cover the usual platforms; without it text is set unshaped
    import uharfbuzz  # noqa: F401

    SHAPING = True
except ImportError:  # pragma: no cover - installed with the package
    SHAPING = False


@dataclass(frozen=True)
class PdfColumn:
    """A column of a table: its heading, its share of the page's width, its alignment (``L``
    or ``R``, numbers to the right) and how a value shows (None shows empty)."""

    heading: str
    weight: float = 1.0
    align: str = "L"
    show: Callable[[Any], str] = str


def hours_text(minutes: Any) -> str:
    """Minutes as hours with two decimals: 90 -> ``1.50``."""
    return "" if minutes is None else f"{minutes / 60:.2f}"


def yes_no(value: Any) -> str:
    if value is None:
        return ""
    return "yes" if value is True or value == "true" else "no"


@functools.cache
def main_glyphs() -> frozenset[int]:
    """The characters the main font has glyphs for (read once per process)."""
    with resources.as_file(resources.files("timetracker.fonts") / _FONT_FILES[0][2]) as path:
        return frozenset(TTFont(path, lazy=True).getBestCmap())


class ReportPdf(FPDF):
    """A document of one report: its title and description lines on the first page, then
    tables and charts; every page numbered ``Page n of N`` under the report's title."""

    def __init__(self, title: str, lines: Sequence[str] = (), landscape: bool = True):
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.report_title = title
        for family, style, name in _FONT_FILES[:2]:
            self._add_bundled_font(family, style, name)
        self._fallback_added = False  # on the first character DejaVu lacks: its file is large
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        # A longer alias of the page count reserves the width of thousands of pages.
        self.alias_nb_pages(PAGE_COUNT)
        self.set_title(title)
        self.set_creator("timetracker")
        self._columns: list[PdfColumn] = []
        self._widths: list[float] = []
        self._main_glyphs = main_glyphs()
        self._fitted: dict[tuple, str] = {}
        self.add_page()
        self.set_font(FONT, "B", 15)
        self.line_of_text(title, 8)
        self.set_font(FONT, "", 9)
        for line in lines:
            self.line_of_text(line, 5)
        self.ln(3)

    def _add_bundled_font(self, family: str, style: str, name: str) -> None:
        with resources.as_file(resources.files("timetracker.fonts") / name) as path:
            self.add_font(family, style, str(path))

    def _use_fallback(self) -> None:
        if not self._fallback_added:
            self._add_bundled_font(*_FONT_FILES[2])
            self._fallback_added = True

    # --- pages -----------------------------------------------------------------------------

    def header(self) -> None:
        """On every page after the first: the report's title, then the current table's
        header row."""
        if self.page_no() > 1:
            self.set_font(FONT, "", 7)
            self.set_text_color(110)
            self.line_of_text(self.report_title, 4)
            self.set_text_color(0)
            self.ln(1)
            if self._columns:
                self._heading_row()

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.set_text_color(110)
        self.cell(0, 4, f"Page {self.page_no()} of {PAGE_COUNT}", align="C")
        self.set_text_color(0)

    # --- text ------------------------------------------------------------------------------

    def fit(self, text: str, width: float, measure: Callable[[str], float] | None = None) -> str:
        """``text`` cut with an ellipsis to fit ``width`` millimetres in the current font (as
        ``measure`` measures, by default the current font's widths)."""
        measure = measure or self.get_string_width
        room = width - 2 * self.c_margin
        if measure(text) <= room:
            return text
        low, high = 0, len(text)
        while low < high:  # the longest start that fits beside the ellipsis
            middle = (low + high + 1) // 2
            if measure(text[:middle] + "…") <= room:
                low = middle
            else:
                high = middle - 1
        return text[:low] + "…"

    def line_of_text(self, text: str, height: float) -> None:
        """A line across the page, ``height`` high, at the left margin."""
        self.set_x(self.l_margin)
        self.text_cell(self.epw, text, height=height)
        self.set_xy(self.l_margin, self.get_y() + height)

    def text_cell(
        self,
        width: float,
        text: str,
        align: str = "L",
        fill: bool = False,
        height: float = ROW_HEIGHT,
    ) -> None:
        """One cell of a row at the current position, which then moves right by ``width``:
        ``text`` fitted, its characters that the main font lacks in the fallback font,
        shaped when its script needs it. Drawn with ``text()`` rather than ``cell()``, which
        took six times as long (a year's detailed report is a million cells), except text to
        shape: only ``cell()`` puts right-to-left text in its order."""
        x, y = self.get_x(), self.get_y()
        if fill:
            self.rect(x, y, width, height, style="F")
        if text:
            if not text.isprintable():  # a row is one line: line breaks, tabs as spaces
                text = _UNPRINTABLE.sub(" ", text)
            covered = text.isascii() or self._covered(text)
            measure = self.get_string_width if covered else self._mixed_width
            key = (text, width, self.font_family, self.font_style, self.font_size_pt)
            fitted = self._fitted.get(key)
            if fitted is None:
                fitted = self.fit(text, width, measure)
                if len(self._fitted) > 20_000:
                    self._fitted.clear()
                self._fitted[key] = fitted
            left = x + self.c_margin
            if align == "R":
                left = x + width - self.c_margin - measure(fitted)
            baseline = y + 0.5 * height + 0.3 * self.font_size
            if covered and SHAPING and _NEEDS_SHAPING.search(fitted):
                # cell() orders right-to-left text (the bidirectional algorithm), text() not
                self.set_text_shaping(True)
                self.set_xy(x, y)
                self.cell(width, height, fitted, align=align)
                self.set_text_shaping(False)
            elif covered:
                self.text(left, baseline, fitted)
            else:
                self._use_fallback()
                style, size = self.font_style, self.font_size_pt
                for run, main in self._runs(fitted):
                    self.set_font(FONT if main else FALLBACK_FONT, style if main else "", size)
                    self._put(left, baseline, run)
                    left += self.get_string_width(run)
                self.set_font(FONT, style, size)
        self.set_xy(x + width, y)

    def _put(self, left: float, baseline: float, text: str) -> None:
        if SHAPING and _NEEDS_SHAPING.search(text):
            self.set_text_shaping(True)
            self.text(left, baseline, text)
            self.set_text_shaping(False)
        else:
            self.text(left, baseline, text)

    def _covered(self, text: str) -> bool:
        """Whether the main font has a glyph for every character of ``text``."""
        return all(ord(char) in self._main_glyphs for char in set(text))

    def _runs(self, text: str) -> list[tuple[str, bool]]:
        """``text`` in runs of characters the main font has (True) or lacks (False)."""
        return [
            ("".join(chars), main)
            for main, chars in itertools.groupby(text, lambda c: ord(c) in self._main_glyphs)
        ]

    def _mixed_width(self, text: str) -> float:
        """The width of ``text`` set in runs of the main and the fallback font."""
        self._use_fallback()
        style, size = self.font_style, self.font_size_pt
        width = 0.0
        for run, main in self._runs(text):
            self.set_font(FONT if main else FALLBACK_FONT, style if main else "", size)
            width += self.get_string_width(run)
        self.set_font(FONT, style, size)
        return width

    def new_row(self) -> None:
        """Start a row: on a new page (its header row repeated) when this one is full."""
        if self.get_y() + ROW_HEIGHT > self.page_break_trigger:
            self.add_page()
        self.set_x(self.l_margin)

    def section(self, heading: str) -> None:
        """A heading above a table or chart (on a new page when little room is left)."""
        self.end_table()
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 10)
        self.line_of_text(heading, 6)

    # --- tables ----------------------------------------------------------------------------

    def start_table(self, columns: Sequence[PdfColumn]) -> None:
        """Begin a table of ``columns`` (sharing the page's width by their weights): its header
        row now, and again at the top of every page it continues on."""
        self.end_table()
        total = sum(c.weight for c in columns)
        self._columns = list(columns)
        self._widths = [self.epw * c.weight / total for c in columns]
        if self.get_y() > self.h - 30:
            self.add_page()  # draws the header row
        else:
            self._heading_row()

    def end_table(self) -> None:
        self._columns, self._widths = [], []

    def _heading_row(self) -> None:
        self.set_x(self.l_margin)
        self.set_font(FONT, "B", TEXT_SIZE)
        self.set_fill_color(*HEADER_FILL)
        for column, width in zip(self._columns, self._widths, strict=True):
            self.text_cell(width, column.heading, column.align, fill=True)
        self.ln(ROW_HEIGHT)
        self.set_font(FONT, "", TEXT_SIZE)

    def row(self, values: Sequence[Any]) -> None:
        """A row of the table: each value as its column shows it."""
        self.new_row()
        for column, width, value in zip(self._columns, self._widths, values, strict=True):
            self.text_cell(width, "" if value is None else column.show(value), column.align)
        self.ln(ROW_HEIGHT)

    def total_row(self, values: Sequence[Any], final: bool = False) -> None:
        """A subtotal row (shaded), or with ``final`` the table's total (bold, ruled above)."""
        self.set_font(FONT, "B" if final else "", TEXT_SIZE)
        self.set_fill_color(*SUBTOTAL_FILL)
        self.new_row()
        if final:
            self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        # The label (the first value) spans the empty cells after it.
        label, after = values[0], 1
        while after < len(values) and values[after] is None:
            after += 1
        label_width = sum(self._widths[:after])
        self.text_cell(label_width, "" if label is None else str(label), fill=not final)
        for column, width, value in zip(
            self._columns[after:], self._widths[after:], values[after:], strict=True
        ):
            text = "" if value is None else column.show(value)
            self.text_cell(width, text, column.align, fill=not final)
        self.ln(ROW_HEIGHT)
        self.set_font(FONT, "", TEXT_SIZE)


def pdf_chunks(build: Callable[[], ReportPdf]) -> Iterator[bytes]:
    """The bytes of the document ``build`` draws, in chunks: drawn and written to a temporary
    file at the first ``next()`` (a PDF's cross-reference table at its end needs every page
    first), then read back."""
    document = build()
    with tempfile.TemporaryFile() as spool:
        document.output(spool)
        del document
        spool.seek(0)
        while block := spool.read(SEND_BYTES):
            yield block


def pdf_response(build: Callable[[], ReportPdf], filename: str) -> Response:
    """A PDF answer drawn by ``build`` while the body is sent."""
    response = Response(pdf_chunks(build), mimetype=PDF_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
