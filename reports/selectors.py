"""The one read path for figures: every KPI of every unit is computed here, in SQL aggregates.

Rates are ratios of sums (numerators and denominators summed over units, procedures and months, then
divided), kept exact as integers; rounding happens only when a value is shown. A unit's figures are
those of its whole subtree unless `own` is asked for. Each function runs a fixed number of queries
whatever the number of units: rows are grouped by the path prefix of the unit they are reported for.
With `approved_only`, the filing KPIs count only the unit-months a leader approved (docs/workflow.md);
the offering KPIs do not depend on filings and stay the same. With `tree=Tree.TODAY`, a unit's figures
add those of its predecessors (docs/kpis.md, "Today's tree").
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import ngettext

from core.periods import Period
from core.rates import percent, round_half_up
from filings.models import MonthlyFiling, UnitMonth, UnitMonthStatus
from procedures.models import Offering, ServiceLevel, month_index
from units.models import PATH_STEP, Unit
from units.selectors import Lineage, predecessors_by_successor

from .kpis import COMPUTED_KPIS, KPIS, Kpi, get_kpi
from .models import OfferingTotal, Target, UnitMonthTotal
from .reuse import common_path, reused
from .services import SCORE_TOTALS, TOTAL_FIELDS

# A value below its target by less than this is "close" (docs/kpis.md): 5 percentage points of a rate,
# 10% of a count target.
CLOSE_POINTS = 5
CLOSE_SHARE = Fraction(1, 10)
MET, CLOSE, MISSED = "met", "close", "missed"


class Tree(StrEnum):
    """Which tree of units the figures are read in (docs/kpis.md, "Today's tree"): the tree as it was in
    the period (each unit its own subtree's figures; the default), or today's tree, in which the figures of
    the units merged away are added into their successors (units.selectors.predecessors_by_successor)."""

    PERIOD = "period"
    TODAY = "today"


class TreeError(ValueError):
    pass


def parse_tree(text: str | None) -> Tree:
    """The tree a `tree` parameter asks for (empty: the period's); a TreeError names any other value."""
    value = (text or "").strip().lower()
    if not value:
        return Tree.PERIOD
    try:
        return Tree(value)
    except ValueError:
        raise TreeError(f"expected {Tree.TODAY} or {Tree.PERIOD}, not {value!r}") from None


@dataclass(frozen=True)
class KpiValue:
    kpi: Kpi
    numerator: int | None = None
    denominator: int | None = None
    count: int | None = None
    target: Decimal | None = None
    # For a KPI that needs a procedure's online level: the unit-months reported per field it left out.
    field_level_unit_months: int = 0
    # The projected year-end value (reports.projection.Projection), set by reports.projection.with_projections
    # for a period inside a year that has not ended; None (no JSON key) otherwise.
    projection: object | None = None
    # A score (Kpi.is_score: a computed KPI): its exact points, None without data, and the most it could
    # have earned (its indicators with data).
    points: Fraction | None = None
    points_max: Decimal | None = None

    @property
    def no_data(self) -> bool:
        """A Decision 766 KPI (Kpi.optional) that no unit-month of the scope reports, or a score without
        any indicator with data: no value, and not a 0 either."""
        if self.kpi.is_score:
            return self.points is None
        return self.kpi.optional and self.denominator is None

    @property
    def exact(self) -> Fraction | None:
        """The exact percentage (or count, or points); None when a rate has nothing to divide by (or no
        data)."""
        if self.kpi.is_score:
            return self.points
        if not self.kpi.is_rate:
            return Fraction(self.count or 0)
        return percent(self.numerator, self.denominator)

    @property
    def value(self) -> Decimal | int | None:
        if not self.kpi.is_rate and not self.kpi.is_score:
            return self.count or 0
        exact = self.exact
        return None if exact is None else round_half_up(exact)

    @property
    def gap(self) -> Decimal | None:
        """Actual minus target, in percentage points (or in units for a count)."""
        if self.exact is None or self.target is None:
            return None
        return round_half_up(self.exact - Fraction(self.target))

    @property
    def met(self) -> bool | None:
        if self.exact is None or self.target is None:
            return None
        return self.exact >= Fraction(self.target)

    @property
    def status(self) -> str | None:
        """Against the target: "met" (at or above it), "close" (below it by less than CLOSE_POINTS
        percentage points, or CLOSE_SHARE of a count target), "missed"; None without a target or a value."""
        exact = self.exact
        if exact is None or self.target is None:
            return None
        target = Fraction(self.target)
        if exact >= target:
            return MET
        margin = Fraction(CLOSE_POINTS) if self.kpi.is_rate else target * CLOSE_SHARE
        return CLOSE if target - exact < margin else MISSED

    @property
    def left_out(self) -> str:
        """What a KPI that needs the online level left out, for people (the pages, the CLI, the exports);
        empty when nothing was."""
        if not self.field_level_unit_months:
            return ""
        return ngettext(
            "counts figures per procedure only: %(count)s unit-month reported per field is left out",
            "counts figures per procedure only: %(count)s unit-months reported per field are left out",
            self.field_level_unit_months,
        ) % {"count": self.field_level_unit_months}

    def as_json(self):
        data = {}
        if self.kpi.is_rate:
            data.update(numerator=self.numerator, denominator=self.denominator)
            data["value"] = None if self.value is None else f"{self.value:.2f}"
        elif self.kpi.is_score:
            data["value"] = None if self.value is None else f"{self.value:.2f}"
            data["max"] = None if self.points_max is None else f"{self.points_max:.2f}"
        else:
            data["value"] = self.value
        data["target"] = None if self.target is None else f"{self.target:.2f}"
        data["gap"] = None if self.gap is None else f"{self.gap:.2f}"
        data["met"] = self.met
        if self.field_level_unit_months:
            data["field_level_unit_months"] = self.field_level_unit_months
        if self.no_data:
            data["no_data"] = True
        if self.projection is not None:
            data["projection"] = self.projection.as_json()  # null when there is no target or too little data
        return data


@dataclass
class UnitKpis:
    unit: Unit
    period: Period
    own: bool
    values: dict[str, KpiValue] = field(default_factory=dict)
    approved_only: bool = False
    tree: Tree = Tree.PERIOD
    # In today's tree: the units whose figures are added (predecessors), and those split between several
    # successors, whose figures are not.
    predecessors: tuple[Unit, ...] = ()
    split: tuple[Unit, ...] = ()

    def __getitem__(self, key):
        return self.values[key]

    def as_json(self):
        data = {
            "unit": self.unit.code,
            "name": self.unit.name,
            "period": self.period.as_json(),
            "scope": "own" if self.own else "subtree",
            "approved_only": self.approved_only,
        }
        if self.tree == Tree.TODAY:  # only then: the JSON of the period's tree is as before
            data.update(tree=str(self.tree), **_lineage_json(self.predecessors, self.split))
        data["kpis"] = {key: value.as_json() for key, value in self.values.items()}
        return data


def _lineage_json(predecessors, split, left_out=None):
    data = {"predecessors": [u.code for u in predecessors], "split": [u.code for u in split]}
    if left_out is not None:
        data["left_out"] = [u.code for u in left_out]
    return data


@dataclass(frozen=True)
class RankingRow:
    rank: int | None
    unit: Unit
    kpi_value: KpiValue
    # The unit's rank over the previous comparable period (Period.previous), None when it had none.
    previous_rank: int | None = None

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost since the previous period; None without both ranks."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def places_moved(self) -> int | None:
        change = self.rank_change
        return None if change is None else abs(change)

    def as_json(self):
        return {
            "rank": self.rank,
            "previous_rank": self.previous_rank,
            "unit": self.unit.code,
            "name": self.unit.name,
            **self.kpi_value.as_json(),
        }


@dataclass
class Ranking:
    parent: Unit | None
    kpi: Kpi
    period: Period
    rows: list[RankingRow]
    approved_only: bool = False
    kind: str | None = None  # only units of this kind (units.models.UnitKind), when asked
    # The ranked units together: the ratio of sums of their figures (or the sum of a count), no target.
    combined: KpiValue | None = None
    tree: Tree = Tree.PERIOD
    # In today's tree: the ranked units' predecessors (figures added), the units split between several
    # successors (not added), and the units with figures in the period counted in no ranked unit.
    predecessors: tuple[Unit, ...] = ()
    split: tuple[Unit, ...] = ()
    left_out: tuple[Unit, ...] = ()

    def as_json(self):
        data = {
            "parent": self.parent.code if self.parent else None,
            "kpi": self.kpi.key,
            "period": self.period.as_json(),
            "approved_only": self.approved_only,
        }
        if self.tree == Tree.TODAY:
            data.update(tree=str(self.tree), **_lineage_json(self.predecessors, self.split, self.left_out))
        data["rows"] = [row.as_json() for row in self.rows]
        return data


# --- aggregation ---------------------------------------------------------------------------------

_ONLINE = [level.value for level in ServiceLevel.online()]


def _sum(expression, **filter_q):
    return Coalesce(Sum(expression, filter=Q(**filter_q) if filter_q else None), 0)


# Filing KPIs read the unit-month totals (reports.services keeps them), never the filings row by row. The
# Decision 766 sums are not coalesced: NULL (no unit-month reports them) stays None, "no data", not 0.
_FILING_SUMS = (
    {f"sum_{name}": _sum(name) for name in TOTAL_FIELDS}
    | {f"sum_{name}": Sum(name) for name in SCORE_TOTALS}
    | {"sum_by_field": _sum(Value(1), by_field=True)}
)


# The counts of offerings in force at a period's end (reports.models.OfferingTotal: one row per unit).
_OFFERING_SUMS = {
    "sum_offerings_all": _sum("offerings"),
    "sum_offerings_online": _sum("online"),
    "sum_offerings_full": _sum("full"),
}


def _units_valid_on(day):
    """Conditions on the rows' unit: it exists on `day`."""
    return (
        Q(unit__valid_from__isnull=True) | Q(unit__valid_from__lte=day),
        Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=day),
    )


def _online_offerings_used(period, approved_only):
    """The offerings online in force at the period's end whose (unit, procedure) received an online filing
    in the period (per procedure: from MonthlyFiling, through its unique (unit, procedure, year, month)
    index; with approved_only, in an approved unit-month), of units that existed at the period's end."""
    end = period.end
    online_filings = MonthlyFiling.objects.filter(
        period.filter_q(), unit_id=OuterRef("unit_id"), procedure_id=OuterRef("procedure_id"), received_online__gt=0
    )
    if approved_only:
        online_filings = online_filings.filter(approved_q())
    return (
        Offering.objects.in_force(end.year, end.month)
        .filter(*_units_valid_on(end.last_day), Exists(online_filings), service_level__in=_ONLINE)
        .order_by()
    )


def _plus(a, b):
    """The sum of two sums, either of which may be None (a Decision 766 sum without data): None only when
    both are."""
    return a if b is None else b if a is None else a + b


def _grouped(queryset, units, own, sums, unit_path="unit__path", unit_id="unit_id", by=()):
    """Run `sums` over `queryset` once per distinct depth of `units`, grouped by the unit each row
    belongs to (own: the row's unit; else: the ancestor among `units`). Returns {unit id: sums}; with
    `by` (more fields to group by, e.g. ("year", "month")), {(unit id, *their values): sums}."""

    def key(pk, row):
        return (pk, *(row[name] for name in by)) if by else pk

    result = {}
    if own:
        rows = queryset.filter(**{f"{unit_id}__in": [u.pk for u in units]}).values(unit_id, *by).annotate(**sums)
        return {key(row[unit_id], row): row for row in rows}
    by_depth = defaultdict(dict)
    for unit in units:
        by_depth[len(unit.path)][unit.path] = unit.pk
    for length, ids_by_path in by_depth.items():
        rows = (
            queryset.annotate(scope_path=Substr(unit_path, 1, length))
            .filter(scope_path__in=list(ids_by_path))
            .values("scope_path", *by)
            .annotate(**sums)
        )
        for row in rows:
            result[key(ids_by_path[row["scope_path"]], row)] = row
    return result


def approved_q():
    """True for a unit-month total whose unit-month a leader approved. A correlated EXISTS on UnitMonth's
    unique (unit, year, month) index, so that the condition stays inside the query that sums the totals
    (no extra query, whatever the number of units)."""
    return Exists(
        UnitMonth.objects.filter(
            unit_id=OuterRef("unit_id"),
            year=OuterRef("year"),
            month=OuterRef("month"),
            status=UnitMonthStatus.APPROVED,
        )
    )


def _with_predecessors(queryset, units, own, sums, tree, lineage, by=()):
    """`_grouped(queryset, units, own, sums, ...)`; in today's tree (Tree.TODAY), each unit's sums plus
    those of its predecessors (`lineage`, computed when not given), grouped by predecessor in one more
    query per distinct depth of the predecessors, then added to their successor here."""
    result = _grouped(queryset, units, own, sums, by=by)
    if tree != Tree.TODAY:
        return result
    lineage = lineage or predecessors_by_successor(units, own=own)
    extra = defaultdict(list)  # predecessor id -> [(the other grouping values, sums)]
    for key, row in _grouped(queryset, lineage.predecessors(), own, sums, by=by).items():
        pk, rest = (key[0], key[1:]) if by else (key, ())
        extra[pk].append((rest, row))
    for unit_pk, predecessors in lineage.added.items():
        for predecessor in predecessors:
            for rest, row in extra[predecessor.pk]:
                key = (unit_pk, *rest) if by else unit_pk
                total = result.setdefault(key, {name: value for name, value in row.items() if name in by})
                for name in sums:
                    total[name] = _plus(total.get(name), row[name])
    return result


def filing_sums(units, period, own, approved_only, by=(), *, tree=Tree.PERIOD, lineage: Lineage | None = None):
    """{unit id (or (unit id, *by)): sums of the unit-month totals} of each unit's subtree (own: its own
    rows) over the period, for kpi_values; grouped also `by` other columns (year, month) when given. In
    today's tree, each unit's sums add its predecessors' (their subtrees; own: their own rows)."""
    units = list(units)

    def compute():
        totals = UnitMonthTotal.objects.filter(period.filter_q()).order_by()
        if approved_only:
            totals = totals.filter(approved_q())
        return _with_predecessors(totals, units, own, _FILING_SUMS, tree, lineage, by=by)

    return _reused_sums("filing_sums", units, (period, own, approved_only, tuple(by)), tree, compute)


def offering_sums(
    units,
    period,
    own,
    *,
    tree=Tree.PERIOD,
    lineage: Lineage | None = None,
    approved_only: bool = False,
    with_filings: bool = True,
):
    """{unit id: counts of the offerings in force at the period's end} of each unit's subtree (or own); in
    today's tree, with its predecessors' (those that existed at the period's end). The counts read the
    offering totals (reports.models.OfferingTotal), one row per unit. With `with_filings` (the one KPI that
    needs it, procedures_with_online_filings_rate: one more query per depth of the units), also the online
    ones whose (unit, procedure) received an online filing in the period, read from the offerings and the
    filings themselves, counting the filings of approved unit-months only with `approved_only`."""
    units = list(units)

    def compute():
        end = period.end
        index = month_index(end.year, end.month)
        totals = OfferingTotal.objects.filter(
            Q(end__isnull=True) | Q(end__gt=index), *_units_valid_on(end.last_day), start__lte=index
        ).order_by()
        result = _with_predecessors(totals, units, own, _OFFERING_SUMS, tree, lineage)
        if with_filings:
            used = _with_predecessors(
                _online_offerings_used(period, approved_only),
                units,
                own,
                {"sum_offerings_online_used": _sum(Value(1))},
                tree,
                lineage,
            )
            for key, row in used.items():
                result.setdefault(key, {})["sum_offerings_online_used"] = row["sum_offerings_online_used"]
        return result

    # The counts depend on the period's end alone; the offerings' filings on the whole period and the status.
    parts = (period, own, approved_only, True) if with_filings else (period.end, own, False, False)
    return _reused_sums("offering_sums", units, parts, tree, compute)


# The most rows of sums stored for reuse (a province's units month by month: about 2,500).
REUSED_ROWS = 5000


def _reused_sums(kind, units, parts, tree, compute):
    """compute()'s sums of `units`, reused between requests while the data under them stay the same
    (reports.reuse; in today's tree the predecessors may be anywhere, so every unit's versions count)."""
    key = (tuple((unit.pk, unit.path) for unit in units), *parts, str(tree))
    path = "" if tree == Tree.TODAY else lambda: common_path(units)
    return reused(kind, key, path, compute, keep=lambda sums: len(sums) <= REUSED_ROWS)


def _targets(units, period):
    by_unit = defaultdict(dict)
    for target in Target.objects.filter(unit__in=[u.pk for u in units], year=period.end_year).order_by():
        by_unit[target.unit_id][target.kpi] = target.target
    return by_unit


def most_targeted_kpi(units, year: int) -> str | None:
    """The KPI that has targets for `year` on the most of `units` (the first in KPIS' order on a tie), or
    None when none has: what a ranking shows when nobody asked for a KPI. One query."""
    counts = dict(
        Target.objects.filter(unit__in=[u.pk for u in units], year=year)
        .order_by()
        .values_list("kpi")
        .annotate(units=Count("unit", distinct=True))
    )
    return max(KPIS, key=lambda key: counts.get(key, 0)) if counts else None


def kpi_values(filing, offering, targets, keys=None):
    """{KPI key: KpiValue} from filing_sums' and offering_sums' rows (either may be None) and the targets:
    the one spelling of every KPI's fraction. Only the KPIs of `keys` when given (a month series of
    thousands of units asks for the few it needs)."""
    f = defaultdict(int, filing or {})
    o = defaultdict(int, offering or {})
    # The Decision 766 sums: None where no unit-month reports them (no data), never 0.
    d = {name: (filing or {}).get(f"sum_{name}") for name in SCORE_TOTALS}
    fractions = {
        "online_rate": (f["sum_received_online"], f["sum_received_new"]),
        "online_rate_eligible": (f["sum_eligible_online"], f["sum_eligible_new"]),
        "procedures_online_rate": (o["sum_offerings_online"], o["sum_offerings_all"]),
        "procedures_full_online_rate": (o["sum_offerings_full"], o["sum_offerings_all"]),
        "on_time_rate": (f["sum_resolved_in_time"], f["sum_resolved_all"]),
        "sync_rate": (d["synced"], d["synced_base"]),
        "online_payment_rate": (d["paid_online"], d["fee_required"]),
        "digitisation_rate": (d["digitised"], d["digitised_base"]),
        "e_result_rate": (d["e_results"], d["e_results_base"]),
        "satisfaction_rate": (d["ratings_satisfied"], d["ratings"]),
        "procedures_with_online_filings_rate": (o["sum_offerings_online_used"], o["sum_offerings_online"]),
    }
    counts = {"postal_returns": f["sum_returned_postal"], "postal_received": f["sum_received_postal"]}
    values = {}
    for key in keys or KPIS:
        kpi = KPIS[key]
        target = targets.get(key)
        if kpi.is_rate:
            numerator, denominator = fractions[key]
            left_out = f["sum_by_field"] if kpi.needs_level else 0
            values[key] = KpiValue(
                kpi, numerator=numerator, denominator=denominator, target=target, field_level_unit_months=left_out
            )
        else:
            values[key] = KpiValue(kpi, count=counts[key], target=target)
    return values


def kpis_for_units(
    units,
    period: Period,
    *,
    own: bool = False,
    approved_only: bool = False,
    tree: Tree = Tree.PERIOD,
    lineage: Lineage | None = None,
    keys: tuple[str, ...] | None = None,
) -> dict[int, UnitKpis]:
    """Every KPI for each of `units` over `period` (only those of `keys` when given: the sums the others
    need are not read), in a fixed number of queries. With `approved_only`, the filing KPIs count only
    approved unit-months (a draft, submitted or returned month drops out). In today's tree
    (`tree=Tree.TODAY`), each unit's figures add its predecessors' (`lineage`: the units'
    predecessors_by_successor, computed when not given), named in `UnitKpis.predecessors` and `split`."""
    units = list(units)
    if not units:
        return {}
    if tree == Tree.TODAY and lineage is None:
        lineage = predecessors_by_successor(units, own=own)
    wanted = [KPIS[key] for key in keys] if keys else list(KPIS.values())
    filings, offerings = {}, {}
    if any(not kpi.from_offerings for kpi in wanted):
        filings = filing_sums(units, period, own, approved_only, tree=tree, lineage=lineage)
    if any(kpi.from_offerings for kpi in wanted):
        with_filings = any(kpi.with_filings for kpi in wanted)
        offerings = offering_sums(
            units, period, own, tree=tree, lineage=lineage, approved_only=approved_only, with_filings=with_filings
        )
    targets = _targets(units, period)
    return {
        unit.pk: UnitKpis(
            unit,
            period,
            own,
            kpi_values(filings.get(unit.pk), offerings.get(unit.pk), targets[unit.pk], keys),
            approved_only,
            tree,
            *_named(lineage, unit),
        )
        for unit in units
    }


def _named(lineage: Lineage | None, unit: Unit) -> tuple[tuple[Unit, ...], tuple[Unit, ...]]:
    """(predecessors added, units split) of one unit in a lineage; nothing without one."""
    if lineage is None:
        return (), ()
    return tuple(lineage.added.get(unit.pk, ())), tuple(lineage.split.get(unit.pk, ()))


def kpis_for(
    unit: Unit, period: Period, *, own: bool = False, approved_only: bool = False, tree: Tree = Tree.PERIOD
) -> UnitKpis:
    """Every KPI of DOMAIN.md for one unit (its subtree, or its own figures) over a period; with
    `approved_only`, from approved unit-months only; in today's tree, with its predecessors' figures."""
    return kpis_for_units([unit], period, own=own, approved_only=approved_only, tree=tree)[unit.pk]


def unapproved_unit_months(units, period: Period, *, own: bool = False) -> int:
    """How many unit-months with figures in the subtrees of `units` (own: in `units` themselves) over
    `period` are not approved: draft, submitted or returned (or with no unit-month row). These are what
    `approved_only` leaves out, and what a page counting every figure warns about. Units inside another
    one's subtree are counted once. One query."""
    units = list(units)
    if not units:
        return 0
    if own:
        where = Q(unit_id__in=[u.pk for u in units])
    else:
        where = Q()
        for path in {u.path for u in units}:
            where |= Q(unit__path__startswith=path)
    return UnitMonthTotal.objects.filter(where, period.filter_q()).exclude(approved_q()).count()


def units_active_in(queryset, period: Period):
    """Units that existed at some time during the period."""
    return queryset.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=period.end.last_day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.start.first_day),
    )


