"""Reading the spreadsheets users bring: .xlsx, .xls, .ods (python-calamine) and .csv (the csv module).
Number formats, which calamine does not give, are read only when an importer needs them (percent cells
of targets): openpyxl for .xlsx, xlrd for .xls, the sheet's own XML for .ods.

What comes out is rows of plain cell values plus where the header is; what the columns mean is the
importer's business (imports.base). Files are checked before they are opened: size, and for the
zip-based formats the uncompressed size (a small .xlsx can inflate to gigabytes).

The header may sit under title rows and take up to three rows (report form 06: group headings merged
across the field headings below them, "Tiếp nhận" over "Trong đó" over "Trực tuyến"). Merge information
is not needed to read it, on purpose: calamine gives no merges for .ods and openpyxl's read-only mode none
at all. A column's field heading is its lowest text in the header; a column whose lower cells are empty
(merged down, or simply left blank) takes the text above. A heading of an upper row applies to the columns
to its right up to the next heading of that row (a group merged across), and a field heading is matched
first with each group above it ("Số lượng hồ sơ đã giải quyết > Quá hạn": resolved late; under "đang giải
quyết" the same "Quá hạn" is pending overdue), then alone; a remark in brackets at its end is ignored.
"""

import codecs
import csv
import datetime
import io
import json
import re
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.xlsx import FORMULA_STARTS

from .extent import Unreadable, column_letters, sheet_over, xlsx_sheet_names

HEADER_SEARCH_ROWS = 20
# The header is looked for in the first columns too: a row of a million cells must not make it take minutes.
HEADER_SEARCH_COLUMNS = 1000
TOTALS_WORDS = {"tổng", "tổng cộng", "tổng số", "cộng", "total"}
SPREADSHEET_TYPES = {".xlsx", ".xls", ".ods"}
SUPPORTED_TYPES = SPREADSHEET_TYPES | {".csv", ".json"}
# Formats a percentage is written with in Excel (0%, 0.0%, 0.00%, "#,##0.0%", ...).
_QUOTED = re.compile(r'"[^"]*"|\\.')
_SPACES = re.compile(r"\s+")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong type, too large, damaged, no header)."""


class Percent(float):
    """A number from a cell formatted as a percentage: 0.305 shown as 30,5%."""


def fold(text) -> str:
    """Header and word matching: NFC, case-folded, runs of white space (line breaks too) as one space,
    trimmed, without a trailing `:` or `*` (templates mark required columns with one)."""
    text = unicodedata.normalize("NFC", str(text)).casefold()
    text = _SPACES.sub(" ", text).strip()
    return text.rstrip(":*").strip()


def clean_text(value) -> str:
    """A cell as text for codes and names: NFC, trimmed, inner white space runs folded; without the
    apostrophe that the portal's exports put before text that would start a formula (core.xlsx.escape_text:
    `'=x` is read as `=x`), so that an exported file imports back as it was."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if text[:1] == "'" and text.lstrip("'").startswith(FORMULA_STARTS):
        text = text[1:]
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


# --- guards -----------------------------------------------------------------------------------------


def max_bytes():
    return getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def max_uncompressed_bytes():
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)


def max_cells():
    return getattr(settings, "IMPORT_MAX_CELLS", 5_000_000)


def _refuse_huge_sheets(path, name, kind):
    """Refuse a workbook with a sheet whose grid, from A1 to its farthest cell with a value, holds more than
    IMPORT_MAX_CELLS cells, before a reader builds that grid (imports.extent: a few bytes can put one cell
    at XFD1048576, 17 billion cells away)."""
    try:
        extent = sheet_over(path, kind, max_cells())
    except Unreadable as exc:
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": exc}) from None
    if extent is not None:
        raise FileProblem(
            _(
                "%(name)s: the sheet “%(sheet)s” reaches cell %(cell)s, a grid of %(cells)s cells; the limit is "
                "%(limit)s: delete what lies outside the table, save the file and import it again"
            )
            % {
                "name": name,
                "sheet": extent.sheet,
                "cell": extent.corner,
                "cells": f"{extent.cells:,}",
                "limit": f"{max_cells():,}",
            }
        )


