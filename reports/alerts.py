"""Alerts: the months in which a unit's online rate fell far below its own recent months (docs/kpis.md,
"Alerts"), such as Tam Kỳ's June 2023 (43 / 2,150 = 2% after about 48.5%).

The method is the entry page's test of a month's online rate (filings.quality), applied to the KPIs:
- the baseline of a month is the unit's ratio of sums over the months with figures (new filings) among
  the 12 before it (filings.quality.HISTORY_MONTHS); it needs at least 3 such months
  (filings.quality.MIN_MONTHS) and 30 new filings in all (RATE_MIN_BASE);
- the month is flagged when its rate is below the baseline and filings.quality.rate_is_outlier says it is
  far from it: a binomial z of the month's online filings against the baseline rate of at most -4
  (RATE_Z) and a drop of at least 10 percentage points (RATE_MIN_POINTS). A unit with a few filings a
  month is never flagged for a swing that chance explains (3 filings, 2 online then 0: z = -2.4).

Each unit at or below the roots is checked on its own figures; a unit with units below it is checked on
its subtree's figures too, so that a district whose communes all drop a little is flagged even when none
of them is. One alert per unit and month: the subtree's when it drops, else the unit's own.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext, override

from core.periods import FIRST_YEAR, Month, Period
from core.rates import Rate, round_half_up
from filings.quality import HISTORY_MONTHS, MIN_MONTHS, rate_is_outlier
from units.models import Unit

from .kpis import Kpi
from .selectors import KpiValue
from .series import monthly_kpis

# The KPIs watched: the online rate (DOMAIN.md: "an alert when a unit's rate falls far below its own
# recent months").
WATCHED = ("online_rate",)
# The alerts a page shows first, the newest: the home page's (the unit pages list theirs, the rest folded).
ALERTS_SHOWN = 10


@dataclass(frozen=True)
class Alert:
    """One unit's month flagged on one KPI: the month's value, the baseline it fell from (a ratio of
    sums over `baseline_months`) and whether the figures are the unit's own or its subtree's."""

    unit: Unit
    month: Month
    value: KpiValue
    baseline: Rate
    baseline_months: int
    own: bool

    @property
    def kpi(self) -> Kpi:
        return self.value.kpi

    @property
    def drop(self):
        """Percentage points lost against the baseline, rounded half up to two decimals."""
        return round_half_up(self.baseline.exact - self.value.exact)

    @property
    def reason(self) -> str:
        """Why the month is flagged, in the active language (numbers formatted for it)."""
        scope = gettext("its own figures") if self.own else gettext("with the units below it")
        months = ngettext(
            "the month before with figures", "the %(count)s months before with figures", self.baseline_months
        ) % {"count": self.baseline_months}
        return gettext(
            "%(kpi)s %(value)s (%(numerator)s / %(denominator)s, %(scope)s) is far below %(baseline)s "
            "(%(base_numerator)s / %(base_denominator)s) over %(months)s"
        ) % {
            "kpi": self.kpi.label,
            "value": _percent(self.value.value),
            "numerator": _count(self.value.numerator),
            "denominator": _count(self.value.denominator),
            "scope": scope,
            "baseline": _percent(self.baseline.value),
            "base_numerator": _count(self.baseline.numerator),
            "base_denominator": _count(self.baseline.denominator),
            "months": months,
        }

    def as_json(self):
        with override("en"):  # the JSON's words are English, like the command line's
            reason = self.reason
        return {
            "unit": self.unit.code,
            "name": self.unit.name,
            "month": str(self.month),
            "kpi": self.kpi.key,
            "value": f"{self.value.value:.2f}",
            "numerator": self.value.numerator,
            "denominator": self.value.denominator,
            "baseline": f"{self.baseline.value:.2f}",
            "reason": reason,
            "scope": "own" if self.own else "subtree",
            "baseline_numerator": self.baseline.numerator,
            "baseline_denominator": self.baseline.denominator,
            "baseline_months": self.baseline_months,
        }


@dataclass
class Alerts:
    parent: Unit | None
    period: Period
    alerts: list[Alert]
    approved_only: bool = False

    def as_json(self):
        return {
            "parent": self.parent.code if self.parent else None,
            "period": self.period.as_json(),
            "approved_only": self.approved_only,
            "alerts": [alert.as_json() for alert in self.alerts],
        }


def _count(value):
    return formats.number_format(value, decimal_pos=0, force_grouping=True)


def _percent(value):
    return formats.number_format(value, decimal_pos=2, force_grouping=True) + "%"


def month_alert(value, before) -> tuple[Rate, int] | None:
    """Whether a month is flagged on a rate, from its KpiValue and those of the months before it (up to
    12, oldest first): (baseline, number of baseline months) when it is, else None."""
    if not value.denominator:
        return None  # no figures this month: completeness's business, not a drop
    history = [v for v in before if v.denominator]
    if len(history) < MIN_MONTHS:
        return None
    baseline = Rate(sum(v.numerator for v in history), sum(v.denominator for v in history))
    if Fraction(value.numerator, value.denominator) >= Fraction(baseline.numerator, baseline.denominator):
        return None  # not a fall
    if not rate_is_outlier(value.numerator, value.denominator, baseline.numerator, baseline.denominator):
        return None
    return baseline, len(history)


def _with_history(period: Period) -> Period:
    """The period with the 12 months before it (not before the first year the product keeps)."""
    first = Month(FIRST_YEAR, 1).index
    return Period(Month.from_index(max(period.start.index - HISTORY_MONTHS, first)), period.end)


def _subtrees(roots):
    """Every unit at or below `roots`, in tree order (one query)."""
    where = Q()
    for path in {root.path for root in roots}:
        where |= Q(path__startswith=path)
    return list(Unit.objects.filter(where).order_by("path")) if where else []


def alerts_for(units_or_parent, period: Period, *, approved_only: bool = False) -> Alerts:
    """The alerts of `period`: the months in which a unit fell far below its own recent months.

    `units_or_parent` is a Unit (that unit and every unit below it; the answer's `parent`) or an iterable
    of units (those units and every unit below them, e.g. the roots of a user's scope; `parent` None).
    Units that did not exist during the period are left out. Alerts are in order of month, then of the
    tree (a unit before the units below it). With `approved_only`, only approved unit-months count, in
    the month and in its baseline. A fixed number of queries whatever the number of units and months:
    the units, then `monthly_kpis` over the period and the 12 months before it, for the units' own
    figures and for the subtrees of the units that have units below them.
    """
    parent = units_or_parent if isinstance(units_or_parent, Unit) else None
    roots = [parent] if parent else list(units_or_parent)
    everything = _subtrees(roots)
    units = [u for u in everything if u.exists_between(period.start.first_day, period.end.last_day)]
    # A unit has units below it when the next path in tree order extends its own (gone units count: their
    # figures stay in the subtree).
    paths = [u.path for u in everything]
    above = {
        path
        for path, following in zip(paths, paths[1:], strict=False)
        if following.startswith(path) and following != path
    }
    # No figures come after this month (entry and imports refuse future months): the months of a period
    # reaching into the future are not looked at (a period of 2001..2099 costs its 26 years, not 99).
    this_month = Month.of(timezone.localdate())
    if period.start > this_month:
        return Alerts(parent, period, [], approved_only)
    watched = Period(period.start, min(period.end, this_month))
    extended = _with_history(watched)
    own = monthly_kpis(units, extended, own=True, approved_only=approved_only, keys=WATCHED)
    subtree = monthly_kpis([u for u in units if u.path in above], extended, approved_only=approved_only, keys=WATCHED)
    # Each series as lists in month order, so that a month's history is a slice (month_alert, run
    # for thousands of units).
    months = extended.months
    first = months.index(watched.start)
    lists = {
        (pk, key, is_own): [kpis[key] for kpis in series.values()]
        for by_unit, is_own in ((subtree, False), (own, True))
        for pk, series in by_unit.items()
        for key in WATCHED
    }
    alerts = []
    for position in range(first, len(months)):
        for unit in units:
            for key in WATCHED:
                for is_own in (False, True):
                    values = lists.get((unit.pk, key, is_own))
                    found = values and month_alert(
                        values[position], values[max(0, position - HISTORY_MONTHS) : position]
                    )
                    if found:
                        alerts.append(Alert(unit, months[position], values[position], *found, own=is_own))
                        break
    return Alerts(parent, period, alerts, approved_only)
