"""Writers for the files the import tests read: .xlsx (openpyxl), .ods (a minimal OpenDocument writer, since
no maintained library writes it) and .csv. Each takes rows as lists of cell values, top-left at A1."""

import csv
import datetime
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl


def write_xlsx(path, rows, *, merges=(), formats=None, sheet_title="Sheet1", before=()):
    """`merges`: ranges like "A1:F1"; `formats`: {"D7": "0.0%"}; `before`: sheets (title, rows) placed first."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, other_rows in before:
        ws = wb.create_sheet(title)
        for row in other_rows:
            ws.append(row)
    ws = wb.create_sheet(sheet_title)
    for row in rows:
        ws.append(row)
    for cell_range in merges:
        ws.merge_cells(cell_range)
    for coordinate, number_format in (formats or {}).items():
        ws[coordinate].number_format = number_format
    wb.save(path)
    return path


def _ods_cell(value, percent=False, span=None):
    attrs = f' table:number-columns-spanned="{span[0]}" table:number-rows-spanned="{span[1]}"' if span else ""
    if value is None or value == "":
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, bool):
        raise TypeError("no booleans in test files")
    if isinstance(value, (int, float)):
        kind = "percentage" if percent else "float"
        style = ' table:style-name="pct"' if percent else ""
        return (
            f'<table:table-cell{attrs}{style} office:value-type="{kind}" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, datetime.date):
        return (
            f'<table:table-cell{attrs} office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'
    )


def write_ods(path, rows, *, merges=(), percent=()):
    """`merges`: (row, col, n_cols, n_rows) zero-based; covered cells must be None in `rows`.
    `percent`: (row, col) zero-based cells holding a fraction shown as a percentage."""
    spans = {(r, c): (nc, nr) for r, c, nc, nr in merges}
    covered = {(r + i, c + j) for r, c, nc, nr in merges for i in range(nr) for j in range(nc)} - set(spans)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                cells.append("<table:covered-table-cell/>")
            else:
                cells.append(_ods_cell(value, (r, c) in percent, spans.get((r, c))))
        body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" office:version="1.2">'
        "<office:automatic-styles>"
        '<number:percentage-style style:name="N10"><number:number number:decimal-places="1" '
        'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>'
        '<style:style style:name="pct" style:family="table-cell" style:data-style-name="N10"/>'
        "</office:automatic-styles>"
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        + "".join(body)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_csv(path, rows, *, delimiter=",", bom=False):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        ["" if v is None else v for v in row] for row in rows
    )
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path
