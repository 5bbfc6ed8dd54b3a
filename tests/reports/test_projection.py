"""Year-end projections (reports.projection, CONTRACT.md "kpi --json: projection"): the method on plain
numbers, then on hand-made figures through with_projections, `kpi --json` and /api/v1/kpi."""

import datetime
import json
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role
from accounts.tokens import api_token_create
from core.periods import Period
from filings.services import Source, filings_upsert
from procedures.models import ServiceLevel
from reports import projection as projection_module
from reports.projection import (
    AT_RISK,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    project_rate,
    project_stock,
    projected_year,
    projection_status,
    with_projections,
)
from reports.selectors import kpis_for, kpis_for_units
from tests.factories import OfferingFactory, ProcedureFactory, TargetFactory, UnitFactory, UserFactory
from units.models import UnitKind

MID_JULY_2025 = datetime.date(2025, 7, 15)


# --- the method on plain numbers -----------------------------------------------------------------------


def test_the_rest_of_the_year_at_the_recent_rate_and_the_usual_volume():
    # 4 months so far (N / D = 100 / 400), the last 3 at 90 / 300 = 30%, 8 months of 100 filings to come.
    projection = project_rate([(10, 100), (20, 100), (30, 100), (40, 100)], 8, target=Decimal(25))
    assert projection.exact == Fraction(100 * (100 + 240), 400 + 800)
    assert projection.value == Decimal("28.33")
    assert projection.recent == 30 and projection.months == 4 and projection.remaining == 8
    assert projection.status == ON_TRACK
    assert projection.as_json() == {"value": "28.33", "status": "on_track"}


def test_months_without_figures_are_not_counted_as_zero():
    # Volume: 200 over the 2 months with figures, not over 3.
    projection = project_rate([(50, 100), (0, 0), (50, 100)], 9)
    assert projection.exact == 50
    assert projection.status is None and projection.as_json() is None  # no target: null


def test_nothing_left_to_come_is_the_actual_ratio_of_sums():
    assert project_rate([(1, 3), (90, 100), (0, 0)], 0).exact == Fraction(9100, 103)


@pytest.mark.parametrize(
    "months",
    [[], [(0, 0), (0, 0)], [(5, 10)], [(5, 10), (0, 0), (0, 0)]],
    ids=["nothing", "no denominator", "one month", "one month with figures"],
)
def test_too_little_data_is_null(months):
    assert project_rate(months, 6, target=Decimal(30)) == NO_DATA
    assert NO_DATA.as_json() is None


@pytest.mark.parametrize(
    "projected,target,recent,status",
    [
        (50, 50, None, ON_TRACK),
        (Fraction(4501, 100), 50, None, AT_RISK),  # short by 4.99 points
        (45, 50, None, OFF_TRACK),  # short by 5 points: not less than the margin
        (30, 50, Fraction(50), AT_RISK),  # the recent months alone reach the target
        (30, 50, Fraction(4999, 100), OFF_TRACK),
    ],
)
def test_status(projected, target, recent, status):
    assert projection_status(Fraction(projected), Decimal(target), recent) == status


def test_stock_figures_project_as_they_stand():
    assert project_stock(248, 301, Decimal(80)).as_json() == {"value": "82.39", "status": "on_track"}
    assert project_stock(70, 100, Decimal(80)).status == OFF_TRACK
    assert project_stock(0, 0, Decimal(80)) == NO_DATA


@pytest.mark.parametrize(
    "period,year",
    [
        ("2025", 2025),
        ("2025-Q1", 2025),  # a period inside the year: the year's end is projected
        ("2025-07", 2025),
        ("2026", 2026),  # a year to come: no figures, null projections
        ("2024", None),  # ended: no projection
        ("2024-12..2025-02", None),  # across two years
    ],
)
def test_which_periods_are_projected(period, year):
    assert projected_year(Period.parse(period), MID_JULY_2025) == year


# --- on figures ------------------------------------------------------------------------------------------


def write(unit, months, *, year=2025, procedure=None):
    """{month: (online, new filings)} of one unit; resolved: all of them, in time."""
    procedure = procedure or ProcedureFactory(code="1.000001")
    rows = [
        {
            "unit_id": unit.pk,
            "procedure_id": procedure.pk,
            "year": year,
            "month": month,
            "received_online": online,
            "received_direct": new - online,
            "resolved_on_time": new,
        }
        for month, (online, new) in months.items()
    ]
    filings_upsert(
        rows, fields=["received_online", "received_direct", "resolved_on_time"], source=Source.DEMO, force=True
    )


