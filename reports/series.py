"""KPIs month by month: the series behind the trend charts, the alerts (reports.alerts) and the year-end
projections (reports.projection).

Each month's figures are those `kpis_for_units` gives for that month alone, summed by the same code
(reports.selectors: the same unit-month totals, the same fractions), grouped by unit and month in the same
query, so the number of queries does not grow with the number of units or months.
"""

from collections import defaultdict

from core.periods import Month, Period

from .kpis import KPIS
from .models import Target
from .selectors import Tree, UnitKpis, filing_sums, kpi_values

# The KPIs a month has: those computed from filings. The procedure rates (Kpi.from_offerings) are stock
# figures, counted at the end of a period (kpis_for_units gives them, one value per period).
MONTHLY_KPIS = tuple(key for key, kpi in KPIS.items() if not kpi.from_offerings)


def _targets(units, years):
    """{(unit id, year): {kpi: target}}: the targets set on the units themselves. One query."""
    by_unit_year = defaultdict(dict)
    rows = Target.objects.filter(unit__in=[u.pk for u in units], year__in=sorted(years)).order_by()
    for unit_id, year, kpi, target in rows.values_list("unit_id", "year", "kpi", "target"):
        by_unit_year[unit_id, year][kpi] = target
    return by_unit_year


def monthly_kpis(
    units,
    period: Period,
    *,
    own: bool = False,
    approved_only: bool = False,
    tree: Tree = Tree.PERIOD,
    keys: tuple[str, ...] = MONTHLY_KPIS,
) -> dict[int, dict[Month, UnitKpis]]:
    """Every filing KPI of each of `units`, month by month over `period`:
    `{unit id: {Month: UnitKpis}}`.

    - Every month of the period is there, in order, for every unit (a month without figures has rates
      without a value: numerator and denominator 0, `value` None; counts 0).
    - Each month's `UnitKpis` is what `kpis_for_units(units, Period(month, month), own=..., approved_only=...)`
      gives for that month (its `period` is that month), restricted to the KPIs computed from filings
      (`MONTHLY_KPIS`: online_rate, online_rate_eligible, on_time_rate, postal_returns, postal_received, and
      the Decision 766 rates, without data in a month that does not report their counts).
      The procedure rates (procedures_online_rate, procedures_full_online_rate) are stock figures of the
      offerings in force at a period's end, left out here: take them from `kpis_for_units` over the period.
    - Figures are those of each unit's whole subtree, or with `own` its own rows only; with
      `approved_only`, only approved unit-months count (a month not approved has no figures).
    - Each month carries the unit's target for that month's year (`KpiValue.target`, `gap`, `met`).
    - In today's tree (`tree=Tree.TODAY`), each month adds the unit's predecessors' figures of that month
      (reports.selectors.filing_sums), so that a commune formed by a merger has a continuous series.
    - Only the KPIs of `keys` when given (a subset of `MONTHLY_KPIS`; the alerts watch one).
    - A fixed number of queries whatever the number of units and months: one per distinct depth of
      `units` (one with `own`) for the figures, one for the targets; in today's tree, two for the
      predecessors (units.selectors.predecessors_by_successor) and one per distinct depth of them.
    """
    units = list(units)
    if not units:
        return {}
    sums = filing_sums(units, period, own, approved_only, by=("year", "month"), tree=tree)
    months = period.months
    targets = _targets(units, {month.year for month in months})
    result = {}
    for unit in units:
        series = {}
        # The months without figures share one reading per year (its targets): a period of decades over
        # thousands of units is mostly empty months.
        empty = {}
        for month in months:
            found = sums.get((unit.pk, month.year, month.month))
            if found is None:
                if month.year not in empty:
                    empty[month.year] = kpi_values(None, None, targets[unit.pk, month.year], keys)
                values = empty[month.year]
            else:
                values = kpi_values(found, None, targets[unit.pk, month.year], keys)
            series[month] = UnitKpis(unit, Period(month, month), own, values, approved_only, tree)
        result[unit.pk] = series
    return result
