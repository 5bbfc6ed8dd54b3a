"""Exports of KPI tables and rankings to formatted .xlsx. The figures come from reports.selectors (the one
read path); these views only parse, check scope and format. `status=approved` counts approved unit-months
only (reports.status), and the title rows say which figures are counted."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import xlsx
from core.periods import PeriodError, period_param
from procedures.models import Procedure
from units.models import Unit, UnitKind
from units.selectors import unit_in_scope_or_404

from .breakdowns import (
    department_breakdown,
    field_breakdown,
    procedure_breakdown,
    procedure_by_month,
    procedure_by_unit,
    push_online_next,
)
from .kpis import DECISION_766, FORM_06, KPIS, UnknownKpi, get_kpi, kpis_of
from .selectors import (
    CLOSE,
    MET,
    MISSED,
    Tree,
    TreeError,
    kpis_for_units,
    parse_tree,
    ranked_units,
    ranking,
    unapproved_unit_months,
    units_active_in,
)
from .series import monthly_kpis
from .status import StatusError, parse_status


def _period(request):
    try:
        return period_param(request.GET)
    except PeriodError as exc:
        raise ValueError(_("period: %(reason)s") % {"reason": exc}) from None


def _tree(request):
    try:
        return parse_tree(request.GET.get("tree"))
    except TreeError as exc:
        raise ValueError(_("tree: %(reason)s") % {"reason": exc}) from None


def _approved_only(request):
    try:
        return parse_status(request.GET.get("status"))
    except StatusError as exc:
        raise ValueError(_("status: %(reason)s") % {"reason": exc}) from None


def _status_title(approved_only, unapproved):
    """The title row that says which figures a table counts, and how many unit-months are not approved
    (left out with approved_only, included without it)."""
    if approved_only:
        if not unapproved:
            return _("Figures: approved months only.")
        return ngettext(
            "Figures: approved months only (%(count)s unit-month not yet approved is left out).",
            "Figures: approved months only (%(count)s unit-months not yet approved are left out).",
            unapproved,
        ) % {"count": unapproved}
    if not unapproved:
        return _("Figures: every stored month, all of them approved.")
    return ngettext(
        "Figures: every stored month, including %(count)s unit-month not yet approved.",
        "Figures: every stored month, including %(count)s unit-months not yet approved.",
        unapproved,
    ) % {"count": unapproved}


def _filename(stem, approved_only):
    return f"{stem}_approved.xlsx" if approved_only else f"{stem}.xlsx"


def _kpi_columns(kpis):
    return [xlsx.Col(str(kpi.label), xlsx.PERCENT if kpi.is_rate else xlsx.COUNT, 16) for kpi in kpis]


def _left_out_notes(unit_kpis, kpis=None):
    """What the KPIs that need the online level left out, per unit: "Unit – KPI: counts ... left out.";
    only those of `kpis` when given."""
    keys = None if kpis is None else {kpi.key for kpi in kpis}
    return [
        f"{item.unit.code} – {value.kpi.label}: {value.left_out}."
        for item in unit_kpis
        for value in item.values.values()
        if value.left_out and (keys is None or value.kpi.key in keys)
    ]


@login_required
def kpi_table_export(request):
    """GET ?unit=CODE&period=PERIOD[&status=approved]: every KPI of the unit and of each unit directly
    below it."""
    try:
        period = _period(request)
        approved_only = _approved_only(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    code = request.GET.get("unit", "").strip()
    if code:
        unit = unit_in_scope_or_404(request.user, code)
        units = [unit, *units_active_in(Unit.objects.filter(parent=unit), period).order_by("code")]
        name = unit.code
        # The children are inside the unit's subtree: counting it covers every row of the table.
        tops = [unit]
    else:
        units = tops = list(Unit.objects.scope_roots_for(request.user).order_by("code"))
        name = "all"
    workbook = xlsx.new_workbook()
    _kpi_sheet(workbook, units, tops, period, approved_only)
    return xlsx.response(workbook, _filename(f"kpi_{name}_{period}", approved_only))


def _kpi_sheet(workbook, units, tops, period, approved_only, tree=Tree.PERIOD):
    """The sheets of every KPI of `units` (their subtrees; in today's tree with their predecessors'
    figures): form 06's, then the Decision 766 ones on a sheet of their own; `tops` are the units whose
    subtrees cover them all, for the count of unit-months not approved."""
    values = kpis_for_units(units, period, approved_only=approved_only, tree=tree)
    unapproved = unapproved_unit_months(tops, period)
    form06 = kpis_of(FORM_06)
    rows = [[u.code, u.name, *(values[u.pk][kpi.key].value for kpi in form06)] for u in units]
    xlsx.add_table(
        workbook,
        sheet_title=_("KPIs"),
        titles=[
            _("Online public service KPIs"),
            _("Period: %(period)s") % {"period": period},
            _status_title(approved_only, unapproved),
        ],
        columns=[xlsx.Col(_("Unit code")), xlsx.Col(_("Unit"), width=36), *_kpi_columns(form06)],
        rows=rows,
        note=" ".join(
            [
                _(
                    "Each unit's figures include the units below it. Rates are ratios of sums; an empty cell has "
                    "no value (nothing to divide by)."
                ),
                *_left_out_notes((values[top.pk] for top in tops), form06),
            ]
        ),
    )
    index = kpis_of(DECISION_766)
    xlsx.add_table(
        workbook,
        sheet_title=_("Decision 766"),
        titles=[
            _("KPIs of the Decision 766 index"),
            _("Period: %(period)s") % {"period": period},
            _status_title(approved_only, unapproved),
        ],
        columns=[xlsx.Col(_("Unit code")), xlsx.Col(_("Unit"), width=36), *_kpi_columns(index)],
        rows=[[u.code, u.name, *(values[u.pk][kpi.key].value for kpi in index)] for u in units],
        note=" ".join(
            [
                _(
                    "Each unit's figures include the units below it. A rate counts the unit-months that report "
                    "both of its counts; an empty cell has no value (no data, or nothing to divide by)."
                ),
                *_left_out_notes((values[top.pk] for top in tops), index),
            ]
        ),
    )


def _status_label(status):
    return {MET: _("Met"), CLOSE: _("Close"), MISSED: _("Not met")}.get(status, "")


@login_required
def ranking_export(request):
    """GET ?parent=CODE&period=PERIOD&kpi=KEY[&kind=KIND][&status=approved][&tree=today]: the parent's
    children (or the top of the user's scope) ranked by one KPI, with targets and gaps; the ranking page's
    table."""
    try:
        period = _period(request)
        kpi = get_kpi(request.GET.get("kpi", "").strip())
        approved_only = _approved_only(request)
        tree = _tree(request)
    except (ValueError, UnknownKpi) as exc:
        return HttpResponseBadRequest(str(exc))
    kind = request.GET.get("kind", "").strip() or None
    if kind is not None and kind not in UnitKind.values:
        return HttpResponseBadRequest(
            _("kind: %(value)r is not one of %(kinds)s") % {"value": kind, "kinds": ", ".join(UnitKind.values)}
        )
    code = request.GET.get("parent", "").strip()
    if code:
        parent = unit_in_scope_or_404(request.user, code)
        # Everything below a unit in the user's scope is in scope too.
        result = ranking(period, kpi.key, parent=parent, approved_only=approved_only, kind=kind, tree=tree)
        name = parent.code
    else:
        parent = None
        roots = Unit.objects.scope_roots_for(request.user)
        units = ranked_units(period, roots=roots, tree=tree)
        result = ranking(
            period,
            kpi.key,
            units=units.filter(kind=kind) if kind else units,
            approved_only=approved_only,
            kind=kind,
            tree=tree,
            within=list(roots),
        )
        name = "top"
    workbook = xlsx.new_workbook()
    _ranking_sheet(workbook, result, kpi, parent, period, approved_only)
    return xlsx.response(workbook, _filename(f"ranking_{kpi.key}_{name}_{period}{_tree_suffix(tree)}", approved_only))


def _tree_suffix(tree):
    return "" if tree == Tree.PERIOD else f"_{tree}"


def _ranking_sheet(workbook, result, kpi, parent, period, approved_only):
    """The sheet of a ranking (reports.selectors.ranking) with targets, gaps, statuses and the units
    together."""
    # Over the ranked units' subtrees: the parent's own figures are not in the ranking.
    unapproved = unapproved_unit_months([row.unit for row in result.rows], period)
    value_kind = xlsx.PERCENT if kpi.is_rate else xlsx.DECIMAL if kpi.is_score else xlsx.COUNT
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
            row.previous_rank,
            _status_label(row.kpi_value.status),
        ]
        for row in result.rows
    ]
    combined = result.combined
    if combined is not None:  # a score has none: the units' scores do not add up
        rows.append(
            [
                None,
                "",
                _("These units together (sums over sums)"),
                combined.numerator,
                combined.denominator,
                combined.value,
                None,
                None,
                "",
                None,
                "",
            ]
        )
    xlsx.add_table(
        workbook,
        sheet_title=_("Ranking"),
        titles=[
            _("Ranking: %(kpi)s") % {"kpi": kpi.label},
            (f"{parent.code} – {parent.name} · " if parent else "") + str(period),
            _status_title(approved_only, unapproved),
            *_tree_titles(result),
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
            xlsx.Col(_("Previous rank"), xlsx.COUNT, 10),
            xlsx.Col(_("Status"), width=12),
        ],
        rows=rows,
        note="; ".join(f"{row.unit.code}: {row.kpi_value.left_out}" for row in result.rows if row.kpi_value.left_out),
    )


def _tree_titles(result):
    """In today's tree, the title rows that say so and name what was added and left out."""
    if result.tree != Tree.TODAY:
        return []

    def names(units):
        return ", ".join(f"{u.name} ({u.code})" for u in units)

    lines = [_("Today's units: the figures of units merged away are added into the units that took them over.")]
    for label, units in (
        (_("Including the figures of:"), result.predecessors),
        (_("Figures of units split between several successors are not added:"), result.split),
        (_("Figures of units without a successor among the units shown are left out:"), result.left_out),
    ):
        if units:
            lines.append(f"{label} {names(units)}")
    return lines


def _item_columns(first):
    return [
        xlsx.Col(_("Code"), width=14),
        xlsx.Col(first, width=48),
        xlsx.Col(_("New filings"), xlsx.COUNT, 12),
        xlsx.Col(_("Received online"), xlsx.COUNT, 12),
        xlsx.Col(_("Not online"), xlsx.COUNT, 12),
        xlsx.Col(_("Online share"), xlsx.PERCENT, 12),
        xlsx.Col(_("On-time rate"), xlsx.PERCENT, 12),
    ]


def _item_row(code, name, item):
    return [code, name, item.new, item.online, item.not_online, item.online_rate.value, item.on_time_rate.value]


def _page_titles(title, unit, period, approved_only, unapproved):
    return [title, f"{unit.code} – {unit.name} · {period}", _status_title(approved_only, unapproved)]


@login_required
def unit_tables_export(request, code):
    """GET /reports/unit/CODE/tables.xlsx?period=PERIOD[&kpi=KEY][&status=approved][&tree=today]: the tables of the unit
    page, a sheet each: every KPI of the unit and of the units directly below it, those units ranked by
    the KPI, the unit's KPIs month by month, its procedures by filings (all of them), the procedures to
    push online next, its fields, and its own filings by responsible department when its offerings name
    departments."""
    unit = unit_in_scope_or_404(request.user, code)
    try:
        period = _period(request)
        kpi = get_kpi(request.GET.get("kpi", "").strip() or "online_rate")
        approved_only = _approved_only(request)
        tree = _tree(request)
    except (ValueError, UnknownKpi) as exc:
        return HttpResponseBadRequest(str(exc))
    unapproved = unapproved_unit_months([unit], period)
    workbook = xlsx.new_workbook()
    children = list(ranked_units(period, parent=unit, tree=tree).order_by("code"))
    _kpi_sheet(workbook, [unit, *children], [unit], period, approved_only, tree)
    result = ranking(period, kpi.key, parent=unit, approved_only=approved_only, tree=tree)
    _ranking_sheet(workbook, result, kpi, unit, period, approved_only)
    series = monthly_kpis([unit], period, approved_only=approved_only, tree=tree)[unit.pk]
    xlsx.add_table(
        workbook,
        sheet_title=_("Month by month"),
        titles=_page_titles(_("Month by month"), unit, period, approved_only, unapproved),
        columns=[
            xlsx.Col(_("Month"), width=10),
            xlsx.Col(_("Received online"), xlsx.COUNT, 12),
            xlsx.Col(_("New filings"), xlsx.COUNT, 12),
            xlsx.Col(str(KPIS["online_rate"].label), xlsx.PERCENT, 14),
            xlsx.Col(str(KPIS["online_rate_eligible"].label), xlsx.PERCENT, 14),
            xlsx.Col(str(KPIS["on_time_rate"].label), xlsx.PERCENT, 14),
            xlsx.Col(str(KPIS["postal_received"].label), xlsx.COUNT, 14),
            xlsx.Col(str(KPIS["postal_returns"].label), xlsx.COUNT, 14),
        ],
        rows=[
            [
                f"{month.month:02d}/{month.year}",
                kpis["online_rate"].numerator,
                kpis["online_rate"].denominator,
                kpis["online_rate"].value,
                kpis["online_rate_eligible"].value,
                kpis["on_time_rate"].value,
                kpis["postal_received"].value,
                kpis["postal_returns"].value,
            ]
            for month, kpis in series.items()
        ],
    )
    # The breakdowns read the tree as it was in the period, as the page does (docs/dashboards.md).
    procedures = procedure_breakdown(unit, period, approved_only=approved_only)
    for sheet, title, items in (
        (_("Procedures by filings"), _("Procedures by filings"), procedures),
        # A sheet's title holds 31 characters.
        (_("Push online next"), _("To push online next"), push_online_next(procedures)),
    ):
        xlsx.add_table(
            workbook,
            sheet_title=sheet,
            titles=_page_titles(title, unit, period, approved_only, unapproved),
            columns=_item_columns(_("Procedure")),
            rows=[_item_row(item.code, item.name, item) for item in items],
        )
    xlsx.add_table(
        workbook,
        sheet_title=_("Fields by filings"),
        titles=_page_titles(_("Fields by filings"), unit, period, approved_only, unapproved),
        columns=_item_columns(_("Field")),
        rows=[
            _item_row(item.code, item.name or _("No field given"), item)
            for item in field_breakdown(unit, period, approved_only=approved_only)
        ],
    )
    departments = department_breakdown(unit, period, approved_only=approved_only)
    if any(item.code for item in departments):  # as the page: only when the unit's offerings name departments
        xlsx.add_table(
            workbook,
            sheet_title=_("By department"),
            titles=_page_titles(_("By department"), unit, period, approved_only, unapproved),
            columns=[
                xlsx.Col(_("Rank"), xlsx.COUNT, 7),
                *_item_columns(_("Department")),
                xlsx.Col(_("Target"), xlsx.PERCENT, 10),
                xlsx.Col(_("Status"), width=12),
            ],
            rows=[
                [
                    item.rank,
                    *_item_row(item.code, item.name or _("No department given"), item),
                    item.online_rate.target,
                    _status_label(item.online_rate.status),
                ]
                for item in departments
            ],
        )
    return xlsx.response(workbook, _filename(f"unit_{unit.code}_{period}{_tree_suffix(tree)}", approved_only))


@login_required
def procedure_tables_export(request, code, procedure):
    """GET /reports/unit/CODE/procedure/PROCEDURE/tables.xlsx?period=PERIOD[&status=approved]: the tables
    of the procedure page: month by month beside the same month a year earlier, and by unit."""
    unit = unit_in_scope_or_404(request.user, code)
    procedure = get_object_or_404(Procedure, code=procedure)
    try:
        period = _period(request)
        approved_only = _approved_only(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    title = f"{procedure.code} – {procedure.name}"
    unapproved = unapproved_unit_months([unit], period)
    before = dict(procedure_by_month(unit, procedure, period.previous_year(), approved_only=approved_only))
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=_("Month by month"),
        titles=_page_titles(title, unit, period, approved_only, unapproved),
        columns=[
            xlsx.Col(_("Month"), width=10),
            xlsx.Col(_("New filings"), xlsx.COUNT, 12),
            xlsx.Col(_("Received online"), xlsx.COUNT, 12),
            xlsx.Col(_("Online share"), xlsx.PERCENT, 12),
            xlsx.Col(_("New filings, a year earlier"), xlsx.COUNT, 14),
            xlsx.Col(_("Received online, a year earlier"), xlsx.COUNT, 14),
            xlsx.Col(_("Online share, a year earlier"), xlsx.PERCENT, 14),
        ],
        rows=[
            [
                f"{month.month:02d}/{month.year}",
                item.new,
                item.online,
                item.online_rate.value,
                earlier.new,
                earlier.online,
                earlier.online_rate.value,
            ]
            for month, item in procedure_by_month(unit, procedure, period, approved_only=approved_only)
            for earlier in [before[month.shift(-12)]]
        ],
    )
    xlsx.add_table(
        workbook,
        sheet_title=_("By unit"),
        titles=_page_titles(title, unit, period, approved_only, unapproved),
        columns=_item_columns(_("Unit")),
        rows=[
            _item_row(other.code, other.name, item)
            for other, item in procedure_by_unit(unit, procedure, period, approved_only=approved_only)
        ],
    )
    return xlsx.response(workbook, _filename(f"procedure_{procedure.code}_{unit.code}_{period}", approved_only))