def file_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_TYPES:
        raise FileProblem(
            _("%(name)s: unsupported file type; use .xlsx, .xls, .ods or .csv (or .json for one-stop statistics)")
            % {"name": Path(name).name}
        )
    return suffix


def check_file(path, name=None) -> str:
    """Refuse a file before opening it: unknown type, over IMPORT_MAX_BYTES, content that is not what its
    name says, or (for .xlsx and .ods) more than IMPORT_MAX_UNCOMPRESSED_BYTES once inflated. Returns
    the file type (its suffix)."""
    path = Path(path)
    name = name or path.name
    kind = file_type(name)
    size = path.stat().st_size
    if size > max_bytes():
        raise FileProblem(
            _("%(name)s is %(size)s bytes; files over %(limit)s bytes are refused")
            % {"name": name, "size": f"{size:,}", "limit": f"{max_bytes():,}"}
        )
    with path.open("rb") as handle:
        magic = handle.read(8)
    if kind in (".xlsx", ".ods"):
        if not magic.startswith(_ZIP_MAGIC):
            raise FileProblem(_("%(name)s is not a valid %(type)s file") % {"name": name, "type": kind})
        _check_zip(path, name)
    elif (
        kind == ".xls"
        and magic != _OLE_MAGIC
        or kind == ".json"
        and magic.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"[")
    ):
        raise FileProblem(_("%(name)s is not a valid %(type)s file") % {"name": name, "type": kind})
    return kind


def read_json(path, name=None):
    """The JSON document of a .json file (at most IMPORT_MAX_BYTES, checked by check_file)."""
    path = Path(path)
    check_file(path, name)
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FileProblem(
            _("%(name)s cannot be read: %(reason)s") % {"name": name or path.name, "reason": exc}
        ) from None


def _check_zip(path, name):
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileProblem(_("%(name)s is damaged (not a readable zip archive)") % {"name": name}) from None
    # The sizes in the directory are what the entries claim; an entry that inflates beyond its claim is
    # stopped by the reader's own size check, so the claims are what must stay under the limit.
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes() or len(members) > 10_000:
        raise FileProblem(
            _("%(name)s would take %(size)s bytes once uncompressed; the limit is %(limit)s bytes")
            % {"name": name, "size": f"{total:,}", "limit": f"{max_uncompressed_bytes():,}"}
        )


# --- reading ------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet's rows. `first_row` is the spreadsheet's number of rows[0] (1 for A1)."""

    name: str
    rows: list
    first_row: int = 1
    merges: tuple = ()  # ((first row, first col), (last row, last col)), zero-based, as calamine gives them


def read_sheets(path, name=None, *, want_formats=False):
    """Yield the sheets of a file in order (a CSV has one). With `want_formats`, numbers in cells
    formatted as percentages come as `Percent` (.xlsx, .xls and .ods; a .csv carries no formats)."""
    path = Path(path)
    kind = check_file(path, name)
    name = name or path.name
    if kind == ".csv":
        yield _read_csv(path, name)
        return
    _refuse_huge_sheets(path, name, kind)
    # Looked for beside calamine's read, in a thread: inflating the sheets is zlib's work, which lets go of
    # the GIL (0.13 s of a 100,000-row file's 4.5 s import, hidden so on a second core).
    formulas = _BACKGROUND.submit(_unsaved_formulas, path, kind)
    if want_formats and kind == ".xlsx":
        _refuse_unsaved_formulas(name, formulas.result())
        yield from _read_xlsx_with_formats(path, name)
        return
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": exc}) from None
    with workbook:
        percent_cells = {}
        if want_formats and kind == ".ods":
            percent_cells = _ods_percent_cells(path, name)
        elif want_formats and kind == ".xls":
            percent_cells = _xls_percent_cells(path, workbook.sheet_names, name)
        for index, sheet_name in enumerate(workbook.sheet_names):
            try:
                sheet = workbook.get_sheet_by_index(index)
                start = sheet.start
                rows = sheet.to_python(skip_empty_area=True) if start else []
                merges = sheet.merged_cell_ranges or ()  # .xlsx and .xls; None for .ods
            except (CalamineError, ValueError) as exc:
                raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": exc}) from None
            first_row = start[0] + 1 if start else 1
            first_col = start[1] if start else 0
            if first_col:
                rows = [[""] * first_col + row for row in rows]
            if index == 0:
                _refuse_unsaved_formulas(name, formulas.result())
            for r, c in percent_cells.get(index, ()):
                i = r - (first_row - 1)
                if 0 <= i < len(rows) and c < len(rows[i]) and isinstance(rows[i][c], (int, float)):
                    rows[i][c] = Percent(rows[i][c])
            _refuse_overlapping_merges(name, rows, first_row, merges)
            yield Sheet(sheet_name, rows, first_row, merges)