def ranked_units(period: Period, *, parent: Unit | None = None, roots=None, tree: Tree = Tree.PERIOD, today=None):
    """The units a ranking compares (a queryset): the parent's direct children, else the `roots` given (a
    queryset), else the top-level units; those that existed during the period, or in today's tree those
    that exist `today` (default: today's date), new units included."""
    if parent is not None:
        units = Unit.objects.filter(parent=parent)
    else:
        units = Unit.objects.roots() if roots is None else roots
    if tree == Tree.TODAY:
        return units.valid_on(today or timezone.localdate())
    return units_active_in(units, period)


def ranking(
    period: Period,
    kpi_key: str,
    *,
    parent: Unit | None = None,
    units=None,
    approved_only: bool = False,
    kind: str | None = None,
    values: dict | None = None,
    tree: Tree = Tree.PERIOD,
    within=None,
    today: datetime.date | None = None,
) -> Ranking:
    """Rank units by one KPI of their subtree: by default the parent's direct children (or the top-level
    units), of one `kind` when given, else the given `units`. Highest first; equal values share a rank
    and the next rank skips (1, 2, 2, 4); units without a value come last with no rank. Each row also has
    the unit's rank among the same units over the previous comparable period (Period.previous), and the
    ranking has the units' combined value (the ratio of sums). With `approved_only`, from approved
    unit-months only. `values`: the units' kpis_for_units already computed (with projections, say).
    Twice the queries of kpis_for_units, whatever the number of units.

    In today's tree (`tree=Tree.TODAY`), the default units are those that exist `today` (ranked_units),
    each with its predecessors' figures; the ranking names the predecessors added, the units split
    between several successors and, without a `kind`, the units with figures in the period that no ranked
    unit counts (`left_out`: in the parent's subtree, else in the subtrees of `within`, else anywhere).
    Three queries more.

    A computed KPI (reports.kpis.register_computed_kpi: the Decision 766 score) ranks by what its app
    computes, in the queries that app spends (fixed too), and has no combined value."""
    kpi = get_kpi(kpi_key)
    if units is None:
        units = ranked_units(period, parent=parent, tree=tree, today=today)
        if kind:
            units = units.filter(kind=kind)
    units = list(units)
    lineage = predecessors_by_successor(units) if tree == Tree.TODAY else None
    if kpi.key in COMPUTED_KPIS:
        compute = COMPUTED_KPIS[kpi.key].compute
        computed = compute(units, period, approved_only=approved_only, tree=tree, lineage=lineage)
        pairs = [(unit, computed[unit.pk]) for unit in units]
        before = compute(units, period.previous(), approved_only=approved_only, tree=tree, lineage=lineage)
        previous = _ranks([(unit, before[unit.pk]) for unit in units])
    else:
        if values is None:
            values = kpis_for_units(
                units, period, approved_only=approved_only, tree=tree, lineage=lineage, keys=(kpi.key,)
            )
        pairs = [(item.unit, item[kpi.key]) for item in values.values()]
        previous = _ranks(_one_kpi(units, period.previous(), kpi, approved_only, tree, lineage))
    rows = [RankingRow(rank, unit, value, previous.get(unit.pk)) for rank, unit, value in _ranked(pairs)]
    result = Ranking(parent, kpi, period, rows, approved_only, kind, _combined(kpi, [row.kpi_value for row in rows]))
    if lineage is None:
        return result
    split = {u.pk: u for ids in lineage.split.values() for u in ids}
    left_out = () if kind else _left_out(period, units, lineage, list(split.values()), parent, within)
    return replace(
        result,
        tree=tree,
        predecessors=tuple(lineage.predecessors()),
        split=tuple(sorted(split.values(), key=lambda u: u.path)),
        left_out=left_out,
    )