def projections_of(unit, period="2025", today=MID_JULY_2025, **kwargs):
    return with_projections(kpis_for(unit, Period.parse(period), **kwargs), today=today).as_json()["kpis"]


@pytest.fixture
def commune(db):
    return UnitFactory(code="A", name="Phường A")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "months,target,expected",
    [
        ({m: (50, 100) for m in range(1, 7)}, 40, {"value": "50.00", "status": "on_track"}),
        ({m: (37, 100) for m in range(1, 7)}, 40, {"value": "37.00", "status": "at_risk"}),
        ({m: (20, 100) for m in range(1, 7)}, 40, {"value": "20.00", "status": "off_track"}),
        # 0% in the first quarter, 45% since: 33.75% by December, 10.25 points short of 44, but the recent
        # months reach it.
        ({1: (0, 100), 2: (0, 100), 3: (0, 100), 4: (45, 100), 5: (45, 100), 6: (45, 100)}, 44,
         {"value": "33.75", "status": "at_risk"}),
        ({6: (50, 100)}, 40, None),  # one month: too little data
    ],
    ids=["on track", "at risk: close", "off track", "at risk: recent months", "too little data"],
)  # fmt: skip
def test_hand_made_series(commune, months, target, expected):
    write(commune, months)
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=target)
    kpis = projections_of(commune)
    assert kpis["online_rate"]["projection"] == expected


@pytest.mark.django_db
def test_every_rate_has_the_key_counts_do_not(commune):
    write(commune, {m: (50, 100) for m in range(1, 7)})
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    kpis = projections_of(commune)
    assert kpis["online_rate"]["projection"]["status"] == "on_track"
    assert kpis["on_time_rate"]["projection"] is None  # no target
    assert kpis["online_rate_eligible"]["projection"] is None
    assert kpis["procedures_online_rate"]["projection"] is None
    assert "projection" not in kpis["postal_returns"] and "projection" not in kpis["postal_received"]


@pytest.mark.django_db
def test_a_year_that_has_ended_has_no_projection_key(commune):
    write(commune, {m: (50, 100) for m in range(1, 13)}, year=2024)
    TargetFactory(unit=commune, year=2024, kpi="online_rate", target=40)
    plain = kpis_for(commune, Period.parse("2024")).as_json()
    assert with_projections(kpis_for(commune, Period.parse("2024")), today=MID_JULY_2025).as_json() == plain
    assert all("projection" not in value for value in plain["kpis"].values())


@pytest.mark.django_db
def test_a_period_inside_the_year_projects_the_year_from_its_complete_months(commune):
    # The first quarter at 20%, April to June at 50%, July (the current month, incomplete) at 0%.
    write(commune, {1: (20, 100), 2: (20, 100), 3: (20, 100), 4: (50, 100), 5: (50, 100), 6: (50, 100), 7: (0, 10)})
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    # (210 + 6 x 100 x 50%) / (600 + 600) = 42.5, whatever part of the year the period is.
    for period in ("2025-Q1", "2025", "2025-H2"):
        assert projections_of(commune, period)["online_rate"]["projection"] == {"value": "42.50", "status": "on_track"}


@pytest.mark.django_db
def test_january_and_years_to_come_have_too_little_data(commune):
    write(commune, {m: (50, 100) for m in range(1, 13)}, year=2024)
    write(commune, {1: (50, 100)}, procedure=ProcedureFactory(code="1.000002"))
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    assert projections_of(commune, today=datetime.date(2025, 1, 20))["online_rate"]["projection"] is None
    assert projections_of(commune, today=datetime.date(2024, 6, 1))["online_rate"]["projection"] is None


@pytest.mark.django_db
def test_own_figures_and_approved_only_are_projected_the_same_way(commune):
    district = UnitFactory(code="D", kind=UnitKind.DISTRICT)
    commune.parent = district
    commune.save()
    write(commune, {m: (50, 100) for m in range(1, 7)})
    TargetFactory(unit=district, year=2025, kpi="online_rate", target=40)
    assert projections_of(district)["online_rate"]["projection"]["status"] == "on_track"
    assert projections_of(district, own=True)["online_rate"]["projection"] is None  # no figures of its own
    assert projections_of(district, approved_only=True)["online_rate"]["projection"] is None  # none approved


