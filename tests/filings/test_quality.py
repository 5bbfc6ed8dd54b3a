"""The data-quality warnings of filings.quality: the outlier method on small and large numbers, and the
warnings of a unit-month as the clerk and the leader see them."""

import pytest

from core.periods import Month
from filings.quality import figure_range, rate_is_outlier, unit_month_warnings
from filings.services import Source, filings_upsert
from procedures.models import ServiceLevel
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory


def test_a_figure_range_needs_three_months():
    assert figure_range([100, 120]) is None
    assert figure_range([100, 120, 110]) is not None


def test_a_typing_slip_is_flagged_and_a_normal_month_is_not():
    low, high = figure_range([96, 104, 100, 110, 90, 101])
    assert low <= 75 and high >= 125  # an ordinary swing
    assert high < 1000 and low > 0  # 1000 (an extra zero) and 0 (a forgotten month) are flagged


def test_small_steady_numbers_are_not_flagged_for_what_chance_explains():
    low, high = figure_range([1, 0, 2, 1, 0, 1])
    assert low == 0 and high >= 11  # at least 10 filings away from the median before a warning
    low, high = figure_range([0, 0, 0, 0])
    assert (low, high) == (0, 10)


def test_the_spread_grows_with_the_size_of_the_numbers():
    # A steady 10,000 a month: the Poisson spread (100) sets the bounds, not a MAD of 0.
    low, high = figure_range([10_000] * 6)
    assert (low, high) == (9_500, 10_500)


def test_tam_kys_june_2023_collapse_is_a_rate_outlier():
    """June 2023: 43 online of 2,150 new filings (2%) against 48% before the switch of software."""
    assert rate_is_outlier(43, 2150, 6705, 13796)
    assert not rate_is_outlier(1050, 2150, 6705, 13796)  # 48.8%, as usual


def test_a_small_communes_swing_is_not_a_rate_outlier():
    assert not rate_is_outlier(0, 10, 400, 1000)  # 0 of 10 against 40%: z = -2.6
    assert not rate_is_outlier(5, 10, 4, 10)  # a baseline of 10 filings says too little
    assert not rate_is_outlier(0, 0, 400, 1000)


def test_a_large_but_small_in_points_change_is_not_flagged():
    # 45% against 48% on 20,000 filings is statistically significant but only 3 points: not a warning.
    assert not rate_is_outlier(9000, 20000, 48000, 100000)


@pytest.mark.django_db
def test_the_warnings_of_a_unit_month():
    unit = UnitFactory(code="20314")
    birth, copy, other = (ProcedureFactory(code=code) for code in ("1.001193", "2.000908", "1.000001"))
    OfferingFactory(unit=unit, procedure=birth, service_level=ServiceLevel.FULL)
    OfferingFactory(unit=unit, procedure=copy, service_level=ServiceLevel.NONE)
    june = Month(2023, 6)
    rows = []
    for k in range(1, 7):
        m = june.shift(-k)
        rows += [
            {
                "unit_id": unit.pk,
                "procedure_id": birth.pk,
                "year": m.year,
                "month": m.month,
                "received_online": 50,
                "received_direct": 50,
                "resolved_on_time": 100,
            },
            {
                "unit_id": unit.pk,
                "procedure_id": other.pk,
                "year": m.year,
                "month": m.month,
                "received_direct": 30,
                "resolved_on_time": 30,
            },
        ]
    rows += [
        {
            "unit_id": unit.pk,
            "procedure_id": birth.pk,
            "year": 2023,
            "month": 6,
            "received_online": 2,
            "received_direct": 98,
            "resolved_on_time": 100,
        },
        {
            "unit_id": unit.pk,
            "procedure_id": copy.pk,
            "year": 2023,
            "month": 6,
            "received_online": 3,
            "resolved_on_time": 2,
        },
    ]
    filings_upsert(rows, source=Source.IMPORT)
    flags = unit_month_warnings(unit, 2023, 6)
    kinds = sorted((flag.kind, flag.item_id) for flag in flags)
    assert ("balance", copy.pk) in kinds  # 3 received, 2 resolved, none pending
    assert ("not_online", copy.pk) in kinds
    assert ("figure", other.pk) in kinds  # usually 30 a month, none this month: forgotten?
    assert ("rate", None) in kinds  # 5 / 103 online against 50%
    assert ("figure", birth.pk) not in kinds  # 100 new filings, as usual
