"""The leaders' pages: the ranking of a unit's children (or of the top units) by one KPI, with the chart
and the targets drawn in, and the page of one unit. Each view parses its parameters (reports.params),
checks the unit against the user's scope, calls the selectors and renders; a fixed number of queries
whatever the number of units."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import Month, Period
from procedures.models import Procedure
from units.models import Unit, UnitKind
from units.selectors import ancestors_in_scope, todays_successors, unit_in_scope_or_404

from .alerts import ALERTS_SHOWN, alerts_for
from .breakdowns import (
    department_breakdown,
    field_breakdown,
    procedure_breakdown,
    procedure_by_month,
    procedure_by_unit,
    push_online_next,
)
from .kpis import COMPUTED_KPIS, FAMILIES, KPIS, UnknownKpi, get_kpi, rankable_kpis
from .panels import panels_for
from .params import (
    approved_only_from,
    period_context,
    period_from,
    status_url,
    tree_from,
    tree_param,
    tree_switch,
    url,
    with_params,
)
from .projection import with_projections
from .reuse import common_path, page_fragments, root_path
from .selectors import Tree, kpis_for, kpis_for_units, most_targeted_kpi, ranked_units, ranking
from .series import monthly_kpis
from .status import APPROVED

MAIN_KPI = "online_rate"

# How a group of units of one kind is named ("All communes together").
KIND_PLURALS = {
    UnitKind.PROVINCE: gettext_lazy("provinces"),
    UnitKind.DISTRICT: gettext_lazy("districts"),
    UnitKind.COMMUNE: gettext_lazy("communes"),
    UnitKind.DEPARTMENT: gettext_lazy("departments"),
    UnitKind.CENTER: gettext_lazy("service centres"),
}


def _kpi_from(request):
    """The KPI of ?kpi=, else the main one (with a message naming a bad key)."""
    key = request.GET.get("kpi", "").strip()
    if not key:
        return KPIS[MAIN_KPI], None
    try:
        return get_kpi(key), None
    except UnknownKpi:
        pass
    message = _("The parameter “kpi” is not valid: “%(value)s”. Choose one of the list; showing %(kpi)s.") % {
        "value": key,
        "kpi": KPIS[MAIN_KPI].label,
    }
    return KPIS[MAIN_KPI], message


def _kpi_groups(kpis):
    """[(family label, [Kpi])] in the order of reports.kpis.FAMILIES: the ranking's list of indicators and
    the unit page's cards, form 06's first."""
    kpis = list(kpis)
    return [
        (label, members) for family, label in FAMILIES.items() if (members := [k for k in kpis if k.family == family])
    ]


def _number(value):
    return None if value is None else float(value)


def ranking_chart(result, unit_url):
    """The JSON of static/js/charts.js's ranking chart: a bar per unit in rank order, its target and
    status."""
    return {
        "title": str(result.kpi.label),
        "unit": "%" if result.kpi.is_rate else "points" if result.kpi.is_score else "count",
        "rows": [
            {
                "label": row.unit.name,
                "value": _number(row.kpi_value.value),
                "target": _number(row.kpi_value.target),
                "status": row.kpi_value.status,
                "url": unit_url(row.unit),
            }
            for row in result.rows
        ],
        "labels": {
            "value": str(result.kpi.label),
            "target": _("Target"),
            "met": _("Met"),
            "close": _("Close"),
            "missed": _("Not met"),
            "none": _("No target"),
        },
    }


def breadcrumb(request, unit, view, period, approved_only, *, unit_param=False, **params):
    """(label, link) from the top of the user's scope down to `unit`, each to `view` of that unit (its
    code in the path, or with `unit_param` in ?unit=); the unit itself last, without a link."""
    if unit is None:
        return []
    status = APPROVED if approved_only else None
    above = ancestors_in_scope(request.user, unit)
    if unit_param:
        links = [url(view, unit=u.code, period=period, status=status, **params) for u in above]
    else:
        links = [url(view, u.code, period=period, status=status, **params) for u in above]
    return [*zip([u.name for u in above], links), (unit.name, None)]


def _closed(unit, tree, period):
    """A unit with nothing to show, and what took over its units, for the pages to say so instead of
    showing empty figures: in today's tree a unit that no longer exists (it has no units below it); in the
    period's tree a unit not in force during the period (`in_period`: a district merged away in 2025,
    looked at in 2026). None otherwise."""
    if unit is None:
        return None
    today = timezone.localdate()
    if tree == Tree.TODAY:
        if unit.valid_to is None or unit.valid_to >= today:
            return None
    elif unit.exists_between(period.start.first_day, period.end.last_day):
        return None
    return {"unit": unit, "successors": todays_successors(unit, today), "in_period": tree != Tree.TODAY}


@login_required
def ranking_page(request):
    """GET ?unit=CODE&period=PERIOD&kpi=KEY&kind=KIND&status=approved: the unit's children (by default
    the top of the user's scope) ranked by one KPI, with their targets, the change of rank since the
    previous comparable period, the units of the kind taken together and the chart. The page is reused
    between requests while its figures stay the same (reports.reuse)."""
    period, period_text, period_error = period_from(request)
    approved_only, status_error = approved_only_from(request)
    kpi, kpi_error = _kpi_from(request)
    tree, tree_error = tree_from(request)
    errors = [e for e in (period_error, status_error, kpi_error, tree_error) if e]
    code = request.GET.get("unit", "").strip()
    roots = None
    if code:
        parent = unit_in_scope_or_404(request.user, code)
    else:
        roots = list(Unit.objects.scope_roots_for(request.user).order_by("code"))
        parent = roots[0] if len(roots) == 1 else None

    def build():
        return _ranking_context(request, period, period_text, approved_only, kpi, tree, errors, parent, roots)

    path = "" if tree == Tree.TODAY else parent.path if parent else common_path(roots)
    fragments = page_fragments(request, "ranking", path, build, reusable=kpi.key not in COMPUTED_KPIS)
    context = {"fragments": fragments}
    if fragments.entry is None:
        context.update(fragments.context)
    status = fragments.value("status", lambda context: 400 if context["errors"] else 200)
    return render(request, "reports/ranking.html", context, status=status)


def _ranking_context(request, period, period_text, approved_only, kpi, tree, errors, parent, roots):
    """The ranking page's context: the units ranked, the ranking and what the template shows of it."""
    errors = list(errors)
    # Today's tree ranks the units that exist today (merged communes' figures in their successors').
    candidates = ranked_units(
        period, parent=parent, roots=None if parent else Unit.objects.filter(pk__in=[u.pk for u in roots]), tree=tree
    )
    present = set(candidates.values_list("kind", flat=True).distinct())
    kinds = [kind for kind in UnitKind if kind in present]
    kind = request.GET.get("kind", "").strip() or None
    if kind is not None and kind not in kinds:
        errors.append(_("The parameter “kind” is not valid here: “%(value)s”; showing every unit.") % {"value": kind})
        kind = None
    units = list(candidates.filter(kind=kind) if kind else candidates)
    if not request.GET.get("kpi", "").strip():
        # Nobody asked for a KPI: the one the units were given targets for (Cẩm Phả's 2019 targets are
        # set on online_rate_eligible), else the main one.
        kpi = KPIS[most_targeted_kpi(units, period.end_year) or MAIN_KPI]
    # Only the ranked KPI is read (a computed one, the score, is ranked by its app).
    values = None
    if kpi.key in KPIS:
        values = with_projections(
            kpis_for_units(units, period, approved_only=approved_only, tree=tree, keys=(kpi.key,))
        )
    result = ranking(
        period,
        kpi.key,
        parent=parent,
        units=units,
        approved_only=approved_only,
        kind=kind,
        values=values,
        tree=tree,
        within=roots,
    )

    def unit_url(unit):
        return url(
            "reports:unit", unit.code, period=period, status=APPROVED if approved_only else None, tree=tree_param(tree)
        )

    status = APPROVED if approved_only else None
    return {
        "result": result,
        "parent": parent,
        "crumbs": breadcrumb(
            request,
            parent,
            "reports:ranking",
            period,
            approved_only,
            unit_param=True,
            kpi=kpi.key,
            tree=tree_param(tree),
        ),
        "kpi": kpi,
        "kpis": list(KPIS.values()),
        "kpi_groups": _kpi_groups(rankable_kpis()),
        **period_context(request, period, period_text),
        "kinds": [(k, KIND_PLURALS[k], with_params(request, kind=k.value), k == kind) for k in kinds],
        "all_kinds_url": with_params(request, kind=None),
        "kind": kind,
        "kind_label": KIND_PLURALS[kind] if kind else None,
        "approved_only": approved_only,
        "status_url": status_url(request, approved_only),
        "tree_today": tree == Tree.TODAY,
        "tree_switch": tree_switch(request, tree),
        "closed": _closed(parent, tree, period),
        "errors": errors,
        "rows": [(row, unit_url(row.unit)) for row in result.rows],
        "projected": any(row.kpi_value.projection is not None for row in result.rows),
        "chart": ranking_chart(result, unit_url),
        "export_url": url(
            "reports:export_ranking",
            parent=parent.code if parent else None,
            period=period,
            kpi=kpi.key,
            kind=kind,
            status=status,
            tree=tree_param(tree),
        ),
    }


