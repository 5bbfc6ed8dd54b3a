"""The Decision 766 score of a unit's subtree over a period (docs/kpis.md, "Decision 766"; CONTRACT.md,
"score --json"), from the KPIs of reports.selectors (the one read path) and the version in force.

- The version that applies is the one in force on the period's last day (`version_for`): a period across
  a change of version is scored wholly by the newer one.
- Each indicator scores one KPI: at or above its threshold the indicator's points, below it
  value / threshold × points, as an exact fraction (rounded half up to 2 decimals only for display:
  core.rates). An indicator whose KPI has no value (no unit-month reports its counts, or nothing to
  divide by) has no points, and its points are left out of the maximum: the score is out of the points
  of the indicators with data.
- A group is the sum of its indicators with data (points None when none has data; its max the points of
  those with data), the total the sum of every indicator with data, so that groups add up to the total.
- `scores_for_units` runs a fixed number of queries whatever the number of units: the version and its
  indicators (two), and reports.selectors.kpis_for_units.
"""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from core.periods import Period
from core.rates import round_half_up
from reports.kpis import DECISION_766, KPIS, SCORE, Kpi
from reports.selectors import KpiValue, Tree, kpis_for_units
from units.models import Unit

from .models import ScoreVersion

SCORE_KEY = "score_766"
# The score as a KPI of the rankings (reports.kpis.register_computed_kpi, in ScoresConfig.ready).
SCORE_KPI = Kpi(
    SCORE_KEY,
    _("Decision 766 score"),
    SCORE,
    _("points of the Decision 766 index, out of the points of its indicators with data"),
    family=DECISION_766,
)


class NoScoreVersion(ValueError):
    """No score version is in force on the period's last day."""


@dataclass(frozen=True)
class IndicatorScore:
    group: str
    kpi: Kpi
    value: KpiValue
    threshold: Decimal
    max: Decimal
    points: Decimal | None  # the exact rule rounded half up to 2 decimals; None without data
    exact_points: Fraction | None

    @property
    def has_data(self) -> bool:
        return self.exact_points is not None

    @property
    def met(self) -> bool | None:
        """The KPI's exact value is at or above the threshold; None without data."""
        exact = self.value.exact
        return None if exact is None else exact >= Fraction(self.threshold)

    @property
    def lost(self) -> Decimal | None:
        """The points short of the indicator's max; None without data."""
        return None if self.points is None else self.max - self.points

    @property
    def needed(self) -> int | None:
        """How many more numerator counts (the denominator as it is) would reach the threshold:
        ceil(threshold / 100 × denominator) − numerator; None when it is met or without data."""
        if not self.has_data or self.met:
            return None
        return math.ceil(Fraction(self.threshold) / 100 * self.value.denominator) - self.value.numerator

    def as_json(self):
        value = self.value.value
        return {
            "kpi": self.kpi.key,
            "value": None if value is None else f"{value:.2f}",
            "threshold": f"{self.threshold:.2f}",
            "points": None if self.points is None else f"{self.points:.2f}",
            "max": f"{self.max:.2f}",
        }


@dataclass(frozen=True)
class GroupScore:
    key: str
    label: str
    points: Decimal | None  # None when no indicator of the group has data
    max: Decimal  # the points of its indicators with data
    indicators: list[IndicatorScore]

    @property
    def exact_points(self) -> Fraction | None:
        scored = [i.exact_points for i in self.indicators if i.has_data]
        return sum(scored, Fraction(0)) if scored else None

    def as_json(self):
        return {
            "key": self.key,
            "points": None if self.points is None else f"{self.points:.2f}",
            "max": f"{self.max:.2f}",
            "indicators": [indicator.as_json() for indicator in self.indicators],
        }


@dataclass(frozen=True)
class Score:
    unit: Unit
    period: Period
    version: ScoreVersion
    total: Decimal  # the exact total rounded half up to 2 decimals (0 when no indicator has data)
    max: Decimal  # the points of the indicators with data
    groups: list[GroupScore]
    approved_only: bool = False

    @property
    def indicators(self) -> list[IndicatorScore]:
        return [indicator for group in self.groups for indicator in group.indicators]

    @property
    def missing(self) -> list[IndicatorScore]:
        """The indicators without data, in the version's order."""
        return [indicator for indicator in self.indicators if not indicator.has_data]

    @property
    def exact_total(self) -> Fraction | None:
        """The exact sum of the points of the indicators with data; None when none has data."""
        scored = [i.exact_points for i in self.indicators if i.has_data]
        return sum(scored, Fraction(0)) if scored else None

    def as_json(self) -> dict:
        return {
            "unit": self.unit.code,
            "name": self.unit.name,
            "period": self.period.as_json(),
            "version": self.version.code,
            "approved_only": self.approved_only,
            "total": f"{self.total:.2f}",
            "max": f"{self.max:.2f}",
            "groups": [group.as_json() for group in self.groups],
        }