@pytest.mark.django_db
def test_procedure_rates_are_projected_as_recorded_for_the_year_end(commune):
    procedures = [ProcedureFactory(code=f"1.00001{i}") for i in range(4)]
    for procedure in procedures[:3]:
        OfferingFactory(unit=commune, procedure=procedure, service_level=ServiceLevel.FULL)
    OfferingFactory(unit=commune, procedure=procedures[3], service_level=ServiceLevel.NONE)
    # Decided already: online from October.
    OfferingFactory(unit=commune, procedure=procedures[3], service_level=ServiceLevel.FULL, valid_from="2025-10-01")
    TargetFactory(unit=commune, year=2025, kpi="procedures_online_rate", target=90)
    kpis = projections_of(commune, "2025-Q1")
    assert kpis["procedures_online_rate"]["value"] == "75.00"
    assert kpis["procedures_online_rate"]["projection"] == {"value": "100.00", "status": "on_track"}


@pytest.mark.django_db
def test_shapes_in_and_out(commune):
    write(commune, {m: (50, 100) for m in range(1, 7)})
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    by_id = kpis_for_units([commune], Period.parse("2025"))
    projected = with_projections(by_id, today=MID_JULY_2025)
    assert list(projected) == [commune.pk]
    assert projected[commune.pk]["online_rate"].projection.status == ON_TRACK
    assert by_id[commune.pk]["online_rate"].projection is None  # the input is left as it was
    [item] = with_projections(list(by_id.values()), today=MID_JULY_2025)
    assert item["online_rate"].projection.value == Decimal("50.00")


@pytest.mark.django_db
def test_a_fixed_number_of_queries_whatever_the_number_of_units(django_assert_max_num_queries):
    procedure = ProcedureFactory(code="1.000001")
    for n in (2, 40):
        district = UnitFactory(code=f"D{n}", kind=UnitKind.DISTRICT)
        communes = [UnitFactory(code=f"D{n}-{i}", parent=district) for i in range(n)]
        for unit in communes:
            write(unit, {m: (50, 100) for m in range(1, 7)}, procedure=procedure)
            TargetFactory(unit=unit, year=2025, kpi="online_rate", target=40)
        values = kpis_for_units([district, *communes], Period.parse("2025"))
        # Figures per depth (2) and targets (1) month by month, offerings per depth (2).
        with django_assert_max_num_queries(5):
            projected = with_projections(values, today=MID_JULY_2025)
        assert projected[communes[-1].pk]["online_rate"].projection.status == ON_TRACK


# --- kpi --json and /api/v1/kpi ----------------------------------------------------------------------------


@pytest.fixture
def mid_july(monkeypatch):
    monkeypatch.setattr(projection_module.timezone, "localdate", lambda: MID_JULY_2025)


@pytest.mark.django_db
def test_kpi_json_carries_the_projection(commune, mid_july):
    write(commune, {m: (20, 100) for m in range(1, 7)})
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    out = StringIO()
    call_command("kpi", "--unit", "A", "--period", "2025-H1", "--json", stdout=out)
    kpis = json.loads(out.getvalue())["kpis"]
    assert kpis["online_rate"] == {
        "numerator": 120,
        "denominator": 600,
        "value": "20.00",
        "target": "40.00",
        "gap": "-20.00",
        "met": False,
        "projection": {"value": "20.00", "status": "off_track"},
    }
    assert kpis["on_time_rate"]["projection"] is None
    assert "projection" not in kpis["postal_returns"]


@pytest.mark.django_db
def test_kpi_table_shows_the_projection_for_a_year_not_ended(commune, mid_july):
    write(commune, {m: (20, 100) for m in range(1, 7)})
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    out = StringIO()
    call_command("kpi", "--unit", "A", "--period", "2025", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].split()[-2:] == ["projected", "outlook"]
    online = next(line for line in lines if line.startswith("online_rate "))
    assert online.split()[-4:] == ["no", "20,00", "off", "track"]
    out = StringIO()
    call_command("kpi", "--unit", "A", "--period", "2024", stdout=out)
    assert "projected" not in out.getvalue()


@pytest.mark.django_db
def test_api_kpi_carries_the_projection(client, commune, mid_july):
    write(commune, {m: (50, 100) for m in range(1, 7)})
    TargetFactory(unit=commune, year=2025, kpi="online_rate", target=40)
    key = api_token_create(user=UserFactory(username="leader", role=Role.LEADER, units=[commune]), name="t")[1]
    response = client.get("/api/v1/kpi", {"unit": "A", "period": "2025"}, headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json()["kpis"]["online_rate"]["projection"] == {"value": "50.00", "status": "on_track"}
    response = client.get("/api/v1/kpi", {"unit": "A", "period": "2024"}, headers={"Authorization": f"Token {key}"})
    assert "projection" not in response.json()["kpis"]["online_rate"]