# The rates whose monthly trend the unit page draws.
TREND_KPIS = ("online_rate", "online_rate_eligible", "on_time_rate")
PROCEDURE_ROWS = 20


def _trend_months(period):
    """The months the trends draw: those of the period's year up to this month (none for a year to come)."""
    year = period.end.year
    last = min(Month(year, 12), Month.of(timezone.localdate()))
    return Period(Month(year, 1), last).months if last.year >= year else []


def trend_charts(unit, period, *, approved_only=False, tree=Tree.PERIOD):
    """The JSON of static/js/charts.js's trend charts, one per rate of TREND_KPIS: each month of the
    period's year (up to this month) beside the same month a year earlier, with the year's target. Two
    queries (in today's tree, with the predecessors' figures in each month: a few more)."""
    months = _trend_months(period)
    if not months:
        return []
    year, last = period.end.year, months[-1]
    series = monthly_kpis([unit], Period(Month(year - 1, 1), last), approved_only=approved_only, tree=tree)[unit.pk]
    charts = []
    for key in TREND_KPIS:
        kpi = KPIS[key]
        values = [_number(series[month][key].value) for month in months]
        previous = [_number(series[month.shift(-12)][key].value) for month in months]
        charts.append(
            {
                "key": key,
                "title": str(kpi.label),
                "unit": "%",
                "months": [str(month) for month in months],
                "series": [
                    {"label": str(year), "values": values},
                    {"label": str(year - 1), "values": previous, "previous": True},
                ],
                "target": _number(series[last][key].target),
                "labels": {"target": _("Target")},
                "table": list(zip([f"{m.month:02d}/{m.year}" for m in months], values, previous, strict=True)),
            }
        )
    return charts


