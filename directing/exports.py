"""Exports of directing to formatted .xlsx (core.xlsx): a directive's status table, the overdue
assignments, the outreach activities of a subtree, an inspection (plan, findings, recommendations) and the
values of the periodic indicators.

The builders (`*_workbook`) only format what they are given: the views (directing.views.exports) check
scope and choose the rows, through the selectors or the row readers below. The activities sheet and the
indicator values are written in their import's layout (the same Vietnamese headers), so that an exported
file can be corrected and imported back (`import_data activities`, `import_data indicator_values`); so are
the first columns of the sheets of assignments (`import_data task_assignments`). Those sheets have no note
under the table, which the import would read as a row."""

import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q
from django.utils.translation import gettext as _

from core import xlsx
from core.periods import Period
from core.rates import round_half_up

from .models import (
    Activity,
    ActivityKind,
    FindingResult,
    IndicatorValue,
    Periodicity,
    TaskReport,
    TaskStatus,
)

# How the activities import (directing.importers, KIND_WORDS) reads each kind: the export writes these
# words, whatever the language of the page, so that the sheet imports back.
ACTIVITY_KIND_WORDS = {
    ActivityKind.CONFERENCE: "hội nghị",
    ActivityKind.TRAINING: "tập huấn",
    ActivityKind.BROADCAST: "phát thanh",
    ActivityKind.PANEL: "pano/khẩu hiệu",
    ActivityKind.GUIDE_TEAM: "tổ hướng dẫn",
    ActivityKind.OTHER: "khác",
}


# The first columns of the sheets of assignments, under the headers of the task assignments import
# (directing.importers): a directive's or the overdue sheet imports back as `task_assignments`.
ASSIGNMENT_IMPORT_COLUMNS = (
    xlsx.Col("Số văn bản", xlsx.TEXT, 18),
    xlsx.Col("Nhiệm vụ", xlsx.TEXT, 48),
    xlsx.Col("Hạn", xlsx.DATE, 12),
    xlsx.Col("Mã đơn vị", xlsx.TEXT),
    xlsx.Col("Tên đơn vị", xlsx.TEXT, 30),
)


def _day(value):
    return f"{value:%d/%m/%Y}" if value else ""


def _unit_line(unit, period=None):
    text = f"{unit.code} – {unit.name}" if unit is not None else _("All the units of your scope")
    return f"{text} · {period}" if period is not None else text


# --- reports of assignments ---------------------------------------------------------------------------


def report_states(rows) -> dict[int, TaskReport]:
    """{assignment id: its latest returned report} of the rows (directing.selectors.directives.AssignmentRow)
    that no report counts for: the unit was told to report again. One query (none without such rows)."""
    waiting = [row.assignment.pk for row in rows if row.report is None]
    if not waiting:
        return {}
    returned = {}
    for report in TaskReport.objects.filter(assignment__in=waiting, returned_at__isnull=False).order_by(
        "assignment_id", "id"
    ):
        returned[report.assignment_id] = report  # the latest wins
    return returned


def _report_state(report):
    if report is None:
        return ""
    return {
        "pending": _("Waiting for confirmation"),
        "confirmed": _("Confirmed"),
        "returned": _("Returned"),
    }[report.state]


def _report_cells(row, returned):
    """The state of the report of one assignment row (the one that counts, else the latest returned) and
    the reason it was returned."""
    report = row.report or returned.get(row.assignment.pk)
    return [_report_state(report), report.return_reason if report and report.state == "returned" else ""]


def _assignment_cells(row, returned, *, weeks=False):
    """Status, with `weeks` the weeks met (a recurring task), day done, report state, note and reason for
    returning of one assignment row."""
    report = row.report or returned.get(row.assignment.pk)
    state, reason = _report_cells(row, returned)
    met = [f"{row.weeks.met}/{row.weeks.due} ({row.weeks.total})" if row.weeks else ""] if weeks else []
    return [str(TaskStatus(row.status).label), *met, row.done_on, state, report.note if report else "", reason]