def _refuse_overlapping_merges(name, rows, first_row, merges):
    """Merged ranges do not overlap in a sound file, so together they cover at most the sheet; thousands of
    ranges over the same cells (a crafted file) would make spreading their values (below) cost ranges ×
    cells, minutes for a small file."""
    height, width = len(rows), max(map(len, rows), default=0)
    covered = 0
    for (r1, c1), (r2, c2) in merges:
        covered += max(0, min(r2, first_row + height - 2) - max(r1, first_row - 1) + 1) * max(
            0, min(c2, width - 1) - c1 + 1
        )
    if covered > height * width:
        reason = _("its merged cells overlap")
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": reason})


def _spread_merged_values(rows, merges, row_offset, from_row=0):
    """A merged cell's value belongs to every cell it covers: a unit code merged down over its procedures'
    rows applies to each of them. Only merges starting at or below `from_row` (the data, not the header,
    whose reading relies on the lower row being empty under a merged-down heading)."""
    for (r1, c1), (r2, c2) in merges:
        if r1 < from_row:
            continue
        i1 = r1 - row_offset
        if not 0 <= i1 < len(rows) or c1 >= len(rows[i1]):
            continue
        value = rows[i1][c1]
        if value == "" or value is None:
            continue
        for i in range(max(i1, 0), min(r2 - row_offset, len(rows) - 1) + 1):
            row = rows[i]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                if row[c] == "" or row[c] is None:
                    row[c] = value


def _read_csv(path, name):
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            _("%(name)s is not UTF-8 text (byte %(position)s); save the CSV as UTF-8")
            % {"name": name, "position": exc.start + 1}
        ) from None
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:  # a field over csv's limit (131,072 characters)
        reason = _("line %(line)s: %(reason)s") % {"line": f"{reader.line_num:,}", "reason": exc}
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": reason}) from None
    return Sheet(name, rows, 1)


def _sniff_delimiter(text):
    """Comma or semicolon: the one that splits the first lines into more, equally long rows. (A comma is
    also the Vietnamese decimal mark, so a plain count would mislead on `30,5%`.)"""
    head = text[:20_000].splitlines()[: HEADER_SEARCH_ROWS + 5]
    scores = {}
    for delimiter in (";", ","):
        widths = [len(row) for row in csv.reader(head, delimiter=delimiter) if any(cell.strip() for cell in row)]
        widest = max(widths, default=1)
        scores[delimiter] = (widest, sum(1 for w in widths if w == widest))
    return max(scores, key=lambda d: scores[d])


