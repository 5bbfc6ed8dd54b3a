"""KPIs month by month (reports.series.monthly_kpis): each month is what kpis_for gives for that month
alone, for a subtree or own figures, with approved figures only, in a fixed number of queries."""

from decimal import Decimal

import pytest

from core.periods import Month, Period
from filings.workflow import unit_month_approve, unit_month_submit
from reports.selectors import kpis_for
from reports.series import MONTHLY_KPIS, monthly_kpis
from tests.factories import FilingFactory, OfferingFactory, ProcedureFactory, TargetFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

FIRST_HALF = Period.parse("2019-01..2019-06")


@pytest.fixture
def tree():
    """A district with its centre and two communes; figures in January to April 2019 (none in May and
    June), the district none of its own."""
    district = UnitFactory(code="D", kind=UnitKind.DISTRICT)
    centre = UnitFactory(code="D.TTHCC", kind=UnitKind.CENTER, parent=district)
    a = UnitFactory(code="A", parent=district)
    b = UnitFactory(code="B", parent=district)
    procedure = ProcedureFactory()
    for unit in (centre, a, b):
        OfferingFactory(unit=unit, procedure=procedure)
    for month, (unit, online, direct, postal) in enumerate(
        [(centre, 30, 60, 10), (a, 7, 3, 0), (b, 1, 3, 2), (centre, 50, 50, 0)], start=1
    ):
        FilingFactory(
            unit=unit,
            procedure=procedure,
            month=month,
            received_online=online,
            received_direct=direct,
            received_postal=postal,
            resolved_on_time=online,
            resolved_late=direct,
            returned_postal=month,
        )
    FilingFactory(unit=a, procedure=procedure, month=4, received_online=5, received_direct=5)
    return {"district": district, "centre": centre, "a": a, "b": b}


def fractions(series, key="online_rate"):
    return [(kpis[key].numerator, kpis[key].denominator) for kpis in series.values()]


def test_every_month_of_the_period_in_order_with_the_subtrees_figures(tree):
    result = monthly_kpis(tree.values(), FIRST_HALF)
    district = result[tree["district"].pk]
    assert list(district) == [Month(2019, m) for m in range(1, 7)]
    assert fractions(district) == [(30, 100), (7, 10), (1, 6), (55, 110), (0, 0), (0, 0)]
    assert fractions(result[tree["a"].pk]) == [(0, 0), (7, 10), (0, 0), (5, 10), (0, 0), (0, 0)]
    assert [kpis["postal_returns"].value for kpis in district.values()] == [1, 2, 3, 4, 0, 0]
    assert district[Month(2019, 5)]["online_rate"].value is None
    assert district[Month(2019, 1)]["online_rate"].value == Decimal("30.00")


def test_each_month_is_what_kpis_for_gives_for_that_month(tree):
    for own in (False, True):
        result = monthly_kpis(tree.values(), FIRST_HALF, own=own)
        for unit in tree.values():
            for month, kpis in result[unit.pk].items():
                alone = kpis_for(unit, Period(month, month), own=own)
                assert kpis.period == Period(month, month) and kpis.own is own
                assert {key: value.as_json() for key, value in kpis.values.items()} == {
                    key: alone[key].as_json() for key in MONTHLY_KPIS
                }


def test_own_figures_leave_out_the_units_below(tree):
    result = monthly_kpis([tree["district"], tree["centre"]], FIRST_HALF, own=True)
    assert fractions(result[tree["district"].pk]) == [(0, 0)] * 6
    assert fractions(result[tree["centre"].pk]) == [(30, 100), (0, 0), (0, 0), (50, 100), (0, 0), (0, 0)]


def test_only_the_filing_kpis(tree):
    kpis = monthly_kpis([tree["district"]], FIRST_HALF)[tree["district"].pk][Month(2019, 1)]
    assert set(kpis.values) == set(MONTHLY_KPIS)
    assert "procedures_online_rate" not in kpis.values and "online_rate" in kpis.values


def test_each_month_carries_the_target_of_its_year(tree):
    TargetFactory(unit=tree["a"], year=2019, kpi="online_rate", target=40)
    TargetFactory(unit=tree["a"], year=2020, kpi="online_rate", target=60)
    FilingFactory(unit=tree["a"], year=2020, month=1, received_online=1, received_direct=1)
    series = monthly_kpis([tree["a"]], Period.parse("2019-12..2020-01"))[tree["a"].pk]
    assert [kpis["online_rate"].target for kpis in series.values()] == [Decimal(40), Decimal(60)]
    assert series[Month(2020, 1)]["online_rate"].met is False
    assert series[Month(2019, 12)]["online_rate"].met is None  # no figures, no value


def test_approved_only_counts_the_approved_months_alone(tree):
    admin = UserFactory(username="approver", role="admin")
    unit_month_submit(unit=tree["centre"], year=2019, month=4, user=None, confirm_warnings=True)
    unit_month_approve(unit=tree["centre"], year=2019, month=4, user=admin)
    series = monthly_kpis([tree["district"]], FIRST_HALF, approved_only=True)[tree["district"].pk]
    assert fractions(series) == [(0, 0), (0, 0), (0, 0), (50, 100), (0, 0), (0, 0)]
    assert all(kpis.approved_only for kpis in series.values())


def test_no_units_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert monthly_kpis([], FIRST_HALF) == {}


def test_a_fixed_number_of_queries_whatever_the_units_and_months(django_assert_max_num_queries):
    """One query for the figures per depth of the units (two depths here), one for the targets: the same
    for 2 units or 40, for 1 month or 24."""
    procedure = ProcedureFactory()

    def build(n):
        parent = UnitFactory(code=f"P{n}", kind=UnitKind.DISTRICT)
        children = [UnitFactory(code=f"P{n}-{i}", parent=parent) for i in range(n)]
        for child in children:
            FilingFactory(unit=child, procedure=procedure, month=3, received_online=1, received_direct=1)
            TargetFactory(unit=child)
        return [parent, *children]

    for n in (2, 40):
        units = build(n)
        for period in (Period.parse("2019-03"), Period.parse("2018-01..2019-12")):
            with django_assert_max_num_queries(3):
                result = monthly_kpis(units, period)
            assert result[units[0].pk][Month(2019, 3)]["online_rate"].denominator == 2 * n
        with django_assert_max_num_queries(2):
            monthly_kpis(units, Period.parse("2018-01..2019-12"), own=True)