def _assignment_columns(*, weeks=False):
    return [
        xlsx.Col(_("Status"), width=14),
        *([xlsx.Col(_("Weeks done / due (in all)"), width=14)] if weeks else []),
        xlsx.Col(_("Done on"), xlsx.DATE, 12),
        xlsx.Col(_("Report"), width=18),
        xlsx.Col(_("Note"), width=36),
        xlsx.Col(_("Reason for returning"), width=30),
    ]


def directive_workbook(directive, rows, *, today: datetime.date, returned=None):
    """One sheet: each task of `directive` by each assigned unit of `rows` (AssignmentRow, already limited
    to the user's scope), with its status on `today`, the day done and the report that counts (or the
    latest returned one, `returned`: report_states)."""
    returned = returned if returned is not None else {}
    rows = list(rows)
    weeks = any(row.weeks for row in rows)  # a recurring task: its weeks met
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Tasks"),
        titles=[
            f"{directive.number}: {directive.title}",
            _("Issued on %(date)s by %(unit)s")
            % {"date": _day(directive.issued), "unit": f"{directive.issuer.code} – {directive.issuer.name}"},
            _("Status on %(date)s") % {"date": _day(today)},
            _("Only the units of your scope are listed."),
        ],
        columns=[*ASSIGNMENT_IMPORT_COLUMNS, *_assignment_columns(weeks=weeks)],
        rows=(
            [
                directive.number,
                row.task.title,
                row.task.deadline,
                row.unit.code,
                row.unit.name,
                *_assignment_cells(row, returned, weeks=weeks),
            ]
            for row in rows
        ),
    )
    return workbook


def overdue_workbook(rows, *, today: datetime.date, unit=None, returned=None):
    """One sheet: the assignments of `rows` (AssignmentRow, not done by their deadline, in the user's
    scope), across directives, with the days since the deadline."""
    returned = returned if returned is not None else {}
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Overdue tasks"),
        titles=[
            _("Tasks not done by their deadline"),
            _unit_line(unit),
            _("Status on %(date)s") % {"date": _day(today)},
        ],
        columns=[
            *ASSIGNMENT_IMPORT_COLUMNS,
            xlsx.Col(_("Issued on"), xlsx.DATE, 12),
            xlsx.Col(_("Days overdue"), xlsx.COUNT, 10),
            xlsx.Col(_("Report"), width=18),
            xlsx.Col(_("Reason for returning"), width=30),
        ],
        rows=(
            [
                row.task.directive.number,
                row.task.title,
                row.task.deadline,
                row.unit.code,
                row.unit.name,
                row.task.directive.issued,
                (today - row.task.deadline).days,
                *_report_cells(row, returned),
            ]
            for row in rows
        ),
    )
    return workbook


# --- outreach activities ------------------------------------------------------------------------------


def activities_in(units, period: Period):
    """The activities of `units` (a queryset of units: a subtree, or a user's scope) in `period`, by day,
    unit and kind."""
    return (
        Activity.objects.filter(unit__in=units, date__gte=period.start.first_day, date__lte=period.end.last_day)
        .select_related("unit")
        .order_by("date", "unit__code", "kind")
    )


