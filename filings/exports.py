"""Export of monthly figures to .xlsx, in the import's own layout (same headers), so that an exported file
can be corrected and imported back: the figures per procedure on the first sheet (kind `filings`), the
figures per field on the second (kind `field_filings`). Rows are listed as stored, never summed (sums are
reports' job).

The Decision 766 counts follow form 06's, under the import's labels. A sheet has the columns of those that
some of its rows report: without the column an import leaves the stored count alone (not reported stays
not reported), but an empty cell of a present column is read as 0 (docs/import.md), so a sheet whose
column mixes reported and not reported counts says so in a title line."""

from django.db.models import Count
from django.utils.translation import gettext as _

from core import xlsx

from .importers import COUNT_LABELS, SCORE_LABELS
from .models import COUNT_FIELDS, SCORE_FIELDS, FieldFiling, MonthlyFiling

_COUNTS = tuple(xlsx.Col(COUNT_LABELS[name][0], xlsx.COUNT, 14) for name in COUNT_FIELDS)


def _score_columns(figures, titles):
    """The Decision 766 counts that some of `figures` report (one query), and `titles` with the warning
    of a column that mixes reported and not reported counts."""
    known = figures.order_by().aggregate(rows=Count("pk"), **{name: Count(name) for name in SCORE_FIELDS})
    names = [name for name in SCORE_FIELDS if known[name]]
    if any(known[name] < known["rows"] for name in names):
        titles = [
            *titles,
            _(
                "Empty cells of the Decision 766 columns are counts not reported: imported back, they would "
                "become 0. Fill them in, or delete those columns, first."
            ),
        ]
    return names, tuple(xlsx.Col(SCORE_LABELS[name][0], xlsx.COUNT, 14) for name in names), titles


def filings_workbook(units, period, *, title=""):
    """The monthly figures of `units` (a queryset the caller has limited to the user's scope) in `period`:
    per procedure, then per field."""
    figures = MonthlyFiling.objects.filter(period.filter_q(), unit__in=units)
    scores, score_columns, titles = _score_columns(
        figures, [title or _("Monthly figures (report form 06)"), _("Period: %(period)s") % {"period": period}]
    )
    rows = (
        figures.order_by("unit__path", "procedure__code", "year", "month")
        .values_list("unit__code", "unit__name", "procedure__code", "year", "month", *COUNT_FIELDS, *scores)
        .iterator(chunk_size=5000)
    )
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Monthly figures"),
        titles=titles,
        columns=[
            xlsx.Col("Mã đơn vị", xlsx.TEXT),
            xlsx.Col("Tên đơn vị", xlsx.TEXT, 32),
            xlsx.Col("Mã TTHC", xlsx.TEXT),
            xlsx.Col("Kỳ báo cáo", xlsx.TEXT, 11),
            *_COUNTS,
            *score_columns,
        ],
        rows=(
            (unit, name, procedure, f"{month:02d}/{year}", *counts)
            for unit, name, procedure, year, month, *counts in rows
        ),
    )
    field_figures = FieldFiling.objects.filter(period.filter_q(), unit__in=units)
    scores, score_columns, titles = _score_columns(
        field_figures,
        [_("Monthly figures per field (report form 06)"), _("Period: %(period)s") % {"period": period}],
    )
    field_rows = (
        field_figures.order_by("unit__path", "field__code", "year", "month")
        .values_list("unit__code", "unit__name", "field__code", "field__name", "year", "month", *COUNT_FIELDS, *scores)
        .iterator(chunk_size=5000)
    )
    xlsx.add_table(
        workbook,
        sheet_title=_("By field"),
        titles=titles,
        columns=[
            xlsx.Col("Mã đơn vị", xlsx.TEXT),
            xlsx.Col("Tên đơn vị", xlsx.TEXT, 32),
            # The field's code: what the import matches first (names need not be unique).
            xlsx.Col("Lĩnh vực", xlsx.TEXT, 14),
            xlsx.Col("Tên lĩnh vực", xlsx.TEXT, 28),
            xlsx.Col("Kỳ báo cáo", xlsx.TEXT, 11),
            *_COUNTS,
            *score_columns,
        ],
        rows=(
            (unit, name, field, field_name, f"{month:02d}/{year}", *counts)
            for unit, name, field, field_name, year, month, *counts in field_rows
        ),
    )
    return workbook
