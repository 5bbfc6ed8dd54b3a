"""Export of monthly figures to .xlsx, in the import's own layout (same headers), so that an exported file
can be corrected and imported back. Rows are listed as stored, never summed (sums are reports' job)."""

from django.utils.translation import gettext as _

from core import xlsx

from .importers import COUNT_LABELS
from .models import COUNT_FIELDS, MonthlyFiling


def filings_workbook(units, period, *, title=""):
    """The monthly figures of `units` (a queryset the caller has limited to the user's scope) in `period`."""
    rows = (
        MonthlyFiling.objects.filter(period.filter_q(), unit__in=units)
        .order_by("unit__path", "procedure__code", "year", "month")
        .values_list("unit__code", "unit__name", "procedure__code", "year", "month", *COUNT_FIELDS)
        .iterator(chunk_size=5000)
    )
    columns = [
        xlsx.Col("Mã đơn vị", xlsx.TEXT),
        xlsx.Col("Tên đơn vị", xlsx.TEXT, 32),
        xlsx.Col("Mã TTHC", xlsx.TEXT),
        xlsx.Col("Kỳ báo cáo", xlsx.TEXT, 11),
        *(xlsx.Col(COUNT_LABELS[name][0], xlsx.COUNT, 14) for name in COUNT_FIELDS),
    ]
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Monthly figures"),
        titles=[title or _("Monthly figures (report form 06)"), _("Period: %(period)s") % {"period": period}],
        columns=columns,
        rows=(
            (unit, name, procedure, f"{month:02d}/{year}", *counts)
            for unit, name, procedure, year, month, *counts in rows
        ),
    )
    return workbook
