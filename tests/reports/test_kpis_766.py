"""The Decision 766 KPIs (docs/kpis.md, "Decision 766"): ratios of sums of the unit-month totals that report
their counts, "no data" (None, never 0) where none does; the share of online procedures with online filings
from the offerings at the period's end and the period's filings; targets on them; where they show."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from core.periods import Period
from filings.models import MonthlyFiling, UnitMonth, UnitMonthStatus
from procedures.models import ServiceLevel
from reports.kpis import DECISION_766, FORM_06, KPIS, kpis_of
from reports.models import UnitMonthTotal
from reports.projection import with_projections
from reports.selectors import Tree, kpis_for, kpis_for_units, ranking
from reports.services import targets_upsert
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

Q1 = Period.parse("2025-Q1")
RATES_766 = ["sync_rate", "online_payment_rate", "digitisation_rate", "e_result_rate", "satisfaction_rate"]


def total(unit, year, month, **sums):
    return UnitMonthTotal.objects.create(unit=unit, year=year, month=month, **sums)


@pytest.fixture
def town():
    d = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT)
    a = UnitFactory(code="A", name="Phường A", parent=d)
    b = UnitFactory(code="B", name="Phường B", parent=d)
    return {"D": d, "A": a, "B": b}


def test_the_families():
    assert [k.key for k in kpis_of(FORM_06)] == [
        "online_rate",
        "online_rate_eligible",
        "procedures_online_rate",
        "procedures_full_online_rate",
        "on_time_rate",
        "postal_returns",
        "postal_received",
    ]
    assert [k.key for k in kpis_of(DECISION_766)] == [*RATES_766, "procedures_with_online_filings_rate"]
    assert all(KPIS[key].optional for key in RATES_766)


def test_ratios_of_sums_over_the_unit_months_that_report_them(town):
    total(town["A"], 2025, 1, synced=9, synced_base=10, ratings_satisfied=1, ratings=2)
    total(town["A"], 2025, 2, received_new=50)  # nothing of Decision 766: adds nothing, not a 0
    total(town["B"], 2025, 3, synced=0, synced_base=90, paid_online=3, fee_required=4)
    values = kpis_for(town["D"], Q1).values
    assert (values["sync_rate"].numerator, values["sync_rate"].denominator) == (9, 100)  # never 9 / 150
    assert values["sync_rate"].value == Decimal("9.00")
    assert values["online_payment_rate"].value == Decimal("75.00")
    assert values["satisfaction_rate"].value == Decimal("50.00")
    for key in ("digitisation_rate", "e_result_rate"):
        assert values[key].no_data and values[key].value is None and values[key].numerator is None
        assert values[key].as_json() == {
            "numerator": None,
            "denominator": None,
            "value": None,
            "target": None,
            "gap": None,
            "met": None,
            "no_data": True,
        }
    assert "no_data" not in values["sync_rate"].as_json()
    # A's own: B's synced 0 / 90 is B's; reported 0 is a value, not "no data".
    b = kpis_for(town["B"], Q1).values["sync_rate"]
    assert (b.value, b.no_data) == (Decimal("0.00"), False)


def test_no_unit_month_no_data_and_a_fixed_number_of_queries(town, django_assert_num_queries):
    # The unit-month totals, the offering totals, the online offerings with online filings, the targets.
    with django_assert_num_queries(4):
        values = kpis_for_units([town["A"], town["B"]], Q1)
    assert all(values[town["A"].pk][key].no_data for key in RATES_766)


def test_targets_on_a_decision_766_kpi(town):
    total(town["D"], 2025, 1, synced=95, synced_base=100)
    targets_upsert([{"unit_id": town["D"].pk, "year": 2025, "kpi": "sync_rate", "target": 90}], reason="test")
    value = kpis_for(town["D"], Q1).values["sync_rate"]
    assert (value.target, value.met, value.gap, value.status) == (Decimal("90.00"), True, Decimal("5.00"), "met")


def test_todays_tree_adds_a_predecessors_sums_and_keeps_no_data(town):
    old = UnitFactory(code="OLD", parent=town["D"], valid_to=datetime.date(2025, 6, 30))
    old.successors.add(town["A"])
    total(old, 2025, 1, synced=1, synced_base=4)
    values = kpis_for(town["A"], Q1, tree=Tree.TODAY).values
    assert (values["sync_rate"].numerator, values["sync_rate"].denominator) == (1, 4)
    assert values["e_result_rate"].no_data


def test_the_ranking_and_its_units_together(town):
    total(town["A"], 2025, 1, digitised=1, digitised_base=4)
    result = ranking(Q1, "digitisation_rate", parent=town["D"])
    assert [(row.rank, row.unit.code) for row in result.rows] == [(1, "A"), (None, "B")]
    assert (result.combined.numerator, result.combined.denominator) == (1, 4)
    nobody = ranking(Q1, "e_result_rate", parent=town["D"])
    assert nobody.combined.no_data and nobody.combined.value is None


@pytest.fixture
def offered(town):
    """A: procedure 1 full (an online filing in February), 2 partial (desk filings only), 3 not online (an
    online filing anyway); B: procedure 1 full (an online filing in April only), 4 full (an online filing in
    January), 5 full from April (after the period's end)."""
    p = {n: ProcedureFactory(code=f"1.00000{n}") for n in range(1, 6)}
    a, b = town["A"], town["B"]
    OfferingFactory(unit=a, procedure=p[1], service_level=ServiceLevel.FULL)
    OfferingFactory(unit=a, procedure=p[2], service_level=ServiceLevel.PARTIAL)
    OfferingFactory(unit=a, procedure=p[3], service_level=ServiceLevel.NONE)
    OfferingFactory(unit=b, procedure=p[1], service_level=ServiceLevel.FULL)
    OfferingFactory(unit=b, procedure=p[4], service_level=ServiceLevel.FULL)
    OfferingFactory(unit=b, procedure=p[5], service_level=ServiceLevel.FULL, valid_from=datetime.date(2025, 4, 1))
    # Rows straight into the table (the KPI reads the filings themselves, per procedure).
    for unit, n, month, online, direct in [
        (a, 1, 2, 3, 1),
        (a, 2, 1, 0, 5),
        (a, 3, 1, 2, 0),
        (b, 1, 4, 6, 0),
        (b, 4, 1, 1, 0),
        (b, 5, 2, 1, 0),
    ]:
        MonthlyFiling.objects.create(
            unit=unit, procedure=p[n], year=2025, month=month, received_online=online, received_direct=direct
        )
    return p


def test_procedures_with_online_filings(town, offered):
    values = kpis_for_units([town["D"], town["A"], town["B"]], Q1)
    pairs = {
        code: (values[town[code].pk]["procedures_with_online_filings_rate"].numerator,
               values[town[code].pk]["procedures_with_online_filings_rate"].denominator)
        for code in "DAB"
    }  # fmt: skip
    # D: offered online at the end of March: A1, A2, B1, B4 (B5 starts in April); with an online filing in
    # Q1: A1 (February), B4 (January); B1's is in April, A3 is not offered online.
    assert pairs == {"D": (2, 4), "A": (1, 2), "B": (1, 2)}
    assert values[town["D"].pk]["procedures_with_online_filings_rate"].value == Decimal("50.00")
    # Approved months only: February of A approved, January of B not.
    UnitMonth.objects.create(unit=town["A"], year=2025, month=2, status=UnitMonthStatus.APPROVED)
    approved = kpis_for(town["D"], Q1, approved_only=True).values["procedures_with_online_filings_rate"]
    assert (approved.numerator, approved.denominator) == (1, 4)
    # Ranked from the offerings' query alone.
    result = ranking(Q1, "procedures_with_online_filings_rate", parent=town["D"])
    assert [(row.rank, row.unit.code) for row in result.rows] == [(1, "A"), (1, "B")]


def test_the_share_with_online_filings_has_no_projection(town, offered):
    today = datetime.date(2025, 5, 15)
    kpis = with_projections(kpis_for(town["D"], Period.parse("2025-01..2025-04")), today=today).as_json()["kpis"]
    assert kpis["procedures_with_online_filings_rate"]["projection"] is None


def test_the_home_table_keeps_form_06s_kpis_and_the_unit_page_shows_both(client, town):
    client.force_login(UserFactory(username="leader", role=Role.LEADER, units=[town["D"]]))
    home = client.get(reverse("home"), {"period": "2025-Q1"})
    assert [kpi.key for kpi in home.context["kpis"]] == [kpi.key for kpi in kpis_of(FORM_06)]
    unit = client.get(reverse("reports:unit", args=["D"]), {"period": "2025-Q1"})
    groups = unit.context["figure_groups"]
    assert [[v.kpi.key for v in values] for _label, values in groups] == [
        [k.key for k in kpis_of(FORM_06)],
        [k.key for k in kpis_of(DECISION_766)],
    ]
    assert 'data-kpi="sync_rate"' in unit.content.decode()


def test_the_kpi_command_prints_the_decision_766_kpis_apart(town):
    total(town["A"], 2025, 1, synced=9, synced_base=10)
    out = StringIO()
    call_command("kpi", "--unit", "D", "--period", "2025-Q1", stdout=out)
    lines = out.getvalue().splitlines()
    section = lines.index("Decision 766 index (manage.py score gives its points):")
    assert lines[section - 1] == ""
    assert all(line.split()[0] in {k.key for k in kpis_of(FORM_06)} for line in lines[3 : section - 1])
    rows = {line.split()[0]: line.split()[1:] for line in lines[section + 3 :]}
    assert rows["sync_rate"] == ["9", "10", "90,00"]
    assert rows["digitisation_rate"] == ["no", "data"]