def _read_xlsx_with_formats(path, name):
    """openpyxl read-only, for the small files that need number formats (targets); calamine has none."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": exc}) from None
    try:
        for worksheet in workbook.worksheets:
            rows = []
            try:  # read-only: the sheet's XML is parsed as its rows are read
                for cells in worksheet.iter_rows():
                    row = []
                    for cell in cells:
                        value = getattr(cell, "value", None)
                        column = getattr(cell, "column", None)
                        if column is not None:
                            row.extend([""] * (column - 1 - len(row)))
                        number = isinstance(value, (int, float)) and not isinstance(value, bool)
                        if number and "%" in _QUOTED.sub("", cell.number_format or ""):
                            value = Percent(value)
                        row.append("" if value is None else value)
                    rows.append(row)
            except Exception as exc:  # a damaged sheet: ParseError, ValueError, KeyError ...
                raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": exc}) from None
            yield Sheet(worksheet.title, rows, 1)
    finally:
        workbook.close()


class _Discard:
    """A log file that keeps nothing: xlrd writes its warnings to one (standard output by default)."""

    def write(self, text):
        pass

    def flush(self):
        pass


def _xls_percent_cells(path, sheet_names, name):
    """{sheet index: {(row, col)}} of the number cells an .xls formats as percentages (zero-based; the
    index in `sheet_names`, calamine's list, which unlike xlrd's also counts chart and macro sheets).

    calamine reads the values but gives no formats; xlrd, with `formatting_info`, gives each cell's XF
    record and through it the number format. Called after calamine has opened the file, so a damaged file
    gets calamine's message; one that xlrd alone cannot read is refused all the same, since reading its
    percentages as plain numbers would store targets a hundred times too small."""
    import xlrd

    index_of = {sheet_name: index for index, sheet_name in enumerate(sheet_names)}
    found = {}
    try:
        # ragged_rows: rows are not padded to the widest one, so a lone far cell costs little; a
        # sector chain seen twice (written so by some tools, read by calamine) is let through, each
        # stream still bounded by its declared size.
        with xlrd.open_workbook(
            str(path),
            logfile=_Discard(),
            formatting_info=True,
            ragged_rows=True,
            ignore_workbook_corruption=True,
        ) as book:
            percent_xfs = set()
            for xf_index, xf in enumerate(book.xf_list):
                number_format = book.format_map.get(xf.format_key)
                if number_format and "%" in _QUOTED.sub("", number_format.format_str or ""):
                    percent_xfs.add(xf_index)
            for sheet in book.sheets() if percent_xfs else ():
                index = index_of.get(sheet.name)
                if index is None:
                    continue
                cells = set()
                for row in range(sheet.nrows):
                    for col, cell_type in enumerate(sheet.row_types(row)):
                        if cell_type == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(row, col) in percent_xfs:
                            cells.add((row, col))
                if cells:
                    found[index] = cells
    # xlrd raises many kinds on damaged files (XLRDError, struct.error, IndexError, KeyError ...).
    except Exception as exc:  # noqa: BLE001
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": exc}) from None
    return found


def _ods_percent_cells(path, name):
    """{sheet index: {(row, col)}} of the cells an .ods stores as percentages (zero-based). A content.xml
    with a document type declaration (defusedxml refuses any: entities could expand without end or read
    local files) or that is not well-formed XML makes the file unreadable."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    try:
        return _ods_percent_cells_of(path)
    except (DefusedXmlException, ParseError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        reason = _("its content.xml declares a document type, which is refused")
        if not isinstance(exc, DefusedXmlException):
            reason = str(exc)
        raise FileProblem(_("%(name)s cannot be read: %(reason)s") % {"name": name, "reason": reason}) from None


def _ods_percent_cells_of(path):
    found = {}
    for sheet, _sheet_name, row, col, repeat, element in _ods_cells(path):
        if element.get(f"{{{_ODS_OFFICE}}}value-type") == "percentage":
            found.setdefault(sheet, set()).update((row, col + i) for i in range(min(repeat, 1000)))
    return found


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _ods_cells(path):
    """(sheet index, sheet name, row, column, columns repeated, element) of each cell of an .ods (zero-based), read
    from its content.xml with defusedxml; the element is cleared once the caller has looked at it."""
    from defusedxml.ElementTree import iterparse

    sheet, sheet_name, row, col = -1, "", -1, 0
    cell_tags = (f"{{{_ODS_TABLE}}}table-cell", f"{{{_ODS_TABLE}}}covered-table-cell")
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        for event, element in iterparse(content, events=("start", "end"), forbid_dtd=True):
            tag = element.tag
            if event == "start":
                if tag == f"{{{_ODS_TABLE}}}table":
                    sheet, row = sheet + 1, -1
                    sheet_name = element.get(f"{{{_ODS_TABLE}}}name", "")
                elif tag == f"{{{_ODS_TABLE}}}table-row":
                    row, col = row + 1, 0
                continue
            if tag in cell_tags:
                repeat = int(element.get(f"{{{_ODS_TABLE}}}number-columns-repeated", "1"))
                yield sheet, sheet_name, row, col, repeat, element
                col += repeat
                element.clear()
            elif tag == f"{{{_ODS_TABLE}}}table-row":
                row += int(element.get(f"{{{_ODS_TABLE}}}number-rows-repeated", "1")) - 1
                element.clear()


# --- formulas without a saved result ------------------------------------------------------------------

_SHOWN_CELLS = 5
_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="formula-scan")


