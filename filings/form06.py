"""Report form 06 in its official layout (biểu số II.06a/VPCP/KSTT, Circular 01/2020/TT-VPCP), as an office
files it: one sheet with the form's title rows, its three-row header (group headings merged across the
headings below them), the row of column numbers, an optional group row ("I | Cấp xã"), one row per field
and a "Tổng cộng" row. The import of `field_filings` (filings.importers) reads it back.

Three uses: the blank file of the `field_filings` import (`form06_template`), one unit-month's figures in
it (`unit_month_workbook`: its figures per field, or its figures per procedure summed per field of the
procedure, a presentation of stored rows), and any caller with rows of its own (`form06_workbook`). The
form's headings are written in Vietnamese, as on the form."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core import xlsx
from core.periods import Month
from units.models import UnitKind

from .models import COUNT_FIELDS, FieldFiling, MonthlyFiling

FORM_NUMBER = "Biểu số II.06a/VPCP/KSTT"
FORM_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
FIELD_HEADING = "Lĩnh vực, công việc giải quyết theo cấp"
TOTALS_LABEL = "Tổng cộng"
UNCLASSIFIED = "Chưa phân lĩnh vực"  # procedures without a field, summed in one row
# The group row of a unit of each kind (the form groups its fields by the level that decides).
LEVEL_GROUPS = {UnitKind.COMMUNE: "Cấp xã", UnitKind.DISTRICT: "Cấp huyện", UnitKind.PROVINCE: "Cấp tỉnh"}

# The thirteen columns: TT, the field, then each figure of the form from the counts of a row (the desk
# and the post together, as the form counts them; "Tổng số" of receipts includes those carried over).
FIGURES = (
    ("carried_over", "received_online", "received_direct", "received_postal"),  # 3 Tiếp nhận: Tổng số
    ("received_online",),  # 4 Trực tuyến
    ("received_direct", "received_postal"),  # 5 Trực tiếp, dịch vụ bưu chính
    ("carried_over",),  # 6 Từ kỳ trước
    ("resolved_early", "resolved_on_time", "resolved_late"),  # 7 Đã giải quyết: Tổng số
    ("resolved_early",),  # 8 Trước hạn
    ("resolved_on_time",),  # 9 Đúng hạn
    ("resolved_late",),  # 10 Quá hạn
    ("pending_on_time", "pending_overdue"),  # 11 Đang giải quyết: Tổng số
    ("pending_on_time",),  # 12 Trong hạn
    ("pending_overdue",),  # 13 Quá hạn
)
COLUMNS = 2 + len(FIGURES)

# The header as on the form: (row, first column, last row, last column, text), rows and columns counted
# from the header's first row and from column A (1).
_HEADER = (
    (0, 1, 2, 1, "TT"),
    (0, 2, 2, 2, FIELD_HEADING),
    (0, 3, 0, 6, "Tiếp nhận"),
    (0, 7, 0, 10, "Số lượng hồ sơ đã giải quyết"),
    (0, 11, 0, 13, "Số lượng hồ sơ đang giải quyết"),
    (1, 3, 2, 3, "Tổng số"),
    (1, 4, 1, 5, "Trong đó"),
    (2, 4, 2, 4, "Trực tuyến"),
    (2, 5, 2, 5, "Trực tiếp, dịch vụ bưu chính"),
    (1, 6, 2, 6, "Từ kỳ trước"),
    (1, 7, 2, 7, "Tổng số"),
    (1, 8, 2, 8, "Trước hạn"),
    (1, 9, 2, 9, "Đúng hạn\n(bao gồm cả hồ sơ chờ bổ sung và trả lại/xin rút)"),
    (1, 10, 2, 10, "Quá hạn"),
    (1, 11, 2, 11, "Tổng số"),
    (1, 12, 2, 12, "Trong hạn\n(bao gồm cả hồ sơ chờ bổ sung và hồ sơ khác)"),
    (1, 13, 2, 13, "Quá hạn"),
)
_HEADER_ROW = 6  # the sheet's row of the header's first row, under five title rows
_WIDTHS = {1: 6, 2: 34, 9: 16, 12: 16}  # the other figures: _FIGURE_WIDTH
_FIGURE_WIDTH = 11
_BLANK = "……………………"  # a line to write on

# core.xlsx's style: bold headings on a light fill, thin grey borders, numbers as #,##0.
_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=13)
_ITALIC = Font(italic=True)
_NOTE_FONT = Font(italic=True, color="595959")
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADING = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CENTRED = Alignment(horizontal="center", vertical="center")
_ACROSS = Alignment(horizontal="centerContinuous")
_NAME = Alignment(wrap_text=True, vertical="center")
_NUMBER = xlsx.FORMATS[xlsx.COUNT]


@dataclass(frozen=True)
class Form06Row:
    """One row of the form: the field as the form names it, and its counts (filings.models.COUNT_FIELDS;
    a missing count is 0)."""

    name: str
    counts: Mapping[str, int]

    @property
    def figures(self) -> list[int]:
        """The form's columns 3 to 13."""
        return [sum(self.counts.get(name) or 0 for name in parts) for parts in FIGURES]


