"""The parts of an .xlsx file around its rows: the XML of the styles, the workbook, the
relationships and the content types, the start of a sheet, and text as XML holds it.

:mod:`timetracker.api.xlsx_stream` writes the rows between them. Five styles serve every
sheet: the default, the header's bold, a date (``yyyy-mm-dd``), two decimals (``0.00``, hours)
and a date with a time.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence

MAX_CELL_TEXT = 32_767  # Excel's characters per cell; longer text is cut there
# Styles of styles.xml's cellXfs, by position.
BOLD, DATE_STYLE, DECIMAL_STYLE, DATETIME_STYLE = 1, 2, 3, 4


def column_letters(index: int) -> str:
    """Excel's column name of a 0-based index: A, ..., Z, AA, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


_NOT_IN_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def xml_text(value: str) -> str:
    """Text as the body of an XML element. Characters XML cannot hold (control characters;
    a carriage return, which an XML reader turns into a line feed) are written the way Excel
    writes them, ``_xHHHH_``, and text that reads like that escape gets its ``_`` escaped."""
    if len(value) > MAX_CELL_TEXT // 2 and len(value.encode("utf-16-le")) > 2 * MAX_CELL_TEXT:
        value = value.encode("utf-16-le")[: 2 * MAX_CELL_TEXT].decode("utf-16-le", "ignore")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _NOT_IN_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def content_types(sheets: int) -> str:
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{kind}.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>'
        f"{overrides}</Types>"
    )


def workbook(sheets: Sequence[tuple[str, str]]) -> str:
    """workbook.xml: the sheets' names, and each one's filtered range (``sheets``: name and
    range)."""
    listed = "".join(
        f'<sheet name="{xml_text(name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, (name, _) in enumerate(sheets, 1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{xml_text(_quoted(name))}!{area}</definedName>"
        for n, (name, area) in enumerate(sheets)
    )
    return (
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{listed}</sheets>"
        f"<definedNames>{filters}</definedNames></workbook>"
    )


def workbook_rels(sheets: int) -> str:
    listed = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{listed}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_RELATIONSHIPS}/styles" '
        'Target="styles.xml"/></Relationships>'
    )


def sheet_start(widths: Sequence[float], header: Sequence[str]) -> str:
    """A sheet's XML up to its rows: the frozen header row (bold; ``header`` holds field
    names, never a formula) and the columns' ``widths``."""
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
        for n, width in enumerate(widths, 1)
    )
    cells = "".join(
        f'<c r="{column_letters(i)}1" s="{BOLD}" t="inlineStr"><is><t>{xml_text(name)}</t></is></c>'
        for i, name in enumerate(header)
    )
    return (
        f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f'<sheetData><row r="1">{cells}</row>'
    )


def sheet_title(text: str) -> str:
    """A valid sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", text).strip("' ") or "Sheet"
    return cleaned[:31]


def write_part(archive: zipfile.ZipFile, name: str, text: str) -> None:
    """A small part of the workbook, dated as the sheets are (``ZipInfo``'s 1980-01-01, not
    now), so that the same rows always make the same file."""
    part = zipfile.ZipInfo(name)
    part.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(part, text, compresslevel=1)