def _unsaved_formulas(path, kind):
    """["Sheet!C2", ...]: the formula cells of a workbook that carry no saved result. Excel and LibreOffice
    save each formula's result beside it, and that is what calamine reads; files written by scripts
    (openpyxl, say) often hold the formula alone, which would read as an empty cell, that is as 0. The usual
    file has no formula at all, found by a plain scan of the sheets' bytes; only a file with formulas is
    parsed. A file that cannot be read as such gives none here: calamine, next, says why."""
    try:
        if kind == ".xlsx":
            return _xlsx_unsaved_formulas(path)
        if kind == ".ods":
            return _ods_unsaved_formulas(path)
    except (ValueError, KeyError, SyntaxError, zipfile.BadZipFile, OSError):
        pass
    return []  # .xls (BIFF) stores every formula's result


def _refuse_unsaved_formulas(name, cells):
    if cells:
        shown = ", ".join(cells[:_SHOWN_CELLS]) + (" …" if len(cells) > _SHOWN_CELLS else "")
        raise FileProblem(
            ngettext(
                "%(name)s: %(count)s formula cell has no saved result (%(cells)s), which would read as 0; "
                "open the file in Excel or LibreOffice, save it and import it again",
                "%(name)s: %(count)s formula cells have no saved result (%(cells)s), which would read as 0; "
                "open the file in Excel or LibreOffice, save it and import it again",
                len(cells),
            )
            % {"name": name, "count": f"{len(cells):,}", "cells": shown}
        )


def _has_bytes(archive, member, needle, chunk=1 << 20):
    """Whether an archive member's uncompressed bytes contain `needle` (read in chunks)."""
    tail = b""
    with archive.open(member) as stream:
        while block := stream.read(chunk):
            if needle in tail + block[: len(needle)] or needle in block:
                return True
            tail = block[-len(needle) :]
    return False


def _xlsx_unsaved_formulas(path):
    """["Sheet!C2", ...]: the formula cells of an .xlsx without a saved value."""
    from defusedxml.ElementTree import iterparse

    found = []
    with zipfile.ZipFile(path) as archive:
        members = [
            m
            for m in archive.namelist()
            if m.startswith("xl/worksheets/") and m.endswith(".xml") and "/_rels/" not in m
        ]
        with_formulas = [m for m in members if _has_bytes(archive, m, b"<f")]
        if not with_formulas:
            return found
        names = xlsx_sheet_names(archive)
        for member in with_formulas:
            sheet = names.get(member, member)
            with archive.open(member) as stream:
                for _event, element in iterparse(stream):
                    if element.tag != f"{{{_XLSX_MAIN}}}c":
                        continue
                    formula = element.find(f"{{{_XLSX_MAIN}}}f")
                    value = element.find(f"{{{_XLSX_MAIN}}}v")
                    if formula is not None and (value is None or not (value.text or "").strip()):
                        found.append(f"{sheet}!{element.get('r', '?')}")
                    element.clear()
    return found


def _ods_unsaved_formulas(path):
    """["Sheet!C2", ...]: the formula cells of an .ods with neither a value nor a text."""
    with zipfile.ZipFile(path) as archive:
        if not _has_bytes(archive, "content.xml", b"table:formula"):
            return []
    found = []
    value_attributes = [f"{{{_ODS_OFFICE}}}{a}" for a in ("value", "string-value", "boolean-value", "date-value")]
    for _sheet, sheet_name, row, col, _repeat, element in _ods_cells(path):
        if element.get(f"{{{_ODS_TABLE}}}formula") is None:
            continue
        if any(element.get(a) is not None for a in value_attributes) or "".join(element.itertext()).strip():
            continue
        found.append(f"{sheet_name}!{column_letters(col + 1)}{row + 1}")
    return found


# --- header -------------------------------------------------------------------------------------------


@dataclass
class Header:
    """Where the header is and which column holds which field.

    `columns`: {field key: column index}; `texts`: {field key: the header text as the file shows it (the
    lower row's for two-row headers)}; `last_row`: the spreadsheet row number of the header's last row."""

    columns: dict[str, int]
    texts: dict[str, str]
    last_row: int
    first_row: int


def _cell_text(value):
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float, datetime.date, datetime.time)):
        return ""  # a number is never a header
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


