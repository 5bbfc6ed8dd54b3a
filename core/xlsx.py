"""Formatted .xlsx files for people: exports of figures, KPI tables and rankings, and import templates.

openpyxl writes them (calamine only reads). Numbers are stored as numbers with Excel formats (`#,##0`,
`0.00%`), which Excel and LibreOffice show the Vietnamese way (1.234 and 26,15%) under a Vietnamese
locale. Text that a spreadsheet would take for a formula (=, +, -, @, tab, CR first) is escaped, so that
nothing runs when the file is opened (CSV/formula injection).

Built for 100,000-row tables (docs/performance.md, "Exports"): the workbook is openpyxl's write-only one,
streamed to a temporary file row by row, so memory does not grow with the rows; each column's style
(border, number format) is registered once and shared by its cells; and the table's rows are written as
XML text by `_TableSheet`, a cell a string, instead of an ElementTree element per cell (the pure-Python
XML writer openpyxl uses without lxml took about 30 µs a cell: 60 s for 100,000 rows of 20 columns)."""

import datetime
import io
import math
import tempfile
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice

from django.http import HttpResponse
from django.utils.text import get_valid_filename
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COUNT = "count"  # whole numbers, #,##0
PERCENT = "percent"  # a percentage given as 26.15 (points), stored as 0.2615 with 0.00%
POINTS = "points"  # percentage points (a gap), 0.00
DECIMAL = "decimal"
NUMBER = "number"  # a number as it is (General): no grouping, no fixed places
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
# What openpyxl gives a date or a time in a cell without a date format.
_DATE_FORMATS = {datetime.date: "yyyy-mm-dd", datetime.datetime: "yyyy-mm-dd h:mm:ss"}
# The rows read ahead to fit the columns' widths.
_WIDTH_ROWS = 200


def escape_text(value):
    """Text that would start a formula gets a leading apostrophe (OWASP's advice for CSV injection), and
    is written as a string cell, never as a formula. So does such text behind apostrophes of its own
    ('=x), so that the import, which drops one apostrophe before a formula's first character
    (imports.tabular.clean_text), reads back exactly the text that was exported."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
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
    """One sheet of a write-only workbook: title lines in bold, a header row (frozen, filled, wrapped), the
    rows with each column's number format, column widths that fit the header and the first rows,
    data-validation lists, and an optional note below. `rows` may be any iterable, a generator over a
    queryset's `.iterator()` included: it is read once, as the sheet is written, and never held whole."""
    ws = _TableSheet(parent=workbook, title=sheet_title[:31])
    workbook._add_sheet(ws)
    rows = iter(rows)
    head = list(islice(rows, _WIDTH_ROWS))
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

    for i, title in enumerate(titles):
        ws.append([_styled(ws, escape_text(title), font=_TITLE_FONT if i == 0 else _BOLD)])
    if titles:
        ws.append([])
    ws.append(
        [
            _styled(ws, escape_text(col.header), font=_BOLD, fill=_HEADER_FILL, border=_BORDER, alignment=_WRAP)
            for col in columns
        ]
    )
    ws.append_table(columns, chain(head, rows))
    if note:
        ws.append([])
        ws.append([_styled(ws, escape_text(note), font=_NOTE_FONT)])
    return ws


def _styled(ws, value, **style):
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


class _Table:
    """The rows of a table, sent to a _TableSheet's writer in one piece."""

    def __init__(self, columns, rows):
        self.columns = columns
        self.rows = rows


