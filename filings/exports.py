"""Export of monthly figures to .xlsx, in the import's own layout (same headers), so that an exported file
can be corrected and imported back: the figures per procedure on the first sheet (kind `filings`), the
figures per field on the second (kind `field_filings`). Rows are listed as stored, never summed (sums are
reports' job)."""

from django.utils.translation import gettext as _

from core import xlsx

from .importers import COUNT_LABELS
from .models import COUNT_FIELDS, FieldFiling, MonthlyFiling

_COUNTS = tuple(xlsx.Col(COUNT_LABELS[name][0], xlsx.COUNT, 14) for name in COUNT_FIELDS)


def filings_workbook(units, period, *, title=""):
    """The monthly figures of `units` (a queryset the caller has limited to the user's scope) in `period`:
    per procedure, then per field."""
    rows = (
        MonthlyFiling.objects.filter(period.filter_q(), unit__in=units)
        .order_by("unit__path", "procedure__code", "year", "month")
        .values_list("unit__code", "unit__name", "procedure__code", "year", "month", *COUNT_FIELDS)
        .iterator(chunk_size=5000)
    )
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Monthly figures"),
        titles=[title or _("Monthly figures (report form 06)"), _("Period: %(period)s") % {"period": period}],
        columns=[
            xlsx.Col("Mã đơn vị", xlsx.TEXT),
            xlsx.Col("Tên đơn vị", xlsx.TEXT, 32),
            xlsx.Col("Mã TTHC", xlsx.TEXT),
            xlsx.Col("Kỳ báo cáo", xlsx.TEXT, 11),
            *_COUNTS,
        ],
        rows=(
            (unit, name, procedure, f"{month:02d}/{year}", *counts)
            for unit, name, procedure, year, month, *counts in rows
        ),
    )
    field_rows = (
        FieldFiling.objects.filter(period.filter_q(), unit__in=units)
        .order_by("unit__path", "field__code", "year", "month")
        .values_list("unit__code", "unit__name", "field__code", "field__name", "year", "month", *COUNT_FIELDS)
        .iterator(chunk_size=5000)
    )
    xlsx.add_table(
        workbook,
        sheet_title=_("By field"),
        titles=[
            _("Monthly figures per field (report form 06)"),
            _("Period: %(period)s") % {"period": period},
        ],
        columns=[
            xlsx.Col("Mã đơn vị", xlsx.TEXT),
            xlsx.Col("Tên đơn vị", xlsx.TEXT, 32),
            # The field's code: what the import matches first (names need not be unique).
            xlsx.Col("Lĩnh vực", xlsx.TEXT, 14),
            xlsx.Col("Tên lĩnh vực", xlsx.TEXT, 28),
            xlsx.Col("Kỳ báo cáo", xlsx.TEXT, 11),
            *_COUNTS,
        ],
        rows=(
            (unit, name, field, field_name, f"{month:02d}/{year}", *counts)
            for unit, name, field, field_name, year, month, *counts in field_rows
        ),
    )
    return workbook
