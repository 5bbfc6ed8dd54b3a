"""Rankings as leaders read them: competition ranks, the rank a unit held over the previous comparable
period, the status against each unit's target, one kind of unit at a time and the kind taken together."""

from decimal import Decimal

import pytest

from core.periods import Period
from reports.kpis import KPIS
from reports.selectors import CLOSE, MET, MISSED, KpiValue, most_targeted_kpi, ranking
from tests.factories import TargetFactory, UnitFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db


def rows(result):
    return [(row.rank, row.unit.code, row.previous_rank, row.kpi_value.status) for row in result.rows]


def test_each_row_has_its_rank_the_previous_one_and_its_status(town):
    result = ranking(Period.parse("2019-07"), "online_rate", parent=town)
    assert rows(result) == [
        (1, "X2", 3, MET),
        (2, "X3", None, CLOSE),  # no filings in June: no previous rank
        (3, "T.TTHCC", 2, None),  # no target
        (4, "X1", 1, MISSED),
    ]
    assert [row.rank_change for row in result.rows] == [2, None, -1, -3]
    assert result.as_json()["rows"][0]["previous_rank"] == 3


def test_one_kind_is_ranked_alone_and_taken_together_as_a_ratio_of_sums(town):
    result = ranking(Period.parse("2019-06..2019-07"), "online_rate", parent=town, kind=UnitKind.COMMUNE)
    # X3 80%; X1 and X2 50% each, tied (same rank, by code).
    assert [(row.rank, row.unit.code) for row in result.rows] == [(1, "X3"), (2, "X1"), (2, "X2")]
    # (8 + 9 + 1 + 1 + 9) / (10 + 20 + 20): sums over sums, not the mean of the three rates (60%).
    combined = result.combined
    assert (combined.numerator, combined.denominator, combined.value) == (28, 50, Decimal("56.00"))
    # The same months a year earlier have nothing: no previous ranks.
    assert {row.previous_rank for row in result.rows} == {None}


def test_a_count_kpi_is_combined_as_a_sum(town):
    result = ranking(Period.parse("2019-07"), "postal_returns", parent=town)
    assert result.combined.value == 0 and result.combined.kpi.key == "postal_returns"


@pytest.mark.parametrize(
    ("numerator", "denominator", "target", "status"),
    [
        (30, 100, "30", MET),
        (2501, 10000, "30", CLOSE),  # 25.01: 4.99 points below
        (25, 100, "30", MISSED),  # exactly 5 points below is not close
        (0, 0, "30", None),  # nothing to divide by
        (10, 100, None, None),  # no target
    ],
)
def test_status_against_the_target(numerator, denominator, target, status):
    value = KpiValue(
        KPIS["online_rate"],
        numerator=numerator,
        denominator=denominator,
        target=None if target is None else Decimal(target),
    )
    assert value.status == status


def test_a_count_is_close_within_a_tenth_of_its_target():
    kpi = KPIS["postal_returns"]
    assert KpiValue(kpi, count=91, target=Decimal(100)).status == CLOSE
    assert KpiValue(kpi, count=90, target=Decimal(100)).status == MISSED
    assert KpiValue(kpi, count=100, target=Decimal(100)).status == MET


def test_the_ranking_runs_a_fixed_number_of_queries_whatever_the_units(town, django_assert_num_queries):
    period = Period.parse("2019-07")
    # The units, the ranked KPI's sums (a filing KPI: the unit-month totals alone), the targets, the previous
    # period's sums.
    with django_assert_num_queries(4) as captured:
        ranking(period, "online_rate", parent=town)
    for code in ("X4", "X5", "X6"):
        UnitFactory(code=code, kind=UnitKind.COMMUNE, parent=town)
    with django_assert_num_queries(len(captured.captured_queries)):
        ranking(period, "online_rate", parent=town)


def test_the_most_targeted_kpi_counts_units_and_breaks_ties_in_the_kpis_order():
    a, b, c = (UnitFactory(code=code) for code in "ABC")
    assert most_targeted_kpi([a, b, c], 2019) is None
    TargetFactory(unit=a, year=2019, kpi="on_time_rate", target=90)
    TargetFactory(unit=b, year=2019, kpi="on_time_rate", target=90)
    TargetFactory(unit=c, year=2019, kpi="online_rate", target=30)
    TargetFactory(unit=c, year=2018, kpi="online_rate_eligible", target=30)
    assert most_targeted_kpi([a, b, c], 2019) == "on_time_rate"
    TargetFactory(unit=a, year=2019, kpi="online_rate", target=30)
    assert most_targeted_kpi([a, b, c], 2019) == "online_rate"  # 2 against 2: the first in KPIS' order
    assert most_targeted_kpi([c], 2018) == "online_rate_eligible"
