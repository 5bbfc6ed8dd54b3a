"""The KPI engine on hand-made data: every formula, exactness, scope, offerings over time, targets."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from core.periods import Period
from core.rates import round_half_up
from filings.workflow import unit_month_approve, unit_month_return, unit_month_submit
from procedures.models import ServiceLevel
from reports.selectors import kpis_for, kpis_for_units, ranking, unapproved_unit_months
from tests.factories import (
    FilingFactory,
    OfferingFactory,
    ProcedureFactory,
    TargetFactory,
    UnitFactory,
    UserFactory,
)
from units.models import UnitKind

pytestmark = pytest.mark.django_db

JAN_JUL_2019 = Period.parse("2019-01..2019-07")


@pytest.fixture
def tree():
    """A district with its centre and two communes."""
    district = UnitFactory(code="D", kind=UnitKind.DISTRICT)
    return {
        "district": district,
        "centre": UnitFactory(code="D.TTHCC", kind=UnitKind.CENTER, parent=district),
        "a": UnitFactory(code="A", parent=district),
        "b": UnitFactory(code="B", parent=district),
    }


def json_of(unit, period=JAN_JUL_2019, **kwargs):
    return kpis_for(unit, period, **kwargs).as_json()["kpis"]


def test_each_rate_formula(tree):
    procedure = ProcedureFactory()
    OfferingFactory(unit=tree["a"], procedure=procedure, service_level=ServiceLevel.PARTIAL)
    FilingFactory(
        unit=tree["a"],
        procedure=procedure,
        month=3,
        carried_over=5,
        received_online=30,
        received_direct=60,
        received_postal=10,
        resolved_early=50,
        resolved_on_time=30,
        resolved_late=20,
        pending_on_time=4,
        pending_overdue=1,
        returned_postal=7,
    )
    kpis = json_of(tree["a"])
    assert (kpis["online_rate"]["numerator"], kpis["online_rate"]["denominator"]) == (30, 100)
    assert kpis["online_rate"]["value"] == "30.00"
    assert (kpis["online_rate_eligible"]["numerator"], kpis["online_rate_eligible"]["denominator"]) == (30, 100)
    assert (kpis["on_time_rate"]["numerator"], kpis["on_time_rate"]["denominator"]) == (80, 100)
    assert kpis["on_time_rate"]["value"] == "80.00"
    assert kpis["postal_returns"] == {"value": 7, "target": None, "gap": None, "met": None}
    assert kpis["postal_received"]["value"] == 10
    assert kpis["procedures_online_rate"]["value"] == "100.00"
    assert kpis["procedures_full_online_rate"]["value"] == "0.00"


def test_procedure_rates_count_offerings_of_every_level(tree):
    for level, n in [(ServiceLevel.FULL, 3), (ServiceLevel.PARTIAL, 2), (ServiceLevel.NONE, 5)]:
        for _ in range(n):
            OfferingFactory(unit=tree["centre"], service_level=level)
    kpis = json_of(tree["centre"])
    assert (kpis["procedures_online_rate"]["numerator"], kpis["procedures_online_rate"]["denominator"]) == (5, 10)
    assert (kpis["procedures_full_online_rate"]["numerator"], kpis["procedures_full_online_rate"]["denominator"]) == (
        3,
        10,
    )


def test_subtree_rate_is_a_ratio_of_sums_not_an_average(tree):
    """50% of 2 filings and 0% of 98 filings is 1%, not 25%."""
    FilingFactory(unit=tree["a"], received_online=1, received_direct=1)
    FilingFactory(unit=tree["b"], received_online=0, received_direct=98)
    kpis = json_of(tree["district"])
    assert (kpis["online_rate"]["numerator"], kpis["online_rate"]["denominator"]) == (1, 100)
    assert kpis["online_rate"]["value"] == "1.00"


def test_own_leaves_out_the_units_below(tree):
    FilingFactory(unit=tree["district"], received_online=3, received_direct=1)
    FilingFactory(unit=tree["a"], received_online=0, received_direct=96)
    assert json_of(tree["district"], own=True)["online_rate"]["value"] == "75.00"
    assert json_of(tree["district"])["online_rate"]["value"] == "3.00"
    assert kpis_for(tree["district"], JAN_JUL_2019, own=True).as_json()["scope"] == "own"


def test_zero_denominator_has_no_value(tree):
    FilingFactory(unit=tree["a"], received_online=0, received_direct=0, pending_on_time=3)
    kpis = json_of(tree["a"])
    for key in ["online_rate", "online_rate_eligible", "on_time_rate", "procedures_online_rate"]:
        assert kpis[key]["value"] is None, key
        assert kpis[key]["denominator"] == 0
    assert kpis["postal_returns"]["value"] == 0


def test_values_round_half_up_only_for_display(tree):
    """209 / 800 = 26.125 shows 26.13 (banker's rounding would give 26.12)."""
    FilingFactory(unit=tree["a"], received_online=209, received_direct=591)
    assert json_of(tree["a"])["online_rate"]["value"] == "26.13"


def test_round_half_up_is_exact_and_symmetric():
    assert round_half_up(Fraction(26125, 1000)) == Decimal("26.13")
    assert round_half_up(Fraction(-3845, 1000)) == Decimal("-3.85")
    assert round_half_up(Fraction(92900, 3553)) == Decimal("26.15")
    assert round_half_up(Fraction(0)) == Decimal("0.00")
    assert str(round_half_up(Fraction(100))) == "100.00"


def test_filings_outside_the_period_are_left_out(tree):
    FilingFactory(unit=tree["a"], year=2019, month=7, received_online=1)
    FilingFactory(unit=tree["a"], year=2019, month=8, received_online=0, received_direct=1)
    FilingFactory(unit=tree["a"], year=2018, month=7, received_online=0, received_direct=1)
    assert json_of(tree["a"])["online_rate"]["denominator"] == 1


def test_eligible_rate_uses_the_offering_in_force_each_month(tree):
    """A procedure offered online from 15 March counts from March on, the whole month."""
    procedure = ProcedureFactory()
    OfferingFactory(unit=tree["a"], procedure=procedure, service_level=ServiceLevel.NONE)
    OfferingFactory(
        unit=tree["a"], procedure=procedure, service_level=ServiceLevel.FULL, valid_from=datetime.date(2019, 3, 15)
    )
    for month in range(1, 8):
        FilingFactory(unit=tree["a"], procedure=procedure, month=month, received_online=month, received_direct=10)
    kpis = json_of(tree["a"])
    online_from_march = sum(range(3, 8))
    assert kpis["online_rate_eligible"]["numerator"] == online_from_march
    assert kpis["online_rate_eligible"]["denominator"] == online_from_march + 5 * 10
    assert kpis["online_rate"]["denominator"] == sum(range(1, 8)) + 70


def test_eligible_rate_ignores_procedures_not_offered_online_and_other_units_offerings(tree):
    online, offline, unoffered = ProcedureFactory(), ProcedureFactory(), ProcedureFactory()
    OfferingFactory(unit=tree["a"], procedure=online, service_level=ServiceLevel.FULL)
    OfferingFactory(unit=tree["a"], procedure=offline, service_level=ServiceLevel.NONE)
    OfferingFactory(unit=tree["b"], procedure=unoffered, service_level=ServiceLevel.FULL)
    FilingFactory(unit=tree["a"], procedure=online, received_online=10, received_direct=30)
    FilingFactory(unit=tree["a"], procedure=offline, received_online=0, received_direct=60)
    FilingFactory(unit=tree["a"], procedure=unoffered, received_online=0, received_direct=40)
    kpis = json_of(tree["a"])
    assert (kpis["online_rate_eligible"]["numerator"], kpis["online_rate_eligible"]["denominator"]) == (10, 40)


def test_procedure_rates_use_the_offerings_in_force_at_the_end_of_the_period(tree):
    p1, p2 = ProcedureFactory(), ProcedureFactory()
    OfferingFactory(unit=tree["a"], procedure=p1, service_level=ServiceLevel.NONE)
    OfferingFactory(
        unit=tree["a"], procedure=p1, service_level=ServiceLevel.FULL, valid_from=datetime.date(2019, 7, 31)
    )
    OfferingFactory(unit=tree["a"], procedure=p2, service_level=ServiceLevel.PARTIAL)
    OfferingFactory(unit=tree["a"], procedure=p2, service_level=ServiceLevel.NONE, valid_from=datetime.date(2019, 8, 1))
    OfferingFactory(unit=tree["a"], service_level=ServiceLevel.FULL, valid_from=datetime.date(2019, 9, 1))
    kpis = json_of(tree["a"])
    assert (kpis["procedures_online_rate"]["numerator"], kpis["procedures_online_rate"]["denominator"]) == (2, 2)
    assert kpis["procedures_full_online_rate"]["numerator"] == 1
    assert json_of(tree["a"], Period.parse("2019-06"))["procedures_online_rate"]["numerator"] == 1


def test_procedure_rates_over_a_subtree_count_each_units_offerings(tree):
    shared = ProcedureFactory()
    OfferingFactory(unit=tree["a"], procedure=shared, service_level=ServiceLevel.FULL)
    OfferingFactory(unit=tree["b"], procedure=shared, service_level=ServiceLevel.NONE)
    OfferingFactory(unit=tree["centre"], procedure=shared, service_level=ServiceLevel.PARTIAL)
    kpis = json_of(tree["district"])
    assert (kpis["procedures_online_rate"]["numerator"], kpis["procedures_online_rate"]["denominator"]) == (2, 3)


def test_offerings_of_units_gone_by_the_end_of_the_period_are_left_out(tree):
    tree["b"].valid_to = datetime.date(2019, 6, 30)
    tree["b"].save()
    OfferingFactory(unit=tree["a"], service_level=ServiceLevel.FULL)
    OfferingFactory(unit=tree["b"], service_level=ServiceLevel.NONE)
    assert json_of(tree["district"])["procedures_online_rate"]["denominator"] == 1
    assert json_of(tree["district"], Period.parse("2019-06"))["procedures_online_rate"]["denominator"] == 2


def test_target_gap_and_met(tree):
    FilingFactory(unit=tree["centre"], received_online=929, received_direct=3553 - 929)
    TargetFactory(unit=tree["centre"], year=2019, kpi="online_rate", target=30)
    TargetFactory(unit=tree["centre"], year=2019, kpi="on_time_rate", target=95)
    TargetFactory(unit=tree["centre"], year=2018, kpi="postal_returns", target=5)
    kpis = json_of(tree["centre"])
    assert kpis["online_rate"] == {
        "numerator": 929,
        "denominator": 3553,
        "value": "26.15",
        "target": "30.00",
        "gap": "-3.85",
        "met": False,
    }
    assert kpis["on_time_rate"]["target"] == "95.00"
    assert kpis["on_time_rate"]["gap"] is None and kpis["on_time_rate"]["met"] is None
    assert kpis["postal_returns"]["target"] is None


def test_a_target_is_met_when_the_exact_value_reaches_it(tree):
    FilingFactory(unit=tree["a"], received_online=3, received_direct=7)
    TargetFactory(unit=tree["a"], year=2019, kpi="online_rate", target=30)
    TargetFactory(unit=tree["a"], year=2019, kpi="postal_received", target=1)
    kpis = json_of(tree["a"], Period.parse("2019"))
    assert (kpis["online_rate"]["gap"], kpis["online_rate"]["met"]) == ("0.00", True)
    assert (kpis["postal_received"]["gap"], kpis["postal_received"]["met"]) == ("-1.00", False)


def test_a_target_applies_to_its_own_unit_and_the_year_the_period_ends(tree):
    FilingFactory(unit=tree["a"], year=2019, month=12, received_online=1, received_direct=1)
    TargetFactory(unit=tree["district"], year=2020, kpi="online_rate", target=40)
    TargetFactory(unit=tree["district"], year=2019, kpi="online_rate", target=10)
    assert json_of(tree["a"], Period.parse("2019-12..2020-01"))["online_rate"]["target"] is None
    assert json_of(tree["district"], Period.parse("2019-12..2020-01"))["online_rate"]["target"] == "40.00"
    assert json_of(tree["district"], Period.parse("2019-12"))["online_rate"]["target"] == "10.00"


def ranking_rows(period, kpi, **kwargs):
    return [(r["rank"], r["unit"], r["value"]) for r in ranking(period, kpi, **kwargs).as_json()["rows"]]


def test_ranking_gives_ties_the_same_rank_and_skips_the_next(tree):
    district = tree["district"]
    for code, online, total in [("W1", 9, 10), ("W2", 1, 2), ("W3", 50, 100), ("W4", 1, 10)]:
        FilingFactory(
            unit=UnitFactory(code=code, parent=district), received_online=online, received_direct=total - online
        )
    rows = ranking_rows(JAN_JUL_2019, "online_rate", parent=district)
    assert rows[:4] == [(1, "W1", "90.00"), (2, "W2", "50.00"), (2, "W3", "50.00"), (4, "W4", "10.00")]
    assert [(rank, value) for rank, _code, value in rows[4:]] == [(None, None)] * 3
    assert {code for _rank, code, _value in rows[4:]} == {"A", "B", "D.TTHCC"}


def test_ranking_compares_exact_values_not_rounded_ones(tree):
    # 1/3 = 33.333..% and 33333/100000 = 33.333%: equal when rounded, different exactly.
    FilingFactory(unit=tree["a"], received_online=1, received_direct=2)
    FilingFactory(unit=tree["b"], received_online=33333, received_direct=66667)
    rows = ranking_rows(JAN_JUL_2019, "online_rate", parent=tree["district"])
    assert rows[:2] == [(1, "A", "33.33"), (2, "B", "33.33")]


def test_ranking_of_counts_highest_first(tree):
    FilingFactory(unit=tree["a"], returned_postal=3, resolved_on_time=3)
    FilingFactory(unit=tree["b"], returned_postal=8, resolved_on_time=8)
    rows = ranking_rows(JAN_JUL_2019, "postal_returns", parent=tree["district"])
    assert rows == [(1, "B", 8), (2, "A", 3), (3, "D.TTHCC", 0)]


def test_ranking_without_parent_ranks_the_top_level_units(tree):
    other = UnitFactory(code="P2", kind=UnitKind.PROVINCE)
    FilingFactory(unit=UnitFactory(code="C2", parent=other), received_online=1, received_direct=1)
    FilingFactory(unit=tree["a"], received_online=1, received_direct=3)
    assert ranking_rows(JAN_JUL_2019, "online_rate") == [(1, "P2", "50.00"), (2, "D", "25.00")]


def test_ranking_leaves_out_units_that_did_not_exist_in_the_period(tree):
    UnitFactory(code="OLD", parent=tree["district"], valid_to=datetime.date(2018, 12, 31))
    UnitFactory(code="NEW", parent=tree["district"], valid_from=datetime.date(2025, 7, 1))
    codes = {code for _rank, code, _value in ranking_rows(JAN_JUL_2019, "online_rate", parent=tree["district"])}
    assert codes == {"A", "B", "D.TTHCC"}


def test_kpis_for_many_units_run_a_fixed_number_of_queries():
    def build(n):
        parent = UnitFactory(code=f"P{n}", kind=UnitKind.DISTRICT)
        children = [UnitFactory(code=f"P{n}-{i}", parent=parent) for i in range(n)]
        for child in children:
            grandchild = UnitFactory(code=f"{child.code}-x", parent=child)
            FilingFactory(unit=grandchild, received_online=1, received_direct=1)
            OfferingFactory(unit=grandchild)
            TargetFactory(unit=child)
        return parent, children

    counts = []
    for n in (2, 25):
        parent, children = build(n)
        with CaptureQueriesContext(connection) as queries:
            result = kpis_for_units(children + [parent], JAN_JUL_2019)
        assert result[parent.pk]["online_rate"].denominator == 2 * n
        assert result[children[0].pk]["online_rate"].target == Decimal("30")
        counts.append(len(queries))
    # Per depth of the units (two here): the unit-month totals, the offering totals and the online offerings
    # with online filings; and the targets.
    assert counts[0] == counts[1] <= 7


# --- approved figures only ---------------------------------------------------------------------------


def move(unit, month, status, year=2019):
    """Take a unit-month through the workflow, as an administrator would, to `status`."""
    admin = UserFactory(username="approver", role=Role.ADMIN)
    if status == "draft":
        return
    unit_month_submit(unit=unit, year=year, month=month, user=None, confirm_warnings=True)  # as an import would
    if status == "approved":
        unit_month_approve(unit=unit, year=year, month=month, user=admin)
    elif status == "returned":
        unit_month_return(unit=unit, year=year, month=month, user=admin, reason="Số liệu chưa khớp")


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_approved_only_drops_the_months_not_approved_and_keeps_the_approved_ones(tree, status):
    procedure = ProcedureFactory()
    OfferingFactory(unit=tree["a"], procedure=procedure, service_level=ServiceLevel.FULL)
    OfferingFactory(unit=tree["b"], service_level=ServiceLevel.NONE)
    FilingFactory(
        unit=tree["a"],
        procedure=procedure,
        month=1,
        received_online=30,
        received_direct=70,
        resolved_on_time=9,
        resolved_late=1,
        returned_postal=5,
    )
    FilingFactory(
        unit=tree["a"],
        procedure=procedure,
        month=2,
        received_online=1,
        received_direct=9,
        resolved_late=4,
        returned_postal=2,
    )
    move(tree["a"], 1, "approved")
    move(tree["a"], 2, status)

    every = kpis_for(tree["district"], JAN_JUL_2019).as_json()
    approved = kpis_for(tree["district"], JAN_JUL_2019, approved_only=True).as_json()

    assert every["approved_only"] is False and approved["approved_only"] is True
    assert (every["kpis"]["online_rate"]["numerator"], every["kpis"]["online_rate"]["denominator"]) == (31, 110)
    for key in ("online_rate", "online_rate_eligible"):
        assert (approved["kpis"][key]["numerator"], approved["kpis"][key]["denominator"]) == (30, 100), key
    on_time = approved["kpis"]["on_time_rate"]
    assert (on_time["numerator"], on_time["denominator"]) == (9, 10)
    assert approved["kpis"]["postal_returns"]["value"] == 5
    # The procedure rates come from the offerings, not from filings: the switch leaves them alone.
    for key in ("procedures_online_rate", "procedures_full_online_rate"):
        assert approved["kpis"][key] == every["kpis"][key]
        assert (every["kpis"][key]["numerator"], every["kpis"][key]["denominator"]) == (1, 2)


def test_approved_only_with_nothing_approved_has_no_value(tree):
    FilingFactory(unit=tree["a"], received_online=3, received_direct=1)
    kpis = kpis_for(tree["a"], JAN_JUL_2019, approved_only=True)["online_rate"]
    assert (kpis.numerator, kpis.denominator, kpis.value) == (0, 0, None)


def test_approved_only_applies_to_own_figures_and_to_each_unit_of_a_batch(tree):
    FilingFactory(unit=tree["district"], received_online=3, received_direct=1)
    FilingFactory(unit=tree["a"], received_online=1, received_direct=1)
    FilingFactory(unit=tree["b"], received_online=0, received_direct=4)
    move(tree["district"], 1, "approved")
    move(tree["a"], 1, "approved")
    assert json_of(tree["district"], own=True, approved_only=True)["online_rate"]["denominator"] == 4
    result = kpis_for_units([tree["district"], tree["a"], tree["b"]], JAN_JUL_2019, approved_only=True)
    assert [result[tree[k].pk]["online_rate"].denominator for k in ("district", "a", "b")] == [6, 2, 0]
    assert all(item.approved_only for item in result.values())


def test_ranking_with_approved_only_ranks_the_approved_figures(tree):
    FilingFactory(unit=tree["a"], received_online=1, received_direct=1)
    FilingFactory(unit=tree["b"], received_online=9, received_direct=1)
    move(tree["a"], 1, "approved")
    assert ranking_rows(JAN_JUL_2019, "online_rate", parent=tree["district"])[:2] == [
        (1, "B", "90.00"),
        (2, "A", "50.00"),
    ]
    result = ranking(JAN_JUL_2019, "online_rate", parent=tree["district"], approved_only=True)
    assert result.as_json()["approved_only"] is True
    assert [(r["rank"], r["unit"], r["value"]) for r in result.as_json()["rows"]][:2] == [
        (1, "A", "50.00"),
        (None, "B", None),
    ]
    assert ranking(JAN_JUL_2019, "online_rate", parent=tree["district"]).as_json()["approved_only"] is False


def test_unapproved_unit_months_counts_what_approved_only_leaves_out(tree, django_assert_num_queries):
    other = UnitFactory(code="OTHER", kind=UnitKind.DISTRICT)
    FilingFactory(unit=tree["a"], month=1)  # approved below
    FilingFactory(unit=tree["a"], month=2)  # draft
    FilingFactory(unit=tree["b"], month=1)  # submitted below
    FilingFactory(unit=tree["b"], month=8)  # draft, after the period
    FilingFactory(unit=other, month=1)  # draft, another subtree
    move(tree["a"], 1, "approved")
    move(tree["b"], 1, "submitted")

    with django_assert_num_queries(1):
        assert unapproved_unit_months([tree["district"]], JAN_JUL_2019) == 2
    assert unapproved_unit_months([tree["a"]], JAN_JUL_2019) == 1
    # A unit inside another one's subtree is not counted twice.
    assert unapproved_unit_months([tree["district"], tree["a"]], JAN_JUL_2019) == 2
    assert unapproved_unit_months([tree["district"], other], JAN_JUL_2019) == 3
    assert unapproved_unit_months([tree["district"]], JAN_JUL_2019, own=True) == 0
    assert unapproved_unit_months([tree["b"]], Period.parse("2019")) == 2
    assert unapproved_unit_months([], JAN_JUL_2019) == 0

    move(tree["a"], 2, "approved")
    admin = UserFactory(username="approver")
    unit_month_approve(unit=tree["b"], year=2019, month=1, user=admin)
    assert unapproved_unit_months([tree["district"]], JAN_JUL_2019) == 0


def test_approved_only_runs_the_same_fixed_number_of_queries():
    def build(n):
        parent = UnitFactory(code=f"Q{n}", kind=UnitKind.DISTRICT)
        children = [UnitFactory(code=f"Q{n}-{i}", parent=parent) for i in range(n)]
        for i, child in enumerate(children):
            grandchild = UnitFactory(code=f"{child.code}-x", parent=child)
            FilingFactory(unit=grandchild, received_online=1, received_direct=1)
            if i % 2 == 0:
                move(grandchild, 1, "approved")
            OfferingFactory(unit=grandchild)
            TargetFactory(unit=child)
        return parent, children

    counts = []
    for n in (2, 25):
        parent, children = build(n)
        for approved_only in (False, True):
            with CaptureQueriesContext(connection) as queries:
                result = kpis_for_units(children + [parent], JAN_JUL_2019, approved_only=approved_only)
            approved = (n + 1) // 2
            assert result[parent.pk]["online_rate"].denominator == 2 * (approved if approved_only else n)
            counts.append(len(queries))
    assert len(set(counts)) == 1 and counts[0] <= 7
