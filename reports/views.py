"""The home dashboard: the KPIs of the user's top units and of their direct children, with the targets."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period
from units.models import Unit

from .alerts import ALERTS_SHOWN, alerts_for
from .kpis import FORM_06, KPIS, kpis_of
from .panels import panels_for
from .params import approved_only_from, period_from, status_url, url
from .reuse import page_fragments, scope_of
from .selectors import KpiValue, UnitKpis, kpis_for_units, unapproved_unit_months, units_active_in
from .status import APPROVED

# The rate drawn as a bar on the home page.
MAIN_KPI = "online_rate"
# The KPIs of the table: form 06's (the others are on each unit's page).
SHOWN_KPIS = tuple(kpi.key for kpi in kpis_of(FORM_06))
# Above this many child rows in all, only the children of the units opened with ?open=CODE are loaded: an
# administrator's 34 provinces hold 3,321 communes, megabytes of HTML nobody reads at once.
CHILD_ROWS_LIMIT = 250


@dataclass
class KpiRow:
    """One unit's line of the home table: its KPIs in column order and the bar of the main rate."""

    unit: Unit
    values: list[KpiValue]
    bar: Decimal | None
    target_mark: Decimal | None
    children: list["KpiRow"] = field(default_factory=list)
    children_count: int = 0
    # Children not loaded (too many in all): the link that loads them; else None.
    open_url: str | None = None
    # Loaded children shown at once (else folded, one click away).
    expanded: bool = True


def _clamp_percent(value):
    return None if value is None else min(max(Decimal(value), Decimal(0)), Decimal(100))


def _kpi_row(figures: UnitKpis) -> KpiRow:
    main = figures[MAIN_KPI]
    return KpiRow(
        unit=figures.unit,
        values=[figures[kpi.key] for kpi in kpis_of(FORM_06)],
        bar=_clamp_percent(main.value),
        target_mark=_clamp_percent(main.target),
    )


def _open_url(request, code):
    query = request.GET.copy()
    query.setlist("open", [*query.getlist("open"), code])
    return f"?{query.urlencode()}#unit-{code}"


@login_required
def home(request):
    """The KPIs of the user's top units and of their direct children for the current year (or ?period=);
    with many children in all, only those of the units opened with ?open=CODE. ?status=approved counts
    approved unit-months only; either way the page says how many unit-months are not yet approved. The
    figures are reused between requests while they stay the same (reports.reuse), and with them the
    panels of the apps above that are registered reusable; the others run on every request."""
    period, period_text, period_error = period_from(request)
    approved_only, status_error = approved_only_from(request)

    def build():
        return _home_context(request, period, period_text, period_error, approved_only, status_error)

    fragments = page_fragments(request, "home", lambda: scope_of(request.user)[1], build)
    context = {"fragments": fragments, "panels": panels_for("home", request, period, approved_only, reusable=False)}
    if fragments.entry is None:
        context.update(fragments.context)
    return render(request, "home.html", context)


def _home_context(request, period, period_text, period_error, approved_only, status_error):
    """The home page's figures: the units of the scope, their KPIs, the unapproved months, the alerts."""
    scope_roots = Unit.objects.scope_roots_for(request.user).order_by("code")
    roots = list(units_active_in(scope_roots, period))
    scope_note = None
    if not roots:
        # A clerk of a commune merged in 2025 still sees their unit (and a word on why it is empty).
        roots = list(scope_roots)
        if roots:
            scope_note = _(
                "Your units were not in force during this period (for example, communes merged in 2025), "
                "so they have no figures for it. Choose an earlier period."
            )
    active_children = units_active_in(Unit.objects.filter(parent__in=roots), period)
    counts = dict(active_children.values_list("parent_id").annotate(n=Count("pk")).order_by())
    opened = set(request.GET.getlist("open"))
    if sum(counts.values()) <= CHILD_ROWS_LIMIT:
        loaded = [root for root in roots if counts.get(root.pk)]
    else:
        loaded = [root for root in roots if root.code in opened and counts.get(root.pk)]
    children = list(active_children.filter(parent__in=loaded).order_by("code")) if loaded else []
    figures = kpis_for_units(roots + children, period, approved_only=approved_only, keys=SHOWN_KPIS)
    # The children are inside the roots' subtrees, so this counts every unit-month behind the table.
    unapproved = unapproved_unit_months(roots, period)
    rows = {unit.pk: _kpi_row(figures[unit.pk]) for unit in roots}
    loaded_ids = {root.pk for root in loaded}
    for root in roots:
        row = rows[root.pk]
        row.children_count = counts.get(root.pk, 0)
        row.expanded = len(roots) == 1 or root.code in opened
        if row.children_count and root.pk not in loaded_ids:
            row.open_url = _open_url(request, root.code)
    for child in children:
        rows[child.parent_id].children.append(_kpi_row(figures[child.pk]))
    alerts = sorted(alerts_for(roots, period, approved_only=approved_only).alerts, key=lambda a: a.month, reverse=True)
    this_year = timezone.localdate().year
    return {
        "period": period,
        "period_text": period_text,
        "period_error": period_error,
        "scope_note": scope_note,
        "period_choices": _period_choices(this_year),
        # Form 06's KPIs: the Decision 766 ones are on each unit's page, in the JSON and in the export.
        "kpis": kpis_of(FORM_06),
        "main_kpi": MAIN_KPI,
        "rows": list(rows.values()),
        "exports": _exports(period, roots, approved_only),
        "approved_only": approved_only,
        "status_error": status_error,
        "unapproved": unapproved,
        "status_url": status_url(request, approved_only),
        "alerts": alerts[:ALERTS_SHOWN],
        "alert_count": len(alerts),
        "reused_panels": panels_for("home", request, period, approved_only, reusable=True),
    }


def _exports(period, roots, approved_only=False):
    """Links to the .xlsx of what the page shows: the KPI table, the ranking by the main KPI and the
    monthly figures behind them (of the one top unit when there is one, else of the whole scope). The KPI
    exports count the same figures as the page (status=approved); the monthly figures are the stored
    rows themselves, which the switch does not filter."""
    one = roots[0].code if len(roots) == 1 else None
    status = APPROVED if approved_only else None
    return [
        (_("KPI table"), url("reports:export_kpis", period=period, unit=one, status=status)),
        (
            _("Ranking by %(kpi)s") % {"kpi": KPIS[MAIN_KPI].label},
            url("reports:export_ranking", period=period, kpi=MAIN_KPI, parent=one, status=status),
        ),
        (_("Monthly figures"), url("filings:export", period=period, unit=one)),
    ]


def _period_choices(year):
    """Suggestions for the period field: this year and last, their halves and quarters."""
    choices = []
    for y in (year, year - 1):
        choices.append(str(y))
        choices += [f"{y}-H1", f"{y}-H2"] + [f"{y}-Q{q}" for q in range(1, 5)]
    return [(code, Period.parse(code)) for code in choices]
