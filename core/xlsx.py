"""Formatted .xlsx files for people: exports of figures, KPI tables and rankings, and import templates.

openpyxl writes them (calamine only reads). Numbers are stored as numbers with Excel formats (`#,##0`,
`0.00%`), which Excel and LibreOffice show the Vietnamese way (1.234 and 26,15%) under a Vietnamese
locale. Text that a spreadsheet would take for a formula (=, +, -, @, tab, CR first) is escaped, so that
nothing runs when the file is opened (CSV/formula injection)."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import get_valid_filename
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COUNT = "count"  # whole numbers, #,##0
PERCENT = "percent"  # a percentage given as 26.15 (points), stored as 0.2615 with 0.00%
POINTS = "points"  # percentage points (a gap), 0.00
DECIMAL = "decimal"
TEXT = "text"
DATE = "date"

FORMATS = {
    COUNT: "#,##0",
    PERCENT: "0.00%",
    POINTS: "+0.00;-0.00;0.00",
    DECIMAL: "#,##0.00",
    DATE: "dd/mm/yyyy",
}
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=13)
_NOTE_FONT = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def escape_text(value):
    """Text that would start a formula gets a leading apostrophe (OWASP's advice for CSV injection), and
    is written as a string cell, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = TEXT
    width: float | None = None
    choices: tuple[str, ...] = ()  # a data-validation list (import templates)


def _cell_value(value, kind):
    if value is None:
        return None
    if kind == PERCENT:
        return float(Decimal(value) / 100)
    if kind in (POINTS, DECIMAL) and isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (int, float, Decimal, datetime.date)):
        return value
    return escape_text(str(value))


def add_table(workbook, *, sheet_title, titles, columns, rows, note=""):
    """One sheet of a write-only workbook (so that 100,000-row exports stay small in memory): title lines
    in bold, a header row (frozen, filled, wrapped), the rows with each column's number format, column
    widths that fit the header and the first rows, data-validation lists, and an optional note below."""
    from itertools import chain, islice

    ws = workbook.create_sheet(title=sheet_title[:31])
    rows = iter(rows)
    head = list(islice(rows, 200))
    lengths = [len(col.header) for col in columns]
    for row in head:
        for c, value in enumerate(row[: len(columns)]):
            lengths[c] = max(lengths[c], len(str(value)) if value is not None else 0)
    for c, col in enumerate(columns, start=1):
        width = col.width or min(max(lengths[c - 1] + 2, 8), 60)
        ws.column_dimensions[get_column_letter(c)].width = width
    header_row = len(titles) + (2 if titles else 1)
    ws.freeze_panes = f"A{header_row + 1}"
    for c, col in enumerate(columns, start=1):
        if col.choices:
            letter = get_column_letter(c)
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
            )
            validation.add(f"{letter}{header_row + 1}:{letter}{header_row + 5000}")
            ws.data_validations.append(validation)

    def styled(value, **style):
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    for i, title in enumerate(titles):
        ws.append([styled(escape_text(title), font=_TITLE_FONT if i == 0 else _BOLD)])
    if titles:
        ws.append([])
    ws.append(
        [
            styled(escape_text(col.header), font=_BOLD, fill=_HEADER_FILL, border=_BORDER, alignment=_WRAP)
            for col in columns
        ]
    )
    formats = [FORMATS.get(col.kind) for col in columns]
    for row in chain(head, rows):
        cells = []
        for col, number_format, value in zip(columns, formats, row):
            cell = styled(_cell_value(value, col.kind), border=_BORDER)
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        ws.append(cells)
    if note:
        ws.append([])
        ws.append([styled(escape_text(note), font=_NOTE_FONT)])
    return ws


def new_workbook():
    return Workbook(write_only=True)


def to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(workbook, filename) -> HttpResponse:
    result = HttpResponse(to_bytes(workbook), content_type=XLSX_TYPE)
    result["Content-Disposition"] = f'attachment; filename="{get_valid_filename(filename)}"'
    return result