class _TableSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, which also writes a table's rows itself (`append_table`): each column's
    style registered once, and each cell written as XML text straight into the sheet's stream, which
    openpyxl's XML writer without lxml (et_xmlfile) exposes as `_file`. Rows before and after the table
    (titles, header, note) go through openpyxl as usual, numbered on from the table's. Should the writer
    have no `_file` (lxml's), the table's cells go through openpyxl too, with the same shared styles:
    the same file, only slower."""

    def append_table(self, columns, rows):
        self._get_writer()
        if self._rows is None:
            self._rows = self._write_rows()
            next(self._rows)
        self._rows.send(_Table(columns, rows))

    def _write_rows(self):
        # openpyxl's WriteOnlyWorksheet._write_rows, with tables written by _write_table.
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, _Table):
                        row_idx = self._write_table(xf, row, row_idx)
                    else:
                        self._writer.write_row(xf, self._values_to_row(row, row_idx), row_idx)
                        row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    @staticmethod
    def _writes_text(xf):
        """The function that writes text into the sheet's XML stream (et_xmlfile's `_file`), or None."""
        write = getattr(xf, "_file", None)
        return write if callable(write) else None

    def _style(self, number_format=None):
        """A data cell's style (a thin border, and the number format if any), registered once: a template
        cell whose style array the table's cells share, and its index in the workbook's styles."""
        cell = WriteOnlyCell(self)
        cell.border = _BORDER
        if number_format:
            cell.number_format = number_format
        return cell, str(cell.style_id)

    def _write_table(self, xf, table, row_idx):
        """Write the table's rows from `row_idx` on; returns the index of the row after them."""
        styles = [self._style(FORMATS.get(col.kind)) for col in table.columns]
        date_styles = {}  # a date in a column without a date format: openpyxl's default date formats

        def date_style(c, kind):
            fmt = FORMATS.get(table.columns[c].kind)
            if is_date_format(fmt):
                return styles[c]
            if kind not in date_styles:
                date_styles[kind] = self._style(_DATE_FORMATS[kind])
            return date_styles[kind]

        kinds = [col.kind for col in table.columns]
        write = self._writes_text(xf)
        if write is None:
            return self._write_table_cells(xf, table.rows, kinds, styles, date_style, row_idx)
        letters = [get_column_letter(c) for c in range(1, len(kinds) + 1)]
        epoch = self.parent.epoch
        parts, texts = [], {}
        for row in table.rows:
            r = str(row_idx)
            parts.append(f'<row r="{r}">')
            for c, (letter, kind, value) in enumerate(zip(letters, kinds, row)):
                s = styles[c][1]
                if value is None:
                    parts.append(f'<c r="{letter}{r}" s="{s}"/>')
                    continue
                if kind == PERCENT or kind in (POINTS, DECIMAL) and value.__class__ is Decimal:
                    value = _cell_value(value, kind)
                cls = value.__class__
                if cls is int:
                    parts.append(f'<c r="{letter}{r}" s="{s}"><v>{value}</v></c>')
                elif cls is str:
                    if not value:
                        parts.append(f'<c r="{letter}{r}" s="{s}" t="inlineStr"/>')
                        continue
                    # Codes, names and months repeat from row to row: each text is escaped once.
                    text = texts.get(value)
                    if text is None:
                        if len(texts) > 50_000:
                            texts.clear()
                        text = texts[value] = _text_xml(escape_text(value))
                    parts.append(f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is>{text}</is></c>')
                elif not isinstance(value, (int, float, Decimal, datetime.date)):
                    text = _text_xml(_cell_value(value, kind))  # as text, whatever it is (a lazy string)
                    parts.append(f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is>{text}</is></c>')
                elif cls is bool:
                    parts.append(f'<c r="{letter}{r}" s="{s}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, datetime.date):
                    if getattr(value, "tzinfo", None) is not None:
                        raise TypeError(
                            "Excel does not support timezones in datetimes. "
                            "The tzinfo in the datetime/time object must be set to None."
                        )
                    s = date_style(c, datetime.datetime if isinstance(value, datetime.datetime) else datetime.date)[1]
                    parts.append(f'<c r="{letter}{r}" s="{s}"><v>{to_excel(value, epoch):.16g}</v></c>')
                elif math.isnan(value) or math.isinf(value):
                    parts.append(f'<c r="{letter}{r}" s="{s}"/>')
                else:  # a float, or a Decimal written as openpyxl writes it (through a float)
                    parts.append(f'<c r="{letter}{r}" s="{s}"><v>{float(value):.16g}</v></c>')
            parts.append("</row>")
            row_idx += 1
            if len(parts) > 4000:
                write("".join(parts))
                parts.clear()
        write("".join(parts))
        return row_idx

    def _write_table_cells(self, xf, rows, kinds, styles, date_style, row_idx):
        """The table's rows through openpyxl's own cells and writer (no `_file` to write text to)."""
        for row in rows:
            cells = []
            for c, (kind, value) in enumerate(zip(kinds, row)):
                cell = WriteOnlyCell(self)
                value = _cell_value(value, kind)
                if isinstance(value, datetime.date):
                    template = date_style(
                        c, datetime.datetime if isinstance(value, datetime.datetime) else datetime.date
                    )
                else:
                    template = styles[c]
                cell._style = copy(template[0]._style)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
                cell.column, cell.row = c + 1, row_idx
                cells.append(cell)
            self._writer.write_row(xf, cells, row_idx)
            row_idx += 1
        return row_idx


def _text_xml(text):
    """The <t> element of an inline string, as openpyxl writes it: at most 32,767 characters, escaped,
    spaces at either end kept; characters XML cannot hold refused as openpyxl refuses them."""
    text = text[:32767]
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stripped = text.strip()
    if stripped and stripped != text:
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def new_workbook():
    return Workbook(write_only=True)


def save(workbook, destination):
    """Write the workbook to `destination`: a path, or a binary file open for writing (a temporary file,
    an upload's storage): what a background job calls to keep the file."""
    workbook.save(destination)


def to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(workbook, filename) -> HttpResponse:
    """The workbook as a download. It is written to a temporary file first (openpyxl streams the sheets
    to disk), then read into the response once."""
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        result = HttpResponse(file.read(), content_type=XLSX_TYPE)
    result["Content-Disposition"] = f'attachment; filename="{get_valid_filename(filename)}"'
    return result
