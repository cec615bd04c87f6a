"""Charts of the PDF documents, drawn with fpdf2's own primitives (rectangles, lines, text):
hours per period as stacked bars split by project or user, and each project's share of the
hours as horizontal bars.

A bar's height is its hours on the chart's scale exactly (no rounding), so that a reader of
the PDF's drawing operators finds the figures in it; colours come from :data:`PALETTE` in the
order of the series (largest first), the last series being ``Other`` when there are more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timetracker.api.pdf_document import ReportPdf

PALETTE = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)  # fmt: skip
OTHER_COLOUR = (200, 200, 200)
MAX_SERIES = len(PALETTE)  # series drawn in colour; the rest add up to "Other"
CHART_HEIGHT = 62  # millimetres: the plot area's
LABEL_SIZE = 6.5


def top_series(
    hours: Mapping[str, float], limit: int = MAX_SERIES
) -> tuple[list[str], dict[str, str]]:
    """The series to draw, largest first (ties by name), and where each name goes: itself, or
    ``Other`` for those past ``limit`` (when more than ``limit`` would otherwise be drawn)."""
    ranked = sorted(hours, key=lambda name: (-hours[name], name))
    if len(ranked) <= limit:
        return ranked, {name: name for name in ranked}
    kept = ranked[: limit - 1]
    placed = {name: name for name in kept} | {name: "Other" for name in ranked[limit - 1 :]}
    return [*kept, "Other"], placed


def colour(series: Sequence[str], name: str) -> tuple[int, int, int]:
    if name == "Other" and series and series[-1] == "Other":
        return OTHER_COLOUR
    return PALETTE[series.index(name) % len(PALETTE)]


def nice_step(top: float) -> float:
    """A round step for an axis up to ``top``: 1, 2 or 5 times a power of ten, about 5 steps."""
    if top <= 0:
        return 1.0
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def stacked_bars(
    pdf: ReportPdf,
    periods: Sequence[str],
    values: Mapping[str, Mapping[str, float]],
) -> None:
    """Hours per period (``periods``, as their labels, in order) as bars stacked by series:
    ``values[period][series]`` hours."""
    totals: dict[str, float] = {}
    for by_series in values.values():
        for name, hours in by_series.items():
            totals[name] = totals.get(name, 0.0) + hours
    series, placed = top_series(totals)
    highest = max((sum(values.get(p, {}).values()) for p in periods), default=0.0)
    step = nice_step(highest)
    scale_top = step * max(1, math.ceil(highest / step)) if highest else step
    if pdf.get_y() + CHART_HEIGHT + 30 > pdf.page_break_trigger:
        pdf.add_page()
    axis_width = 12
    left = pdf.l_margin + axis_width
    width = pdf.epw - axis_width - 50  # the legend's room at the right
    top = pdf.get_y() + 3
    bottom = top + CHART_HEIGHT
    per_mm = CHART_HEIGHT / scale_top
    pdf.set_font(pdf.font_family, "", LABEL_SIZE)
    pdf.set_draw_color(210)
    pdf.set_line_width(0.15)
    mark = 0.0
    while mark <= scale_top + 1e-9:  # grid lines and the hours axis
        y = bottom - mark * per_mm
        pdf.line(left, y, left + width, y)
        label = f"{mark:g} h"
        pdf.text(left - 1.5 - pdf.get_string_width(label), y + 1, label)
        mark += step
    pdf.set_draw_color(0)
    slot = width / max(1, len(periods))
    bar = slot * 0.7
    every = max(1, math.ceil(len(periods) * 14 / width))  # labels not overlapping
    for n, period in enumerate(periods):
        x = left + n * slot + (slot - bar) / 2
        y = bottom
        stacked: dict[str, float] = {}
        for name, hours in values.get(period, {}).items():
            stacked[placed[name]] = stacked.get(placed[name], 0.0) + hours
        for name in series:  # the largest series at the bottom
            hours = stacked.get(name, 0.0)
            if hours <= 0:
                continue
            height = hours * per_mm
            y -= height
            pdf.set_fill_color(*colour(series, name))
            pdf.rect(x, y, bar, height, style="F")
        if n % every == 0:
            pdf.text(left + n * slot + slot / 2 - pdf.get_string_width(period) / 2,
                     bottom + 3, period)  # fmt: skip
    pdf.line(left, bottom, left + width, bottom)
    _legend(pdf, series, left + width + 4, top, totals, placed)
    pdf.set_xy(pdf.l_margin, bottom + 6)


def _legend(
    pdf: ReportPdf,
    series: Sequence[str],
    x: float,
    y: float,
    totals: Mapping[str, float],
    placed: Mapping[str, str],
) -> None:
    summed: dict[str, float] = {}
    for name, hours in totals.items():
        summed[placed[name]] = summed.get(placed[name], 0.0) + hours
    for name in series:
        pdf.set_fill_color(*colour(series, name))
        pdf.rect(x, y, 3, 3, style="F")
        pdf.set_xy(x + 4, y - 0.5)
        pdf.text_cell(42, f"{name} ({summed[name]:.2f} h)", height=4)
        y += 4.5


def share_bars(pdf: ReportPdf, hours: Mapping[str, float], title: str = "Share") -> None:
    """Each name's share of the hours as a horizontal bar, largest first (``Other`` last for
    those past the palette), with its hours and percentage."""
    total = sum(hours.values())
    series, placed = top_series(hours)
    summed: dict[str, float] = {}
    for name, value in hours.items():
        summed[placed[name]] = summed.get(placed[name], 0.0) + value
    row = 5.0
    if pdf.get_y() + row * len(series) + 10 > pdf.page_break_trigger:
        pdf.add_page()
    name_width = 60.0
    left = pdf.l_margin + name_width
    width = pdf.epw - name_width - 40
    y = pdf.get_y() + 1
    pdf.set_font(pdf.font_family, "", LABEL_SIZE + 0.5)
    for name in series:
        share = summed[name] / total if total else 0.0
        pdf.set_xy(pdf.l_margin, y)
        pdf.text_cell(name_width, name, height=row - 1)
        pdf.set_fill_color(*colour(series, name))
        if share > 0:
            pdf.rect(left, y + 0.5, width * share, row - 2, style="F")
        pdf.text(left + width * share + 2, y + row / 2 + 0.6,
                 f"{summed[name]:.2f} h, {share:.1%}")  # fmt: skip
        y += row
    pdf.set_xy(pdf.l_margin, y + 3)
