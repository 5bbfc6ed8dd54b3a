"""The .xlsx exports of directing (directing.exports builds the workbooks). Each holds only the units in
the user's scope (Unit.objects.for_user): a directive, inspection or unit outside it answers 404, a bad
parameter 400 with a message naming it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import xlsx
from core.periods import PeriodError, period_param
from units.models import Unit
from units.selectors import unit_in_scope_or_404

from .. import exports
from ..models import ActivityKind, Finding, TaskStatus
from ..selectors.activities import activity_totals
from ..selectors.directives import assignment_rows, assignments_for_user, directives_for_user
from ..selectors.inspections import inspections_for_user, visible_visits


def _filename(*parts):
    return "_".join(str(part).replace("/", "-") for part in parts) + ".xlsx"


def _unit_and_units(request):
    """The unit of `?unit=CODE` (404 outside the user's scope) and its subtree; without it None and the
    user's whole scope."""
    code = request.GET.get("unit", "").strip()
    if not code:
        return None, Unit.objects.for_user(request.user)
    unit = unit_in_scope_or_404(request.user, code)
    return unit, Unit.objects.subtree(unit)


def _period(request):
    try:
        return period_param(request.GET)
    except PeriodError as exc:
        raise ValueError(_("period: %(reason)s") % {"reason": exc}) from None


@login_required
def directive_export(request, pk):
    """GET /directing/<pk>/export.xlsx: the directive's page as a sheet, each task by each assigned unit in
    the user's scope with its status, the day done and the report."""
    directive = get_object_or_404(directives_for_user(request.user).select_related("issuer"), pk=pk)
    today = timezone.localdate()
    rows = assignment_rows(assignments_for_user(request.user).filter(task__directive=directive), today)
    workbook = exports.directive_workbook(directive, rows, today=today, returned=exports.report_states(rows))
    return xlsx.response(workbook, _filename("van_ban", directive.number))


@login_required
def overdue_export(request):
    """GET /directing/overdue.xlsx[?unit=CODE]: the overdue page's assignments (not done by their
    deadline) of the user's scope, or of the unit's subtree."""
    unit, units = _unit_and_units(request)
    today = timezone.localdate()
    assignments = assignments_for_user(request.user).filter(unit__in=units)
    rows = [row for row in assignment_rows(assignments, today) if row.status == TaskStatus.NOT_DONE]
    workbook = exports.overdue_workbook(rows, today=today, unit=unit, returned=exports.report_states(rows))
    return xlsx.response(workbook, _filename("nhiem_vu_qua_han", unit.code if unit else "all", today.isoformat()))


@login_required
def activities_export(request):
    """GET /directing/activities.xlsx?unit=CODE&period=PERIOD: the totals by kind of the unit's subtree
    (default: the user's scope) and every activity, in the import's layout."""
    try:
        period = _period(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    unit, units = _unit_and_units(request)
    if unit is not None:
        totals = activity_totals(unit, period)
    else:
        totals = {}
        # The tops of the scope do not overlap: their subtrees' totals add up.
        for root in Unit.objects.scope_roots_for(request.user):
            for kind, (count, participants) in activity_totals(root, period).items():
                before = totals.get(kind, (0, 0))
                totals[kind] = (before[0] + count, before[1] + participants)
        totals = {kind: totals[kind] for kind in ActivityKind.values if kind in totals}
    workbook = exports.activities_workbook(unit, period, totals, exports.activities_in(units, period))
    return xlsx.response(workbook, _filename("hoat_dong", unit.code if unit else "all", period))


@login_required
def inspection_export(request, pk):
    """GET /directing/inspections/<pk>/export.xlsx: the plan, findings and recommendations as the
    inspection's page shows them (directing.selectors.inspections): the users of the inspecting unit (and
    above it) get every unit visited; a visited unit's users their own units only; anyone else 404."""
    inspection = get_object_or_404(inspections_for_user(request.user).select_related("inspector", "conclusion"), pk=pk)
    visits = list(visible_visits(request.user, inspection))
    recommendations = assignments_for_user(request.user).filter(task__directive_id=inspection.conclusion_id)
    findings = {(finding.visit_id, finding.topic_id): finding for finding in Finding.objects.filter(visit__in=visits)}
    today = timezone.localdate()
    rows = assignment_rows(recommendations, today)
    workbook = exports.inspection_workbook(
        inspection,
        visits=visits,
        topics=list(inspection.topics.order_by("position", "id")),
        findings=findings,
        recommendations=rows,
        today=today,
        returned=exports.report_states(rows),
    )
    return xlsx.response(workbook, _filename("kiem_tra", inspection.number))


@login_required
def indicators_export(request):
    """GET /directing/indicators.xlsx?unit=CODE&period=PERIOD: the indicator values of the unit's subtree
    (default: the user's scope) whose period lies within PERIOD, in the import's layout."""
    try:
        period = _period(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    unit, units = _unit_and_units(request)
    workbook = exports.indicator_values_workbook(unit, period, exports.indicator_values_in(units, period))
    return xlsx.response(workbook, _filename("chi_tieu", unit.code if unit else "all", period))
