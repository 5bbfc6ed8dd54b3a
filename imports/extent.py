"""How far the cells of a spreadsheet's sheets reach, measured before a reader is let at the file.

calamine (and openpyxl) hold a sheet as one grid from its first cell with a value to its last, whatever
lies between. A few bytes can put that last cell very far: an .xlsx of 5 KB with a value at XFD1048576
asks for 17 billion cells (a 549 GB allocation, which aborts the whole process), an .ods row of values
repeated a million times (`table:number-rows-repeated`) for as many, an .xls cell record at row 65,535
and column 65,535 for 4 billion. So the extent is read first, from the file's own structure, without
building any grid: the cell references of an .xlsx's sheet XML, the rows and cells (with their repeats)
of an .ods's content.xml, the cell records of an .xls's sheets. Like calamine, only cells with a value
count; where the structure is unusual the measure errs on the side of more. imports.tabular refuses a
sheet whose grid would be larger than IMPORT_MAX_CELLS.

The usual .xlsx (Excel, LibreOffice, openpyxl: every cell written `<c r="B7" ...`) is measured by a few
regular-expression scans of its sheets; anything else (a namespace prefix, another attribute before the
reference, a cell without one, a reference given twice), or a bound over the limit, is measured exactly,
tag by tag, as calamine reads it.
"""

import io
import re
import struct
import zipfile
from dataclasses import dataclass

_HUGE = 10**18


class Unreadable(Exception):
    """The file's structure cannot be followed far enough to measure it."""


@dataclass(frozen=True)
class Extent:
    """A sheet's grid from A1 to the last row and column holding a value (1-based)."""

    sheet: str
    rows: int
    columns: int

    @property
    def cells(self):
        return self.rows * self.columns

    @property
    def corner(self):
        """The grid's last cell, as a spreadsheet names it (XFD1048576)."""
        return f"{column_letters(self.columns)}{self.rows}" if self.columns < 10**6 else f"R{self.rows}C{self.columns}"


def sheet_over(path, kind, limit):
    """The first sheet of the file whose grid has more than `limit` cells, or None. Raises Unreadable when
    the file's structure cannot be followed (the reader would not get further)."""
    measure = {".xlsx": _xlsx_extents, ".ods": _ods_extents, ".xls": _xls_extents}.get(kind)
    if measure is None:
        return None
    for extent in measure(path, limit):
        if extent.cells > limit:
            return extent
    return None


def column_letters(number):
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(digits):
    return int(digits) if len(digits) <= 18 else _HUGE


def _column_number(letters):
    if len(letters) > 12:
        return _HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


# --- .xlsx ----------------------------------------------------------------------------------------------

