"""Year-end projections of the rates that have a target (CONTRACT.md, "kpi --json: projection"; the
method is docs/kpis.md's "Projection").

For a period inside a year that has not ended, each rate KPI gets the value it would have over the whole
year and a status against the year's target:

- Filing rates (online_rate, online_rate_eligible, on_time_rate): the year's ratio of sums, with the
  months to come filled in by expectation. The months so far are the complete months of the year (up to
  the month before today's); their sums N / D are kept as they are. Each remaining month (today's month
  to December) is expected to bring the average denominator of the months so far with figures,
  D / k, at the rate of the last RECENT_MONTHS months with figures (their ratio of sums, r). So
  projection = (N + R x (D / k) x r) / (D + R x (D / k)), R the number of remaining months. At least
  MIN_MONTHS months with figures are needed, else there is too little data.
- Procedure rates (procedures_online_rate, procedures_full_online_rate) are stock figures: the projection
  is their value on 31 December as the offerings recorded today have it (an offering already decided
  from a later date counts); a stock does not change by itself.
- The share of online procedures with online filings (procedures_with_online_filings_rate) counts the
  period's filings over the offerings at its end: neither, so it has no projection (`null`).
- The Decision 766 rates are filing rates; a month without their counts reported is a month without
  figures.

Status, against the target of the year: `on_track` when the projection reaches it; `at_risk` when it
falls short by less than AT_RISK_POINTS percentage points, or when the recent months' rate alone reaches
it (the unit is meeting it now; its earlier months hold the year back); `off_track` otherwise. Without a
target or with too little data the projection is `null` in the JSON.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from core.periods import Month, Period
from core.rates import percent, round_half_up

from .selectors import CLOSE_POINTS, UnitKpis, kpi_values, offering_sums
from .series import monthly_kpis

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
# The months with figures needed for a projection, and the recent months whose rate the rest of the year
# is expected at.
MIN_MONTHS = 2
RECENT_MONTHS = 3
# A projection short of its target by less than this is at risk rather than off track: the margin that
# makes a value "close" to its target (reports.selectors.CLOSE_POINTS, 5 percentage points).
AT_RISK_POINTS = CLOSE_POINTS


@dataclass(frozen=True)
class Projection:
    """A projected year-end value (an exact percentage; None with too little data) and its status against
    the target (None without a target or a value). `months` is the number of months with figures it rests
    on (None for a stock figure), `recent` the rate of the recent months the rest of the year is expected
    at, `remaining` the months still to come."""

    exact: Fraction | None
    status: str | None
    months: int | None = None
    recent: Fraction | None = None
    remaining: int = 0

    @property
    def value(self) -> Decimal | None:
        return None if self.exact is None else round_half_up(self.exact)

    def as_json(self):
        if self.exact is None or self.status is None:
            return None
        return {"value": f"{self.value:.2f}", "status": self.status}


NO_DATA = Projection(None, None)


def projection_status(projected: Fraction, target, recent: Fraction | None = None) -> str:
    """on_track, at_risk or off_track: the projection against the target (both percentages)."""
    target = Fraction(target)
    if projected >= target:
        return ON_TRACK
    if target - projected < AT_RISK_POINTS or (recent is not None and recent >= target):
        return AT_RISK
    return OFF_TRACK


def project_rate(months: list[tuple[int, int]], remaining: int, target=None) -> Projection:
    """The year-end projection of a filing rate from the year's complete months so far, [(numerator,
    denominator)] in order (a month without figures has denominator 0), with `remaining` months to come."""
    reported = [(n, d) for n, d in months if d]
    if len(reported) < MIN_MONTHS:
        return NO_DATA
    numerator = sum(n for n, _d in reported)
    denominator = sum(d for _n, d in reported)
    recent_n = sum(n for n, _d in reported[-RECENT_MONTHS:])
    recent_d = sum(d for _n, d in reported[-RECENT_MONTHS:])
    expected = remaining * Fraction(denominator, len(reported))
    exact = 100 * (numerator + expected * Fraction(recent_n, recent_d)) / (denominator + expected)
    recent = percent(recent_n, recent_d)
    status = None if target is None else projection_status(exact, target, recent)
    return Projection(exact, status, len(reported), recent, remaining)


def project_stock(numerator: int, denominator: int, target=None) -> Projection:
    """The projection of a stock figure (a procedure rate): its value at the year's end as recorded."""
    exact = percent(numerator, denominator)
    if exact is None:
        return NO_DATA
    return Projection(exact, None if target is None else projection_status(exact, target))


