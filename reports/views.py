"""Exports of KPI tables and rankings to formatted .xlsx. The figures come from reports.selectors (the one
read path); these views only parse, check scope and format."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _

from dvc_portal import xlsx
from units.models import Unit

from .kpis import KPIS, UnknownKpi, get_kpi
from .periods import Period, PeriodError
from .selectors import kpis_for_units, ranking, units_active_in


def _period(request):
    text = request.GET.get("period", "").strip()
    if not text:
        raise ValueError(_("period: required (e.g. 2019-07, 2019-Q3, 2019)"))
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise ValueError(_("period: %(reason)s") % {"reason": exc}) from None


def _unit_in_scope(request, code):
    unit = Unit.objects.for_user(request.user).filter(code=code.strip()).first()
    if unit is None:
        raise Http404(_("No unit %(code)r in your scope.") % {"code": code})
    return unit


def _kpi_columns():
    columns = []
    for kpi in KPIS.values():
        columns.append(xlsx.Col(str(kpi.label), xlsx.PERCENT if kpi.is_rate else xlsx.COUNT, 16))
    return columns


@login_required
def kpi_table_export(request):
    """GET ?unit=CODE&period=PERIOD: every KPI of the unit and of each unit directly below it."""
    try:
        period = _period(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    code = request.GET.get("unit", "").strip()
    if code:
        unit = _unit_in_scope(request, code)
        units = [unit, *units_active_in(Unit.objects.filter(parent=unit), period).order_by("code")]
        name = unit.code
    else:
        units = list(Unit.objects.scope_roots_for(request.user).order_by("code"))
        name = "all"
    values = kpis_for_units(units, period)
    rows = [[u.code, u.name, *(values[u.pk][key].value for key in KPIS)] for u in units]
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("KPIs"),
        titles=[_("Online public service KPIs"), _("Period: %(period)s") % {"period": period}],
        columns=[xlsx.Col(_("Unit code")), xlsx.Col(_("Unit"), width=36), *_kpi_columns()],
        rows=rows,
        note=_(
            "Each unit's figures include the units below it. Rates are ratios of sums; an empty cell has no "
            "value (nothing to divide by)."
        ),
    )
    return xlsx.response(workbook, f"kpi_{name}_{period}.xlsx")


@login_required
def ranking_export(request):
    """GET ?parent=CODE&period=PERIOD&kpi=KEY: the parent's children (or the top of the user's scope)
    ranked by one KPI, with targets and gaps."""
    try:
        period = _period(request)
        kpi = get_kpi(request.GET.get("kpi", "").strip())
    except (ValueError, UnknownKpi) as exc:
        return HttpResponseBadRequest(str(exc))
    code = request.GET.get("parent", "").strip()
    if code:
        parent = _unit_in_scope(request, code)
        # Everything below a unit in the user's scope is in scope too.
        result = ranking(period, kpi.key, parent=parent)
        name = parent.code
    else:
        parent = None
        result = ranking(
            period, kpi.key, units=units_active_in(Unit.objects.scope_roots_for(request.user), period)
        )
        name = "top"
    value_kind = xlsx.PERCENT if kpi.is_rate else xlsx.COUNT
    rows = [
        [
            row.rank,
            row.unit.code,
            row.unit.name,
            row.kpi_value.numerator,
            row.kpi_value.denominator,
            row.kpi_value.value,
            row.kpi_value.target,
            row.kpi_value.gap,
            {True: _("yes"), False: _("no"), None: ""}[row.kpi_value.met],
        ]
        for row in result.rows
    ]
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Ranking"),
        titles=[
            _("Ranking: %(kpi)s") % {"kpi": kpi.label},
            (f"{parent.code} – {parent.name} · " if parent else "") + str(period),
        ],
        columns=[
            xlsx.Col(_("Rank"), xlsx.COUNT, 7),
            xlsx.Col(_("Unit code")),
            xlsx.Col(_("Unit"), width=36),
            xlsx.Col(_("Numerator"), xlsx.COUNT, 12),
            xlsx.Col(_("Denominator"), xlsx.COUNT, 12),
            xlsx.Col(_("Value"), value_kind, 12),
            xlsx.Col(_("Target"), value_kind, 10),
            xlsx.Col(_("Gap (points)"), xlsx.POINTS, 12),
            xlsx.Col(_("Met"), width=8),
        ],
        rows=rows,
    )
    return xlsx.response(workbook, f"ranking_{kpi.key}_{name}_{period}.xlsx")