def indicator_points(exact_value: Fraction | None, threshold, points) -> Fraction | None:
    """The rule of Decision 766: at or above the threshold the points, below it value / threshold × points
    (exact); None without a value."""
    if exact_value is None:
        return None
    threshold, points = Fraction(threshold), Fraction(points)
    if exact_value >= threshold:
        return points
    return exact_value / threshold * points


def version_for(period: Period) -> ScoreVersion:
    """The version in force on the period's last day, its indicators prefetched in order (two queries);
    NoScoreVersion when none is."""
    return version_on(period.end.last_day)


def version_on(day: datetime.date) -> ScoreVersion:
    version = (
        ScoreVersion.objects.filter(effective_from__lte=day)
        .order_by("-effective_from")
        .prefetch_related("indicators")
        .first()
    )
    if version is None:
        first = ScoreVersion.objects.order_by("effective_from").first()
        later = f" (the first, {first.code}, from {first.effective_from:%Y-%m-%d})" if first else ""
        raise NoScoreVersion(f"no score version in force on {day:%Y-%m-%d}{later}")
    return version


def _score(unit, period, version, values, approved_only) -> Score:
    groups: dict[str, tuple[str, list[IndicatorScore]]] = {}
    for indicator in sorted(version.indicators.all(), key=lambda i: (i.order, i.pk)):
        value = values[indicator.kpi]
        exact = indicator_points(value.exact, indicator.threshold, indicator.points)
        scored = IndicatorScore(
            group=indicator.group,
            kpi=KPIS[indicator.kpi],
            value=value,
            threshold=indicator.threshold,
            max=indicator.points,
            points=None if exact is None else round_half_up(exact),
            exact_points=exact,
        )
        groups.setdefault(indicator.group, (indicator.group_label, []))[1].append(scored)
    group_scores = []
    for key, (label, indicators) in groups.items():
        with_data = [i for i in indicators if i.has_data]
        exact = sum((i.exact_points for i in with_data), Fraction(0))
        group_scores.append(
            GroupScore(
                key=key,
                label=label,
                points=round_half_up(exact) if with_data else None,
                max=sum((i.max for i in with_data), Decimal("0.00")),
                indicators=indicators,
            )
        )
    with_data = [i for g in group_scores for i in g.indicators if i.has_data]
    return Score(
        unit=unit,
        period=period,
        version=version,
        total=round_half_up(sum((i.exact_points for i in with_data), Fraction(0))),
        max=sum((i.max for i in with_data), Decimal("0.00")),
        groups=group_scores,
        approved_only=approved_only,
    )


def scores_for_units(
    units,
    period: Period,
    *,
    approved_only: bool = False,
    tree: Tree = Tree.PERIOD,
    lineage=None,
    version: ScoreVersion | None = None,
) -> dict[int, Score]:
    """{unit id: Score} of each unit's subtree over the period, by the version in force on its last day
    (`version`: that version_for(period) already read); with `approved_only`, from approved unit-months
    only; in today's tree (`tree`), with the predecessors' figures. A fixed number of queries whatever the
    number of units; NoScoreVersion when no version is in force."""
    units = list(units)
    if not units:
        return {}
    version = version or version_for(period)
    values = kpis_for_units(units, period, approved_only=approved_only, tree=tree, lineage=lineage)
    return {unit.pk: _score(unit, period, version, values[unit.pk], approved_only) for unit in units}


def score_for(
    unit: Unit,
    period: Period,
    *,
    approved_only: bool = False,
    tree: Tree = Tree.PERIOD,
    version: ScoreVersion | None = None,
) -> Score:
    """The score of one unit's subtree (see scores_for_units)."""
    return scores_for_units([unit], period, approved_only=approved_only, tree=tree, version=version)[unit.pk]


def ranking_values(units, period: Period, *, approved_only=False, tree=Tree.PERIOD, lineage=None):
    """{unit id: KpiValue of score_766} for reports.selectors.ranking: the total, out of `points_max`; no
    value (unranked) for a unit without any indicator with data, or for a period no version covers."""
    units = list(units)
    try:
        scores = scores_for_units(units, period, approved_only=approved_only, tree=tree, lineage=lineage)
    except NoScoreVersion:
        return {unit.pk: KpiValue(SCORE_KPI) for unit in units}
    return {
        pk: KpiValue(
            SCORE_KPI, points=score.exact_total, points_max=score.max if score.exact_total is not None else None
        )
        for pk, score in scores.items()
    }