def activities_workbook(unit, period: Period, totals: dict, activities):
    """Two sheets: the totals by kind (directing.selectors.activities.activity_totals: {kind: (count,
    participants)}) and every activity of `activities`, in the activities import's layout (Ngày, Mã đơn
    vị, Hình thức, Số người tham dự, Ghi chú: it imports back unchanged). `unit` None: the user's whole
    scope."""
    workbook = xlsx.new_workbook()
    titles = [_("Outreach activities"), _unit_line(unit, period)]
    count = sum(c for c, _p in totals.values())
    participants = sum(p for _c, p in totals.values())
    xlsx.add_table(
        workbook,
        sheet_title=_("Totals"),
        titles=titles,
        columns=[
            xlsx.Col(_("Kind of activity"), width=24),
            xlsx.Col(_("Activities"), xlsx.COUNT, 12),
            xlsx.Col(_("Participants"), xlsx.COUNT, 14),
        ],
        rows=[
            *([str(ActivityKind(kind).label), c, p] for kind, (c, p) in totals.items()),
            [_("Total"), count, participants],
        ],
        note=_("Each unit's activities include those of the units below it; participants not counted count 0."),
    )
    xlsx.add_table(
        workbook,
        sheet_title=_("Activities"),
        titles=titles,
        columns=[
            xlsx.Col("Ngày", xlsx.DATE, 12),
            xlsx.Col("Mã đơn vị", xlsx.TEXT),
            xlsx.Col("Tên đơn vị", xlsx.TEXT, 30),
            xlsx.Col("Hình thức", xlsx.TEXT, 16),
            xlsx.Col("Số người tham dự", xlsx.COUNT, 12),
            xlsx.Col("Ghi chú", xlsx.TEXT, 40),
        ],
        rows=(
            [a.date, a.unit.code, a.unit.name, ACTIVITY_KIND_WORDS[a.kind], a.participants, a.note]
            for a in activities.iterator(chunk_size=2000)
        ),
    )
    return workbook


# --- inspections --------------------------------------------------------------------------------------


def inspection_workbook(inspection, *, visits, topics, findings, recommendations, today, returned=None):
    """Three sheets: the plan (team, days, the units visited), the findings (a row per visit of `visits`, a
    result and a note per topic of `topics`; `findings` {(visit id, topic id): Finding}) and the
    recommendations (AssignmentRow of the conclusion's tasks) with each unit's status on `today`. The
    caller limits `visits`, `findings` and `recommendations` to what the user may see."""
    returned = returned if returned is not None else {}
    head = f"{inspection.number}: {inspection.title}"
    plan_titles = [
        head,
        _("Inspecting unit: %(unit)s") % {"unit": f"{inspection.inspector.code} – {inspection.inspector.name}"},
        _("From %(start)s to %(end)s") % {"start": _day(inspection.start), "end": _day(inspection.end)},
    ]
    if inspection.report_due:
        plan_titles.append(_("Report due on %(date)s") % {"date": _day(inspection.report_due)})
    members = [line.strip() for line in (inspection.team or "").splitlines() if line.strip()]
    if members:
        plan_titles.append(_("Team: %(members)s") % {"members": "; ".join(members)})
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Plan"),
        titles=plan_titles,
        columns=[xlsx.Col(_("Unit code")), xlsx.Col(_("Unit"), width=30), xlsx.Col(_("Planned day"), xlsx.DATE, 12)],
        rows=([visit.unit.code, visit.unit.name, visit.date] for visit in visits),
    )
    topic_columns = []
    for topic in topics:
        topic_columns += [xlsx.Col(topic.title, width=18), xlsx.Col(f"{topic.title}: {_('note')}", width=30)]

    def finding_cells(visit):
        cells = []
        for topic in topics:
            finding = findings.get((visit.pk, topic.pk))
            cells += [str(FindingResult(finding.result).label), finding.note] if finding else ["", ""]
        return cells

    xlsx.add_table(
        workbook,
        sheet_title=_("Findings"),
        titles=[head, _("Findings by unit visited and topic")],
        columns=[
            xlsx.Col(_("Unit code")),
            xlsx.Col(_("Unit"), width=30),
            xlsx.Col(_("Day"), xlsx.DATE, 12),
            *topic_columns,
        ],
        rows=([visit.unit.code, visit.unit.name, visit.date, *finding_cells(visit)] for visit in visits),
    )
    conclusion = inspection.conclusion
    xlsx.add_table(
        workbook,
        sheet_title=_("Recommendations"),
        titles=[
            head,
            (
                _("Conclusion %(number)s of %(date)s") % {"number": conclusion.number, "date": _day(conclusion.issued)}
                if conclusion
                else _("No conclusion yet")
            ),
            _("Status on %(date)s") % {"date": _day(today)},
        ],
        columns=[
            xlsx.Col(_("Recommendation"), width=48),
            xlsx.Col(_("Deadline"), xlsx.DATE, 12),
            xlsx.Col(_("Unit code")),
            xlsx.Col(_("Unit"), width=30),
            *_assignment_columns(),
        ],
        rows=(
            [row.task.title, row.task.deadline, row.unit.code, row.unit.name, *_assignment_cells(row, returned)]
            for row in recommendations
        ),
    )
    return workbook