@login_required
def unit_page(request, code):
    """GET /reports/unit/CODE/?period=PERIOD&status=approved: every KPI of the unit's subtree with its
    target, the monthly trend of each rate against the target and the year before, the units below it
    ranked, its procedures and fields by filings, which procedures to push online next and its own filings
    by responsible department (when its offerings name departments). The figures are reused between
    requests while they stay the same (reports.reuse); the sections of other apps (panels) are not."""
    unit = unit_in_scope_or_404(request.user, code)
    period, period_text, period_error = period_from(request)
    approved_only, status_error = approved_only_from(request)
    kpi, kpi_error = _kpi_from(request)
    tree, tree_error = tree_from(request)
    errors = [e for e in (period_error, status_error, kpi_error, tree_error) if e]

    def build():
        return _unit_context(request, unit, period, period_text, approved_only, kpi, tree, errors)

    # The unit's departments are units beside it (their targets are shown): the versions of its province.
    path = "" if tree == Tree.TODAY else root_path(unit)
    fragments = page_fragments(request, "unit", path, build, reusable=kpi.key not in COMPUTED_KPIS)
    context = {
        "fragments": fragments,
        "unit": unit,
        "period": period,
        "errors": errors,
        "has_trends": bool(_trend_months(period)),
        # The sections of other apps shown on every request; the reusable ones are in the figures.
        "panels": panels_for("unit", request, unit, period, approved_only, reusable=False),
    }
    if fragments.entry is None:
        context.update(fragments.context)
    return render(request, "reports/unit.html", context, status=400 if errors else 200)