def field_heading(name: str) -> str:
    """A field's name as the form writes it: "Lĩnh vực Hộ tịch"."""
    name = " ".join(str(name).split())
    return name if name.casefold().startswith("lĩnh vực") else f"Lĩnh vực {name}"


def period_line(month: Month | None) -> str:
    """The period line, "Kỳ báo cáo: tháng 8/2024 (từ ngày 01/8/2024 đến ngày 31/8/2024)"; without a month, a
    line to write on."""
    if month is None:
        return f"Kỳ báo cáo: tháng {_BLANK}"
    first, last = month.first_day, month.last_day
    return (
        f"Kỳ báo cáo: tháng {month.month}/{month.year} "
        f"(từ ngày {first.day:02d}/{first.month}/{first.year} đến ngày {last.day:02d}/{last.month}/{last.year})"
    )


def form06_workbook(
    *,
    unit_name: str = "",
    recipient: str = "",
    month: Month | None = None,
    rows: Iterable[Form06Row] = (),
    group: str = "",
    note: str = "",
) -> Workbook:
    """Form 06 of `rows` (each a Form06Row, in the order given, numbered 1, 2, 3 ...) for one unit and one
    month, in the official layout. An empty unit, recipient or month leaves a line to write on; `group`
    adds the group row ("Cấp xã") above the fields; `note` goes below the table, in italics. Every figure,
    the "Tổng số" columns and the totals row too, is written as a number, never as a formula."""
    rows = list(rows)
    workbook = Workbook()
    ws = workbook.active
    ws.title = "II.06a"
    for col in range(1, COLUMNS + 1):
        ws.column_dimensions[get_column_letter(col)].width = _WIDTHS.get(col, _FIGURE_WIDTH)

    def put(row, col, value, *, font=None, alignment=None, border=False, number=False):
        cell = ws.cell(row=row, column=col, value=xlsx.escape_text(value))
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        if border:
            cell.border = _BORDER
        if number:
            cell.number_format = _NUMBER
        return cell

    def across(row, text, font):
        """Text centred over columns C to M, unmerged (the merges of the sheet are the header's only)."""
        put(row, 3, text, font=font, alignment=_ACROSS)
        for col in range(4, COLUMNS + 1):
            ws.cell(row=row, column=col).alignment = _ACROSS

    put(1, 1, FORM_NUMBER, font=_BOLD)
    across(1, FORM_TITLE, _TITLE_FONT)
    put(2, 1, f"Đơn vị báo cáo: {unit_name or _BLANK}", font=_BOLD)
    put(3, 1, f"Đơn vị nhận báo cáo: {recipient or _BLANK}", font=_BOLD)
    across(4, period_line(month), _ITALIC)
    put(5, 11, "Đơn vị tính: Số hồ sơ TTHC", font=_ITALIC)

    for top, left, bottom, right, text in _HEADER:
        first, last = _HEADER_ROW + top, _HEADER_ROW + bottom
        put(first, left, text)
        for row in range(first, last + 1):
            for col in range(left, right + 1):
                cell = ws.cell(row=row, column=col)
                cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEADER_FILL, _BORDER, _HEADING
        if (first, left) != (last, right):
            ws.merge_cells(start_row=first, start_column=left, end_row=last, end_column=right)
    ws.row_dimensions[_HEADER_ROW + 1].height = 48
    ws.row_dimensions[_HEADER_ROW + 2].height = 32

    row = _HEADER_ROW + 3
    for col in range(1, COLUMNS + 1):
        put(row, col, col, font=_ITALIC, alignment=_CENTRED, border=True)
    if group:
        row += 1
        put(row, 1, "I", font=_BOLD, alignment=_CENTRED, border=True)
        put(row, 2, group, font=_BOLD, border=True)
        for col in range(3, COLUMNS + 1):
            put(row, col, None, border=True)
    totals = [0] * len(FIGURES)
    for number, item in enumerate(rows, start=1):
        row += 1
        put(row, 1, str(number), alignment=_CENTRED, border=True)
        put(row, 2, item.name, alignment=_NAME, border=True)
        for col, value in enumerate(item.figures, start=3):
            put(row, col, value, border=True, number=True)
            totals[col - 3] += value
    row += 1
    put(row, 1, None, border=True)
    put(row, 2, TOTALS_LABEL, font=_BOLD, border=True)
    for col, value in enumerate(totals, start=3):
        put(row, col, value, font=_BOLD, border=True, number=True)
    if note:
        put(row + 2, 1, note, font=_NOTE_FONT)

    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook


# --- one unit-month -------------------------------------------------------------------------------


def unit_month_rows(unit, year: int, month: int) -> list[Form06Row]:
    """The unit-month's rows of form 06: its figures per field (fields ordered by code), or, for a
    unit-month reported per procedure, its figures summed per field of the procedure (procedures without a
    field last, as "Chưa phân lĩnh vực"). Two queries at most; none stored: no row."""
    stored = (
        FieldFiling.objects.filter(unit=unit, year=year, month=month)
        .order_by("field__code")
        .values_list("field__name", *COUNT_FIELDS)
    )
    rows = [Form06Row(field_heading(name), dict(zip(COUNT_FIELDS, counts))) for name, *counts in stored]
    if rows:
        return rows
    summed = (
        MonthlyFiling.objects.filter(unit=unit, year=year, month=month)
        .order_by()
        .values("procedure__field__code", "procedure__field__name")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
    )
    summed = sorted(summed, key=lambda s: (s["procedure__field__code"] is None, s["procedure__field__code"] or ""))
    return [
        Form06Row(
            field_heading(s["procedure__field__name"]) if s["procedure__field__code"] is not None else UNCLASSIFIED,
            {name: s[name] for name in COUNT_FIELDS},
        )
        for s in summed
    ]


def unit_month_workbook(unit, year: int, month: int) -> Workbook:
    """Form 06 of one unit-month: the unit reports to the unit above it; its fields are grouped under its
    level (a commune's under "Cấp xã")."""
    parent = unit.parent
    return form06_workbook(
        unit_name=unit.name,
        recipient=parent.name if parent is not None else "",
        month=Month(year, month),
        rows=unit_month_rows(unit, year, month),
        group=LEVEL_GROUPS.get(unit.kind, ""),
    )


# --- the import's blank file ----------------------------------------------------------------------

# Example fields of the blank file: figures of a ward's month.
_EXAMPLES = (
    ("Hộ tịch", (3, 48, 61, 0, 37, 72, 1, 2, 0)),
    ("Chứng thực", (0, 5, 212, 0, 72, 142, 1, 2, 0)),
    ("Đất đai", (4, 2, 7, 0, 4, 6, 1, 2, 0)),
)
_EXAMPLE_COUNTS = COUNT_FIELDS[:9]  # all but the postal returns, which the form does not show


def form06_template() -> Workbook:
    """The blank file of the `field_filings` import: form 06 with the unit to write in, last month, the group
    row and example fields to replace with the unit's own."""
    return form06_workbook(
        month=Month.of(timezone.localdate()).shift(-1),
        group=LEVEL_GROUPS[UnitKind.COMMUNE],
        rows=[Form06Row(field_heading(name), dict(zip(_EXAMPLE_COUNTS, counts))) for name, counts in _EXAMPLES],
        note=_(
            "Replace the example fields with the unit's own (a field's name or code) and the month in the period "
            "line; give the unit on the import page. The “Tổng số” columns are checked against their parts; the "
            "totals row is not read."
        ),
    )