# --- periodic indicators ------------------------------------------------------------------------------


def period_text(periodicity: str, start: datetime.date) -> str:
    """A value's period as the indicator values import reads it: `2019`, `2019-Q3` or `2019-07`."""
    if periodicity == Periodicity.YEAR:
        return f"{start.year}"
    if periodicity == Periodicity.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def _months_before(month, count) -> datetime.date:
    """The first day of the month `count` months before `month` (a core.periods.Month)."""
    index = month.index - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def indicator_values_in(units, period: Period):
    """The indicator values of `units` (a queryset of units) whose period lies within `period`: a month of
    it, a quarter or a year wholly inside it. By indicator, unit and period."""
    first = period.start.first_day
    inside = (
        Q(indicator__periodicity=Periodicity.MONTH, period_start__lte=period.end.first_day)
        | Q(indicator__periodicity=Periodicity.QUARTER, period_start__lte=_months_before(period.end, 2))
        | Q(indicator__periodicity=Periodicity.YEAR, period_start__lte=_months_before(period.end, 11))
    )
    return (
        IndicatorValue.objects.filter(inside, unit__in=units, period_start__gte=first)
        .select_related("indicator", "unit")
        .order_by("indicator__position", "indicator__code", "unit__code", "period_start")
    )


def ratio(value, denominator) -> Decimal | None:
    """value / denominator as a percentage rounded half up to two decimals (core.rates); None without a
    denominator or with 0."""
    if value is None or not denominator:
        return None
    return round_half_up(Fraction(value) * 100 / Fraction(denominator))


def indicator_values_workbook(unit, period: Period, values):
    """One sheet: a row per indicator, unit and period of `values` (IndicatorValue), in the indicator
    values import's layout (Mã chỉ tiêu, Mã đơn vị, Kỳ, Giá trị, Mẫu số, Ghi chú), with the indicator's and
    the unit's names and the ratio of the value to its denominator. `unit` None: the user's whole scope."""
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Indicators"),
        titles=[
            _("Periodic indicators"),
            _unit_line(unit, period),
            _("Ratio: the value over its denominator, as a percentage rounded half up to two decimals."),
        ],
        columns=[
            xlsx.Col("Mã chỉ tiêu", xlsx.TEXT),
            xlsx.Col("Tên chỉ tiêu", xlsx.TEXT, 36),
            xlsx.Col("Đơn vị tính", xlsx.TEXT, 12),
            xlsx.Col("Mã đơn vị", xlsx.TEXT),
            xlsx.Col("Tên đơn vị", xlsx.TEXT, 30),
            xlsx.Col("Kỳ", xlsx.TEXT, 10),
            xlsx.Col("Giá trị", xlsx.DECIMAL, 14),
            xlsx.Col("Mẫu số", xlsx.DECIMAL, 14),
            xlsx.Col("Tỷ lệ (%)", xlsx.PERCENT, 10),
            xlsx.Col("Ghi chú", xlsx.TEXT, 36),
        ],
        rows=(
            [
                v.indicator.code,
                v.indicator.name,
                v.indicator.measure,
                v.unit.code,
                v.unit.name,
                period_text(v.indicator.periodicity, v.period_start),
                v.value,
                v.denominator,
                ratio(v.value, v.denominator),
                v.note,
            ]
            for v in values.iterator(chunk_size=2000)
        ),
    )
    return workbook