# A tag's attributes up to its end (a `>` in a quoted value is no end), read from where its name ends.
_TAG_END = re.compile(rb"""((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_LONGEST_TAG = 1 << 16
# The usual cell, as Excel, LibreOffice and openpyxl write it: its reference first, then only the usual
# attributes (never a second reference), no `<` or `>` in their values.
_USUAL = rb'[A-Za-z]{1,3}[1-9][0-9]{0,6}"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*'
# Any other cell: without a reference first (or at all), with other attributes, or a namespace prefix.
_UNUSUAL_CELL = re.compile(rb'<c(?:[\t\n\r>/]| (?!r="' + _USUAL + rb"/?>))")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_LAST_ROW = re.compile(rb'<c r="[A-Za-z]{1,3}([0-9]+)"')
# Cells with content (not `<c r="A1" s="1"/>`) whose row has at least so many digits.
_ROWS_OF = {
    digits: re.compile(rb'<c r="[A-Za-z]{1,3}([1-9][0-9]{%d,6})"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*>' % (digits - 1))
    for digits in range(1, 8)
}
_WIDE_CELL = re.compile(rb'<c r="([A-Za-z]{2,3})[1-9][0-9]{0,6}"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*>')
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])")
_R = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]*)")


def _xlsx_extents(path, limit):
    try:
        with zipfile.ZipFile(path) as archive:
            names = xlsx_sheet_names(archive)
            # Every member (each of a name written twice): calamine reads a sheet wherever the workbook's
            # relationships put it.
            for info in archive.infolist():
                member, data = info.filename, archive.read(info)
                if b"<" not in data:
                    continue
                try:
                    rows, columns = _xlsx_bound(data, limit)
                    if rows * columns > limit:
                        rows, columns = _xlsx_exact(data)
                except Unreadable as exc:
                    raise Unreadable(f"{member}: {exc}") from None
                yield Extent(names.get(member, member), rows, columns)
    except Exception as exc:  # noqa: BLE001 - zipfile and zlib raise many kinds on damaged archives
        raise Unreadable(str(exc) or type(exc).__name__) from None


def xlsx_sheet_names(archive):
    """{member: sheet name} as the workbook names its sheets; {} when it cannot say."""
    from defusedxml.ElementTree import fromstring

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    document = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    try:
        targets = {
            rel.get("Id"): rel.get("Target", "")
            for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter(f"{{{relationships}}}Relationship")
        }
        names = {}
        for sheet in fromstring(archive.read("xl/workbook.xml")).iter(f"{{{main}}}sheet"):
            target = targets.get(sheet.get(f"{{{document}}}id"), "")
            names[target.lstrip("/") if target.startswith("/") else f"xl/{target}"] = sheet.get("name", "")
        return names
    except Exception:  # noqa: BLE001 - only for messages; the reader says what is wrong with the file
        return {}


def _xlsx_bound(data, limit):
    """(rows, columns) at least as far as the cells with content of a sheet's XML reach. The usual file is
    measured by a few scans: the largest of the longest row numbers; the largest of the longest column
    letters; for a sheet within columns A to Z, whether any lies beyond as many columns as the limit
    leaves for its rows. Any other is measured exactly."""
    if _UNUSUAL_CELL.search(data) or _PREFIXED_CELL.search(data):
        return _xlsx_exact(data)
    # The rows with as many digits as the last cell's, or more (rows come in order: a few), and the
    # largest of them; else, from the longest numbers down.
    last = _LAST_ROW.search(data, max(data.rfind(b'<c r="'), 0))
    for digits in range(min(len(last[1]), 7) if last else 7, 0, -1):
        if found := _ROWS_OF[digits].findall(data):
            rows = max(map(int, found))
            break
    else:
        return 0, 0
    wide = set(_WIDE_CELL.findall(data))
    if wide:
        return rows, max(map(_column_number, wide))
    allowed = limit // rows
    if allowed >= 26:
        return rows, 26
    first = chr(ord("A") + allowed)  # the first column beyond
    beyond = re.compile(
        rb'<c r="([%s-Z%s-z])[1-9][0-9]{0,6}"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*>'
        % (first.encode(), first.lower().encode())
    )
    found = set(beyond.findall(data))
    return rows, max(map(_column_number, found)) if found else allowed


def _tags(data, names, member):
    """(match of `names`, attributes) of each tag that `names` finds, in order, read as an XML parser reads
    them: a tag's name inside another's quoted value is no tag. Each tag is read once, from its own start
    (so a file of unfinished tags costs no more than its length); one without an end within 64 KB makes
    the file unreadable (a sound file has no such tag; calamine's parser would read on)."""
    end = 0
    for match in names.finditer(data):
        if match.start() < end:
            continue
        tag = _TAG_END.match(data, match.end(), match.end() + _LONGEST_TAG)
        if tag is None:
            where = f"{member}: " if member else ""
            raise Unreadable(f"{where}the tag at byte {match.start():,} does not end within {_LONGEST_TAG:,} bytes")
        end = tag.end()
        yield match, tag[1]


def _xlsx_exact(data):
    """(rows, columns) reached by the cells with content of a sheet's XML, as calamine places them: a
    cell's reference, else the next column of its row (the row's `r`, else the one after the last)."""
    row = column = last_row = last_column = 0
    for match, attributes in _tags(data, _TAG, ""):
        name = match[1]
        references = [double or single for double, single in _R.findall(attributes)]
        if name == b"row":
            digits = [r for r in references if r.isdigit()]
            row = max(map(_number, digits)) if digits else row + 1
            column = 0
            continue
        cell_row, column = row, column + 1
        for reference in references:
            parts = _REFERENCE.fullmatch(reference)
            letters, digits = parts.groups() if parts else (b"", b"")
            if digits:
                cell_row = max(cell_row, _number(digits))
            if letters:
                column = max(column, _column_number(letters))
        if not attributes.endswith(b"/"):
            last_row, last_column = max(last_row, cell_row), max(last_column, column)
    return last_row, last_column


# --- .ods -----------------------------------------------------------------------------------------------

_ODS_TAG = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])")
_ROWS_REPEATED = re.compile(rb"""\stable:number-rows-repeated\s*=\s*["']\s*(\d+)""")
_COLUMNS_REPEATED = re.compile(rb"""\stable:number-columns-repeated\s*=\s*["']\s*(\d+)""")
_VALUE_TYPE = re.compile(rb"\soffice:value-type\s*=")
_NAME = re.compile(rb"""\stable:name\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _repeat(pattern, attributes):
    return max([1, *map(_number, pattern.findall(attributes))])


# The usual content.xml (LibreOffice's, Excel's): attribute values in double quotes without `<` or `>`, no
# row written `<table:table-row/>`, tables one after the other. Its tags end at the first `>`, and each
# row is measured by counting, up to its last cell with a value.
_ODS_UNUSUAL = [re.compile(rb'=\s*"[^"<>]*[<>]'), re.compile(rb"=\s*'"), re.compile(rb"<table:table-row\b[^>]*/>")]
_ODS_TABLE_START = re.compile(rb"<table:table[\s>]")
_ODS_TABLE_END = b"</table:table>"
_ODS_ROW_START, _ODS_ROW_END = b"<table:table-row", b"</table:table-row>"


def _ods_usual_extents(data):
    """[Extent] of each table of a usual content.xml; None for any other (measured tag by tag)."""
    if any(pattern.search(data) for pattern in _ODS_UNUSUAL):
        return None
    starts = [match.start() for match in _ODS_TABLE_START.finditer(data)]
    ends = [match.start() for match in re.finditer(re.escape(_ODS_TABLE_END), data)]
    bounds = [*starts, len(data)]
    if len(starts) != len(ends) or any(not bounds[i] < ends[i] < bounds[i + 1] for i in range(len(ends))):
        return None  # tables within tables, or out of place
    extents = []
    for start, end in zip(starts, ends):
        found = _NAME.search(data, start, data.find(b">", start))
        sheet = (found[1] or b"").decode(errors="replace") if found else ""
        row = last_row = last_column = 0
        for piece in data[start:end].split(_ODS_ROW_END)[:-1]:
            at = piece.rfind(_ODS_ROW_START)
            if at == -1:
                continue
            tag_end = piece.find(b">", at)
            attributes, cells = piece[at + len(_ODS_ROW_START) : tag_end], piece[tag_end + 1 :]
            repeated = _repeat(_ROWS_REPEATED, attributes)
            value = cells.rfind(b"office:value-type")
            if value != -1:
                before = cells[: cells.find(b">", value)]
                column = before.count(b"<table:table-cell") + before.count(b"<table:covered-table-cell")
                column += sum(_number(n) - 1 for n in _COLUMNS_REPEATED.findall(before) if _number(n))
                last_row, last_column = max(last_row, row + repeated), max(last_column, column)
            row += repeated
        extents.append(Extent(sheet, last_row, last_column))
    return extents


def _ods_extents(path, limit):
    """Each table's rows and columns reached by a cell with a value (`office:value-type`), counting the
    repeated rows and cells before it, empty or not; calamine reads `table:`-prefixed names only. Tables
    within tables, and tags out of place, only ever make the measure larger."""
    try:
        with zipfile.ZipFile(path) as archive:
            contents = [archive.read(info) for info in archive.infolist() if info.filename == "content.xml"]
    except Exception as exc:  # noqa: BLE001 - zipfile and zlib raise many kinds on damaged archives
        raise Unreadable(str(exc) or type(exc).__name__) from None
    if not contents:
        raise Unreadable("there is no content.xml")
    for data in contents:  # each, when a crafted archive holds two
        yield from _ods_content_extents(data)


def _ods_content_extents(data):
    usual = _ods_usual_extents(data)
    if usual is not None:
        yield from usual
        return
    depth = row = column = last_row = last_column = 0
    repeats = []  # rows repeated, of each row open
    sheet, pending = "", False
    for match, attributes in _tags(data, _ODS_TAG, "content.xml"):
        closing, name = match[1], match[2]
        empty = attributes.endswith(b"/")
        if name == b"table":
            if closing:
                depth = max(depth - 1, 0)
                if depth == 0 and pending:
                    yield Extent(sheet, last_row, last_column)
                    pending = False
            elif not empty:
                if depth == 0:
                    row = column = last_row = last_column = 0
                    found = _NAME.search(attributes)
                    sheet = (found[1] if found[1] is not None else found[2]).decode(errors="replace") if found else ""
                    pending = True
                depth += 1
        elif name == b"table-row":
            if closing:
                row += repeats.pop() if repeats else 1
            elif empty:
                row += _repeat(_ROWS_REPEATED, attributes)
            else:
                repeats.append(_repeat(_ROWS_REPEATED, attributes))
                column = 0
        elif not closing:
            repeated = _repeat(_COLUMNS_REPEATED, attributes)
            if _VALUE_TYPE.search(attributes):
                last_row = max(last_row, row + max(repeats, default=1))
                last_column = max(last_column, column + repeated)
            column += repeated
    if pending:
        yield Extent(sheet, last_row, last_column)


# --- .xls -----------------------------------------------------------------------------------------------

# BIFF records of cells with a value (calamine skips BLANK and MULBLANK): NUMBER, LABELSST, LABEL, RK,
# BOOLERR, FORMULA, RSTRING, and those of BIFF2 to BIFF4; MULRK (several RK cells) apart.
_XLS_CELLS = {0x0203, 0x00FD, 0x0204, 0x027E, 0x0205, 0x0006, 0x0206, 0x0406, 0x00D6, 0x0002, 0x0003, 0x0004}
_MULRK, _BOUNDSHEET, _EOF = 0x00BD, 0x0085, 0x000A
_RECORD = struct.Struct("<HH")
_CELL = struct.Struct("<HH")


def _xls_extents(path, limit):
    """Each sheet's rows and columns reached by a cell record with a value, from its BOF record (where the
    workbook's BOUNDSHEET record puts it, as calamine reads it) to its EOF."""
    from xlrd import compdoc

    try:
        with open(path, "rb") as handle:
            document = compdoc.CompDoc(handle.read(), logfile=io.StringIO(), ignore_workbook_corruption=True)
        for stream_name in ("Workbook", "Book"):
            stream = document.get_named_stream(stream_name)
            if stream:
                break
        else:
            raise Unreadable("no workbook stream in the compound document")
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - xlrd raises many kinds on damaged files
        raise Unreadable(str(exc) or type(exc).__name__) from None
    sheets = []
    for record, body in _records(stream, 0):
        if record == _BOUNDSHEET and len(body) >= 8:
            (position,) = struct.unpack_from("<I", body)
            sheets.append((position, _boundsheet_name(body)))
        elif record == _EOF:
            break
    budget = 2 * len(stream) + (1 << 20)  # sheets are substreams one after another: read about once
    for position, sheet in sheets:
        last_row = last_column = 0
        for record, body in _records(stream, position):
            budget -= 4 + len(body)
            if budget < 0:
                raise Unreadable("its sheets overlap")
            if record == _EOF:
                break
            if (record in _XLS_CELLS and len(body) >= 4) or (record == _MULRK and len(body) >= 6):
                row, column = _CELL.unpack_from(body)
                if record == _MULRK:
                    column = max(column, struct.unpack_from("<H", body, len(body) - 2)[0])
                last_row, last_column = max(last_row, row + 1), max(last_column, column + 1)
        yield Extent(sheet, last_row, last_column)


def _records(stream, position):
    """(record type, body) from `position` to the end of the stream."""
    size = len(stream)
    while position + 4 <= size:
        record, length = _RECORD.unpack_from(stream, position)
        yield record, stream[position + 4 : position + 4 + length]
        position += 4 + length


def _boundsheet_name(body):
    """A BOUNDSHEET's sheet name (BIFF8: a short string, one byte per character or UTF-16)."""
    length = body[6]
    if len(body) > 7 and body[7] & 1:
        return body[8 : 8 + 2 * length].decode("utf-16-le", errors="replace")
    return body[8 : 8 + length].decode("latin-1")