def _left_out(period, units, lineage, split, parent, within) -> tuple[Unit, ...]:
    """The units with figures of their own in the period, in the parent's subtree (else in those of
    `within`, else anywhere), that the ranked `units` do not count in today's tree: neither below one nor
    added to one (lineage), nor split among them. One query."""
    if parent is not None:
        where = Q(path__startswith=parent.path) & ~Q(pk=parent.pk)
    elif within is not None:
        where = Q(pk__in=[])
        for path in {u.path for u in within}:
            where |= Q(path__startswith=path)
    else:
        where = Q()
    with_figures = Exists(UnitMonthTotal.objects.filter(period.filter_q(), unit_id=OuterRef("pk")))
    counted = {u.path for u in [*units, *lineage.predecessors(), *split]}
    return tuple(
        unit
        for unit in Unit.objects.filter(where, with_figures).order_by("path")
        if not any(unit.path[:i] in counted for i in range(PATH_STEP, len(unit.path) + 1, PATH_STEP))
    )


def _one_kpi(units, period, kpi, approved_only, tree=Tree.PERIOD, lineage=None):
    """(unit, KpiValue) of one KPI, without targets: one query (in today's tree, one more per depth of
    the predecessors)."""
    if not units:
        return []
    if kpi.from_offerings:
        sums = offering_sums(
            units, period, False, tree=tree, lineage=lineage, approved_only=approved_only, with_filings=kpi.with_filings
        )
        return [(unit, kpi_values(None, sums.get(unit.pk), {})[kpi.key]) for unit in units]
    sums = filing_sums(units, period, False, approved_only, tree=tree, lineage=lineage)
    return [(unit, kpi_values(sums.get(unit.pk), None, {})[kpi.key]) for unit in units]