def _unit_context(request, unit, period, period_text, approved_only, kpi, tree, errors):
    """The unit page's figures: its KPIs, trends, the units below it ranked, its breakdowns and alerts."""
    status = APPROVED if approved_only else None
    figures = with_projections(kpis_for(unit, period, approved_only=approved_only, tree=tree))
    children = ranking(period, kpi.key, parent=unit, approved_only=approved_only, tree=tree)

    def unit_url(other):
        return url("reports:unit", other.code, period=period, status=status, tree=tree_param(tree))

    procedures = procedure_breakdown(unit, period, approved_only=approved_only)
    departments = department_breakdown(unit, period, approved_only=approved_only)
    if not any(item.code for item in departments):
        departments = []  # no offering of the unit names a department: no section
    # Each department links to its page where the user's scope holds it (one query for them all).
    linked = set(
        Unit.objects.for_user(request.user)
        .filter(code__in=[item.code for item in departments if item.code])
        .values_list("code", flat=True)
        if departments
        else ()
    )
    return {
        "unit": unit,
        "crumbs": breadcrumb(request, unit, "reports:unit", period, approved_only, tree=tree_param(tree)),
        **period_context(request, period, period_text),
        "approved_only": approved_only,
        "errors": errors,
        "tree_today": tree == Tree.TODAY,
        "tree_switch": tree_switch(request, tree),
        "closed": _closed(unit, tree, period),
        "lineage": figures,
        "reused_panels": panels_for("unit", request, unit, period, approved_only, reusable=True),
        "kpi": kpi,
        "kpis": list(KPIS.values()),
        "figures": [figures[key] for key in KPIS],
        "figure_groups": [(label, [figures[kpi.key] for kpi in kpis]) for label, kpis in _kpi_groups(KPIS.values())],
        "trends": trend_charts(unit, period, approved_only=approved_only, tree=tree),
        "children": [(row, unit_url(row.unit)) for row in children.rows],
        "children_ranking": children,
        "children_chart": ranking_chart(children, unit_url),
        "ranking_url": url(
            "reports:ranking", unit=unit.code, period=period, kpi=kpi.key, status=status, tree=tree_param(tree)
        ),
        "procedures": procedures[:PROCEDURE_ROWS],
        "procedure_count": len(procedures),
        "push_online": push_online_next(procedures),
        "fields": field_breakdown(unit, period, approved_only=approved_only),
        "departments": [
            (item, url("reports:unit", item.code, period=period, status=status) if item.code in linked else None)
            for item in departments
        ],
        # Newest first: the first ALERTS_SHOWN shown, the rest folded (a province's communes make hundreds).
        "alerts": sorted(
            alerts_for(unit, period, approved_only=approved_only).alerts, key=lambda a: a.month, reverse=True
        ),
        "alerts_shown": ALERTS_SHOWN,
        "export_url": url(
            "reports:export_unit", unit.code, period=period, kpi=kpi.key, status=status, tree=tree_param(tree)
        ),
    }


def _series_label(period):
    return str(period.start.year) if period.start.year == period.end.year else str(period)


@login_required
def procedure_page(request, code, procedure):
    """GET /reports/unit/CODE/procedure/PROCEDURE/?period=PERIOD: one procedure in the unit's subtree:
    its filings and online share month by month (beside the same months a year earlier) and by unit."""
    unit = unit_in_scope_or_404(request.user, code)
    procedure = get_object_or_404(Procedure, code=procedure)
    period, period_text, period_error = period_from(request)
    approved_only, status_error = approved_only_from(request)
    errors = [e for e in (period_error, status_error) if e]
    status = APPROVED if approved_only else None
    months = procedure_by_month(unit, procedure, period, approved_only=approved_only)
    before = dict(procedure_by_month(unit, procedure, period.previous_year(), approved_only=approved_only))
    total = procedure_breakdown(unit, period, approved_only=approved_only, procedure=procedure)
    chart = {
        "key": "procedure",
        "title": _("Online share of %(procedure)s") % {"procedure": procedure.code},
        "unit": "%",
        "months": [str(month) for month, _item in months],
        "series": [
            {"label": _series_label(period), "values": [_number(item.online_rate.value) for _month, item in months]},
            {
                "label": _series_label(period.previous_year()),
                "values": [_number(before[month.shift(-12)].online_rate.value) for month, _item in months],
                "previous": True,
            },
        ],
        "target": None,
        "labels": {"target": _("Target")},
    }
    return render(
        request,
        "reports/procedure.html",
        {
            "unit": unit,
            "procedure": procedure,
            "crumbs": [
                *breadcrumb(request, unit, "reports:unit", period, approved_only)[:-1],
                (unit.name, url("reports:unit", unit.code, period=period, status=status)),
                (procedure.code, None),
            ],
            **period_context(request, period, period_text),
            "approved_only": approved_only,
            "errors": errors,
            "total": total[0] if total else None,
            "months": [(month, item, before[month.shift(-12)]) for month, item in months],
            "chart": chart,
            "units": [
                (other, item, url("reports:procedure", other.code, procedure.code, period=period, status=status))
                for other, item in procedure_by_unit(unit, procedure, period, approved_only=approved_only)
            ],
            "export_url": url("reports:export_procedure", unit.code, procedure.code, period=period, status=status),
        },
        status=400 if errors else 200,
    )
