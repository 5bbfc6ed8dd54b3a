"""The read path of periodic indicators: a unit's figure for a period, and the series of its last periods
for the trends.

A unit's figure for a period is its own value when it reported one; otherwise the sum of the figures of
the units right below it, each the same way. So a value is counted once, at the highest unit of the
subtree that reported it: a ward's value under a city that reported its own is left out of the city's
(and the province's) figure. With a denominator, the share is the sum of the values over the sum of
the denominators of the same reports, exact, rounded half up to two decimals (core.rates) when shown.
One query adds it up for every indicator and period asked for (by path prefix, at any depth)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Length, Substr
from django.utils import timezone

from core.periods import Period
from core.rates import round_half_up

from ..models import Indicator, IndicatorValue, Periodicity
from ..rules.indicators import period_of, period_start_of, starts_up_to

# How many periods a trend shows, ending with the latest reported one.
SERIES_LENGTH = {Periodicity.MONTH: 12, Periodicity.QUARTER: 8, Periodicity.YEAR: 5}


@dataclass(frozen=True)
class Figure:
    """An indicator's figure of a unit's subtree for one period."""

    start: datetime.date
    period: Period
    value: Decimal
    denominator: Decimal | None
    own: bool  # the unit's own report (else the sum of the units below it)
    units: int  # how many units' reports it adds up

    @property
    def exact_share(self) -> Fraction | None:
        """value / denominator in percent, exact; None without a denominator or when it is 0."""
        if not self.denominator:
            return None
        return Fraction(self.value) * 100 / Fraction(self.denominator)

    @property
    def share(self) -> Decimal | None:
        """The share in percent, rounded half up to two decimals."""
        exact = self.exact_share
        return None if exact is None else round_half_up(exact)


@dataclass(frozen=True)
class Series:
    """An indicator's figures over its last periods (oldest first; None: nothing reported), ending with
    the latest period reported in the unit's subtree up to the day asked for."""

    indicator: Indicator
    points: tuple[tuple[datetime.date, Figure | None], ...]

    @property
    def latest(self) -> Figure | None:
        return next((figure for _start, figure in reversed(self.points) if figure is not None), None)

    @property
    def previous(self) -> Figure | None:
        """The figure of the period before the latest one, when reported."""
        return self.points[-2][1] if len(self.points) > 1 else None

    @property
    def trend_values(self) -> list[Decimal | None]:
        """What the trend draws: the share where there is a denominator, else the value."""
        if self.indicator.denominator:
            return [None if figure is None else figure.share for _start, figure in self.points]
        return [None if figure is None else figure.value for _start, figure in self.points]


def figures(unit, where: Q) -> dict[tuple[int, datetime.date], Figure]:
    """{(indicator id, period start): Figure} of `unit`'s subtree, for the values that `where` selects
    (indicator and period_start conditions), each value counted at the highest unit of the subtree that
    reported it (the module's rule). One query."""
    # A value has a reporting unit above it inside the subtree: a stored value of the same indicator and
    # period whose unit's path is a proper prefix of the value's unit's path (the fixed-width segments).
    above = (
        IndicatorValue.objects.filter(
            indicator_id=OuterRef("indicator_id"),
            period_start=OuterRef("period_start"),
            unit__path__startswith=unit.path,
        )
        .exclude(unit_id=OuterRef("unit_id"))
        .annotate(prefix=Substr(OuterRef("unit__path"), 1, Length("unit__path")))
        .filter(unit__path=F("prefix"))
    )
    rows = (
        IndicatorValue.objects.filter(where, unit__path__startswith=unit.path)
        .filter(~Exists(above))
        .order_by()
        .values("indicator_id", "indicator__periodicity", "period_start")
        .annotate(
            total=Sum("value"),
            denominators=Sum("denominator"),
            units=Count("id"),
            own=Max(Case(When(unit_id=unit.pk, then=Value(1)), default=Value(0), output_field=IntegerField())),
        )
    )
    return {
        (row["indicator_id"], row["period_start"]): Figure(
            start=row["period_start"],
            period=period_of(row["indicator__periodicity"], row["period_start"]),
            value=row["total"],
            denominator=row["denominators"],
            own=bool(row["own"]),
            units=row["units"],
        )
        for row in rows
    }


def indicators_with_latest(unit, as_of: datetime.date):
    """The active indicators, each with `latest`: the start of the latest period up to `as_of` that a
    unit of `unit`'s subtree reported (None: none). One query."""
    latest = (
        IndicatorValue.objects.filter(
            indicator_id=OuterRef("pk"), unit__path__startswith=unit.path, period_start__lte=as_of
        )
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    return Indicator.objects.filter(active=True).annotate(latest=Subquery(latest))


def indicator_series(unit, *, as_of: datetime.date | None = None) -> list[Series]:
    """The series of every active indicator of `unit`'s subtree: its last periods (SERIES_LENGTH, by
    periodicity) ending with the latest one reported up to `as_of` (default today); without any report,
    the periods ending with the one holding `as_of`. In the indicators' order. Two queries (one when
    there is no active indicator)."""
    as_of = as_of or timezone.localdate()
    indicators = list(indicators_with_latest(unit, as_of))
    windows = {}
    for indicator in indicators:
        last = indicator.latest or period_start_of(indicator.periodicity, as_of)
        length = SERIES_LENGTH[indicator.periodicity]
        windows[indicator.pk] = starts_up_to(indicator.periodicity, last, length)
    reported = [i for i in indicators if i.latest is not None]
    found = {}
    if reported:
        where = Q()
        for indicator in reported:
            starts = windows[indicator.pk]
            where |= Q(indicator_id=indicator.pk, period_start__gte=starts[0], period_start__lte=starts[-1])
        found = figures(unit, where)
    return [
        Series(indicator, tuple((start, found.get((indicator.pk, start))) for start in windows[indicator.pk]))
        for indicator in indicators
    ]


def own_values(unit, indicators, start: datetime.date) -> dict[int, IndicatorValue]:
    """{indicator id: the value `unit` itself stored for the period starting on `start`}. One query."""
    return {
        value.indicator_id: value
        for value in IndicatorValue.objects.filter(unit=unit, indicator__in=indicators, period_start=start)
    }