def _ranked(pairs):
    """(rank, unit, value) by value, highest first, then by code: competition ranks (1, 2, 2, 4), None for
    units without a value (last)."""
    scored = sorted(pairs, key=lambda pair: (pair[1].exact is None, -(pair[1].exact or 0), pair[0].code))
    out = []
    for position, (unit, value) in enumerate(scored, start=1):
        if value.exact is None:
            rank = None
        elif out and out[-1][2].exact == value.exact:
            rank = out[-1][0]
        else:
            rank = position
        out.append((rank, unit, value))
    return out


def _ranks(pairs):
    return {unit.pk: rank for rank, unit, _value in _ranked(pairs)}


def _combined(kpi, values):
    """The units taken together: sums of numerators over sums of denominators (never an average of
    rates; a Decision 766 rate without data in every unit has none), or the sum of a count. A score has
    none (None): the units' scores do not add up."""
    if kpi.is_score:
        return None
    if kpi.is_rate:
        reported = [v for v in values if v.denominator is not None] if kpi.optional else values
        if kpi.optional and not reported:
            return KpiValue(kpi)
        return KpiValue(
            kpi,
            numerator=sum(v.numerator or 0 for v in reported),
            denominator=sum(v.denominator or 0 for v in reported),
            field_level_unit_months=sum(v.field_level_unit_months for v in values),
        )
    return KpiValue(kpi, count=sum(v.count or 0 for v in values))