def projected_year(period: Period, today: datetime.date) -> int | None:
    """The year whose end is projected for `period`: the period's year when it lies inside one year that
    has not ended by `today`; None otherwise (a year that has ended has its actual value)."""
    year = period.start.year
    if period.end.year != year or year < today.year:
        return None
    return year


def _projections(items: list[UnitKpis], year: int, today: datetime.date) -> dict[int, dict[str, Projection]]:
    """{unit id: {rate KPI: Projection}} for UnitKpis of one year, scope, status filter and tree."""
    first = items[0]
    units = [item.unit for item in items]
    rates = {value.kpi for item in items for value in item.values.values() if value.kpi.is_rate}
    # Only what the rates asked for are read: the months of the filing rates, the stocks of the procedure
    # rates (without the offerings' filings: that rate has no projection).
    monthly = tuple(kpi.key for kpi in rates if not kpi.from_offerings)
    last_complete = min(Month(year, 12), Month.of(today).shift(-1))
    series = {}
    remaining = 12
    if last_complete.year == year:
        if monthly:
            series = monthly_kpis(
                units,
                Period(Month(year, 1), last_complete),
                own=first.own,
                approved_only=first.approved_only,
                tree=first.tree,
                keys=monthly,
            )
        remaining = 12 - last_complete.month
    stocks = {}
    if any(kpi.from_offerings and not kpi.with_filings for kpi in rates):
        stocks = offering_sums(
            units, Period(Month(year, 12), Month(year, 12)), first.own, tree=first.tree, with_filings=False
        )
    result = {}
    for item in items:
        stock = kpi_values(None, stocks.get(item.unit.pk), {})
        by_kpi = {}
        for key, value in item.values.items():
            if not value.kpi.is_rate:
                continue
            if value.kpi.with_filings:
                by_kpi[key] = NO_DATA  # not a stock figure, and not a month-by-month one either
                continue
            if value.kpi.from_offerings:
                by_kpi[key] = project_stock(stock[key].numerator, stock[key].denominator, value.target)
                continue
            months = series.get(item.unit.pk, {})
            pairs = [(m[key].numerator, m[key].denominator) for m in months.values()]
            by_kpi[key] = project_rate(pairs, remaining, value.target)
        result[item.unit.pk] = by_kpi
    return result


def with_projections(unit_kpis, *, today: datetime.date | None = None):
    """`unit_kpis` (a UnitKpis from reports.selectors, a list of them, or kpis_for_units' {unit id:
    UnitKpis}) with each rate's `KpiValue.projection` set, in the same shape (new objects; the input is
    left as it was).

    Only for a period inside a year that has not ended by `today` (default: today's date): every rate KPI
    of it then has a Projection (its JSON `null` without a target or with too little data); count KPIs,
    and periods of a year that has ended or spanning two years, are returned unchanged (no `projection`
    key). A fixed number of queries whatever the number of units: for each (year, own, approved_only,
    tree) among them, `monthly_kpis` over the year so far and the offerings in force on 31 December (one
    query per distinct depth of the units each).
    """
    today = today or timezone.localdate()
    if isinstance(unit_kpis, UnitKpis):
        return with_projections([unit_kpis], today=today)[0]
    if isinstance(unit_kpis, dict):
        return dict(zip(unit_kpis, with_projections(list(unit_kpis.values()), today=today), strict=True))
    items = list(unit_kpis)
    groups = {}
    for item in items:
        year = projected_year(item.period, today)
        if year is not None:
            groups.setdefault((year, item.own, item.approved_only, item.tree), []).append(item)
    projected = {}
    for (year, own, approved_only, tree), group in groups.items():
        for unit_id, by_kpi in _projections(group, year, today).items():
            projected[unit_id, own, approved_only, tree, year] = by_kpi
    result = []
    for item in items:
        year = projected_year(item.period, today)
        key = (item.unit.pk, item.own, item.approved_only, item.tree, year)
        by_kpi = projected.get(key) if year is not None else None
        if not by_kpi:
            result.append(item)
            continue
        values = {
            key: replace(value, projection=by_kpi[key]) if key in by_kpi else value
            for key, value in item.values.items()
        }
        result.append(replace(item, values=values))
    return result