_REMARK = re.compile(r"\s*\(.*\)$")


def _carried(texts):
    """A header row with each heading carried right over the empty cells after it (a group merged across)."""
    out, last = [], ""
    for text in texts:
        last = text or last
        out.append(last)
    return out


def _match(window, labels):
    """{key: (col, text)} for the columns of a header of `window` rows (texts, top row first) that name a
    field, first column wins: each column's lowest text, with each group heading above it (nearest first)
    as `group > text`, then alone, each also without a remark in brackets."""
    width = max(len(row) for row in window)
    groups = [_carried(row) for row in window[:-1]]
    found = {}
    for col in range(width):
        for leaf_row in range(len(window) - 1, -1, -1):
            leaf = window[leaf_row][col] if col < len(window[leaf_row]) else ""
            if leaf:
                break
        else:
            continue
        above = [groups[r][col] for r in range(leaf_row - 1, -1, -1) if col < len(groups[r]) and groups[r][col]]
        folded = fold(leaf)
        # (what to look up, how messages name the column: under its group when the group told its meaning)
        candidates = [(f"{fold(group)} > {folded}", f"{group} > {leaf}") for group in above if group != leaf]
        candidates.append((folded, leaf))
        for candidate, text in candidates:
            key = labels.get(candidate) or labels.get(_REMARK.sub("", candidate))
            if key:
                if key not in found:
                    found[key] = (col, text)
                break
    return found


def find_header(sheet: Sheet, labels: dict[str, str], minimum: int = 2) -> Header | None:
    """The header among the first 20 rows: the one to three rows naming most fields, at least `minimum`
    of them. `labels` maps folded header texts (or `group > text`) to field keys."""
    best, best_score = None, 0
    texts = [[_cell_text(v) for v in row[:HEADER_SEARCH_COLUMNS]] for row in sheet.rows[:HEADER_SEARCH_ROWS]]
    for bottom in range(len(texts)):
        # A taller reading must add something to the shorter ones to be taken.
        for top in range(bottom, max(bottom - 3, -1), -1):
            found = _match(texts[top : bottom + 1], labels)
            if len(found) > best_score:
                best, best_score = (found, top, bottom), len(found)
    if best is None or best_score < minimum:
        return None
    found, top, bottom = best
    return Header(
        columns={key: col for key, (col, _text) in found.items()},
        texts={key: text for key, (_col, text) in found.items()},
        first_row=sheet.first_row + top,
        last_row=sheet.first_row + bottom,
    )


_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,3})\)?$")


def is_numbering_row(cells) -> bool:
    """The row of column numbers that official forms put under the header: (1) (2) (3) ..., or A B 1 2 3,
    at least three, the numbers counting up by one."""
    numbers, marks = [], 0
    for value in cells:
        if value is None or value == "":
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if not text:
            continue
        m = _COLUMN_NUMBER.match(text)
        if m:
            numbers.append(int(m[1]))
        elif len(text) == 1 and text.isalpha() and text.isupper():
            marks += 1
        else:
            return False
    return len(numbers) + marks >= 3 and all(b == a + 1 for a, b in zip(numbers, numbers[1:]))


def data_rows(sheet: Sheet, header: Header):
    """(spreadsheet row number, cells) for each row below the header that is neither blank nor a totals
    row (nor, right under the header, the form's row of column numbers)."""
    start = header.last_row - sheet.first_row + 1
    if sheet.merges:
        _spread_merged_values(sheet.rows, sheet.merges, sheet.first_row - 1, from_row=header.last_row)
    if start < len(sheet.rows) and is_numbering_row(sheet.rows[start]):
        start += 1
    number = header.last_row + (start - (header.last_row - sheet.first_row + 1))
    # The first cell of most rows is a code that repeats; folding it once per distinct text keeps this
    # loop cheap on 100,000-row files.
    totals = {}
    for cells in sheet.rows[start:]:
        number += 1
        for value in cells:
            if value.__class__ is str:
                if not value or value.isspace():
                    continue
                is_totals = totals.get(value)
                if is_totals is None:
                    is_totals = totals[value] = fold(value) in TOTALS_WORDS
                if not is_totals:
                    yield number, cells
                break
            if value is not None:
                yield number, cells
                break
