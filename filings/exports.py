"""Export of monthly figures to .xlsx, in the import's own layout (same headers), so that an exported file
can be corrected and imported back: the figures per procedure on the first sheet (kind `filings`), the
figures per field on the second (kind `field_filings`). Rows are listed as stored, never summed (sums are
reports' job).

The Decision 766 counts follow form 06's, under the import's labels. A sheet has the columns of those that
some of its rows report: without the column an import leaves the stored count alone (not reported stays
not reported), but an empty cell of a present column is read as 0 (docs/import.md), so a sheet whose
column mixes reported and not reported counts says so in a title line. `export_data` (`figures_table`
with `partly_reported="leave_out"`) leaves such columns out instead, so that its file imports back
unchanged.

Built for 100,000 rows (docs/performance.md, "Exports"): the rows are read from the database in chunks
(`.iterator()` over `values_list`) as the sheet is written (core.xlsx), never held whole. `write_filings`
writes the workbook to a path or a file without an HTTP request: what a background job calls (the imports
app's export jobs, for an export of more than EXPORT_INLINE_MAX_ROWS rows: `filings_export_rows`), with a
`progress` callback told how many rows have been written. `export_units` is the scope of both."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from core import xlsx
from units.models import Unit
from units.selectors import unit_in_scope_or_404

from .kinds import PER_FIELD, PER_PROCEDURE
from .labels import COUNT_LABELS, SCORE_LABELS
from .models import COUNT_FIELDS, SCORE_FIELDS

_COUNTS = tuple(xlsx.Col(COUNT_LABELS[name][0], xlsx.COUNT, 14) for name in COUNT_FIELDS)
# Rows fetched from the database at a time.
CHUNK = 5000
# How often (rows) the rows written are passed on to a `progress` callback.
PROGRESS_EVERY = 1000


@dataclass
class FiguresTable:
    """One sheet of figures: its columns and its rows (a generator over the database, read once)."""

    columns: list
    rows: object
    titles: list = field(default_factory=list)
    # The Decision 766 counts left out for being reported by some rows only (partly_reported="leave_out"),
    # as {key: number of rows that report it} out of `row_count`.
    left_out: dict = field(default_factory=dict)
    row_count: int = 0


def _score_columns(figures):
    """{Decision 766 count: rows that report it} for those that some of `figures` report, and the number
    of rows (one query)."""
    known = figures.order_by().aggregate(rows=Count("pk"), **{name: Count(name) for name in SCORE_FIELDS})
    return {name: known[name] for name in SCORE_FIELDS if known[name]}, known["rows"]


def figures_table(kind, units, period=None, *, partly_reported="warn"):
    """The figures of `kind` (filings.kinds.PER_PROCEDURE or PER_FIELD) of `units` (a queryset the caller
    has limited to the user's scope) in `period` (None: every month), in the import's layout: unit code and
    name, the procedure's code (or the field's code and name), the month as `07/2019`, the ten counts, and
    the Decision 766 counts that some rows report. Such a count reported by only some rows is a column
    with a warning among the titles (`partly_reported="warn"`: the page's export) or is left out
    (`"leave_out"`: export_data, whose file must import back unchanged)."""
    figures = kind.model.objects.filter(unit__in=units)
    if period is not None:
        figures = figures.filter(period.filter_q())
    reported, row_count = _score_columns(figures)
    table = FiguresTable(columns=[], rows=(), row_count=row_count)
    partly = [name for name, rows in reported.items() if rows < row_count]
    if partly and partly_reported == "leave_out":
        table.left_out = {name: reported[name] for name in partly}
        scores = [name for name in reported if name not in table.left_out]
    else:
        scores = list(reported)
        if partly:
            table.titles.append(
                _(
                    "Empty cells of the Decision 766 columns are counts not reported: imported back, they would "
                    "become 0. Fill them in, or delete those columns, first."
                )
            )
    score_columns = [xlsx.Col(SCORE_LABELS[name][0], xlsx.COUNT, 14) for name in scores]
    unit_columns = [xlsx.Col("Mã đơn vị", xlsx.TEXT), xlsx.Col("Tên đơn vị", xlsx.TEXT, 32)]
    month = xlsx.Col("Kỳ báo cáo", xlsx.TEXT, 11)
    if kind is PER_PROCEDURE:
        table.columns = [*unit_columns, xlsx.Col("Mã TTHC", xlsx.TEXT), month, *_COUNTS, *score_columns]
        items = ("procedure__code",)
    else:
        # The field's code first: what the import matches first (names need not be unique).
        table.columns = [
            *unit_columns,
            xlsx.Col("Lĩnh vực", xlsx.TEXT, 14),
            xlsx.Col("Tên lĩnh vực", xlsx.TEXT, 28),
            month,
            *_COUNTS,
            *score_columns,
        ]
        items = ("field__code", "field__name")
    rows = (
        figures.order_by("unit__path", items[0], "year", "month")
        .values_list("unit__code", "unit__name", *items, "year", "month", *COUNT_FIELDS, *scores)
        .iterator(chunk_size=CHUNK)
    )
    width = len(items)
    table.rows = ((*row[: 2 + width], f"{row[3 + width]:02d}/{row[2 + width]}", *row[4 + width :]) for row in rows)
    return table


def export_units(user, code=""):
    """The units of the figures' export: `user`'s scope, or the subtree of the unit `code` within it (404
    outside it), with that unit (None for the whole scope). The page's export and its background job."""
    units = Unit.objects.for_user(user)
    if not (code or "").strip():
        return units, None
    unit = unit_in_scope_or_404(user, code)
    return units.subtree(unit), unit


def filings_export_name(code, period):
    """The file's name: the unit's code (`all`: the whole scope) and the period."""
    return f"so_lieu_{code or 'all'}_{period}.xlsx"


def filings_export_rows(units, period):
    """How many rows `filings_workbook(units, period)` writes (both sheets): two counts."""
    return sum(
        kind.model.objects.filter(unit__in=units).filter(period.filter_q()).order_by().count()
        for kind in (PER_PROCEDURE, PER_FIELD)
    )


def _counted(rows, progress):
    """Pass the rows on, telling `progress(n)` every PROGRESS_EVERY rows and at the end how many more went."""
    done = 0
    for done, row in enumerate(rows, 1):  # noqa: B007 (counted for after the loop)
        if done % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        yield row
    if done % PROGRESS_EVERY:
        progress(done % PROGRESS_EVERY)


def filings_workbook(units, period, *, title="", progress=None):
    """The monthly figures of `units` (a queryset the caller has limited to the user's scope) in `period`:
    per procedure, then per field. `progress`, if given, is called with the number of rows written since
    its last call, as the sheets are written."""
    workbook = xlsx.new_workbook()
    period_line = _("Period: %(period)s") % {"period": period}
    for kind, sheet_title, heading in (
        (PER_PROCEDURE, _("Monthly figures"), title or _("Monthly figures (report form 06)")),
        (PER_FIELD, _("By field"), _("Monthly figures per field (report form 06)")),
    ):
        table = figures_table(kind, units, period)
        xlsx.add_table(
            workbook,
            sheet_title=sheet_title,
            titles=[heading, period_line, *table.titles],
            columns=table.columns,
            rows=table.rows if progress is None else _counted(table.rows, progress),
        )
    return workbook


def write_filings(destination, units, period, *, title="", progress=None):
    """Write the workbook of `filings_workbook` to `destination` (a path, or a binary file open for
    writing), outside any request: the page's export as a background job makes it."""
    xlsx.save(filings_workbook(units, period, title=title, progress=progress), destination)
