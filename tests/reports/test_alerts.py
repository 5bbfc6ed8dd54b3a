"""Alerts (reports.alerts, `manage.py alerts`, /api/v1/alerts): a month in which a unit's online rate fell
far below its own recent months, by the binomial test of filings.quality, so that small numbers are not
flagged for what chance explains; per unit (own figures) and per subtree; in a fixed number of queries."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tokens import api_token_create
from core.periods import Month, Period
from demo.seeding import seed_demo
from filings.services import Source, filings_upsert
from filings.workflow import unit_month_approve, unit_month_submit
from procedures.models import Procedure
from reports.alerts import alerts_for
from tests.factories import ProcedureFactory, UnitFactory, UserFactory
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

YEAR_2019 = Period.parse("2019")


def write(unit, months, *, year=2019, procedure=None):
    """Figures of one unit: {month: (online, new filings)} of `year` (or {(year, month): ...})."""
    procedure = procedure or ProcedureFactory(code="1.000001")
    rows = []
    for key, (online, new) in months.items():
        y, m = key if isinstance(key, tuple) else (year, key)
        rows.append(
            {
                "unit_id": unit.pk,
                "procedure_id": procedure.pk,
                "year": y,
                "month": m,
                "received_online": online,
                "received_direct": new - online,
            }
        )
    filings_upsert(rows, fields=["received_online", "received_direct"], source=Source.DEMO, force=True)


def steady(rate_months, online, new):
    return dict.fromkeys(rate_months, (online, new))


def flagged(result):
    return [(alert.unit.code, str(alert.month), "own" if alert.own else "subtree") for alert in result.alerts]


@pytest.fixture
def district():
    district = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT)
    UnitFactory(code="D.TTHCC", name="Trung tâm D", kind=UnitKind.CENTER, parent=district)
    UnitFactory(code="A", name="Phường A", parent=district)
    return district


def centre():
    return Unit.objects.get(code="D.TTHCC")


# --- the method --------------------------------------------------------------------------------------


def test_a_unit_of_2000_filings_a_month_falling_from_48_to_2_percent_is_flagged(district):
    write(centre(), steady(range(1, 6), 960, 2000) | {6: (40, 2000), 7: (960, 2000)})
    result = alerts_for(district, YEAR_2019)
    assert flagged(result) == [("D", "2019-06", "subtree"), ("D.TTHCC", "2019-06", "own")]
    alert = result.alerts[1]
    assert alert.as_json() == {
        "unit": "D.TTHCC",
        "name": "Trung tâm D",
        "month": "2019-06",
        "kpi": "online_rate",
        "value": "2.00",
        "numerator": 40,
        "denominator": 2000,
        "baseline": "48.00",
        "reason": "Online filing rate 2.00% (40 / 2,000, its own figures) is far below 48.00% (4,800 / 10,000) "
        "over the 5 months before with figures",
        "scope": "own",
        "baseline_numerator": 4800,
        "baseline_denominator": 10000,
        "baseline_months": 5,
    }
    assert alert.drop == 46


def test_three_filings_a_month_going_from_two_online_to_none_is_noise(district):
    # A year of 2 of 3 online (24 / 36 = 66.7%), then 0 of 3: z = -2.4, which chance explains.
    write(centre(), {(2018, m): (2, 3) for m in range(1, 13)} | steady(range(1, 6), 2, 3) | {6: (0, 3)})
    assert alerts_for(district, YEAR_2019).alerts == []


def test_a_small_unit_falling_to_nothing_is_flagged_when_chance_cannot_explain_it(district):
    # 30 filings a month, half online, then 0 of 30: z = -5.5, a drop of 50 points.
    write(centre(), steady(range(1, 6), 15, 30) | {6: (0, 30)})
    assert flagged(alerts_for(district, YEAR_2019)) == [("D", "2019-06", "subtree"), ("D.TTHCC", "2019-06", "own")]


def test_a_drop_that_chance_cannot_explain_but_under_10_points_is_not_flagged(district):
    # 20,000 a month from 48% to 40%: z = -22, but only 8 points.
    write(centre(), steady(range(1, 6), 9600, 20000) | {6: (8000, 20000)})
    assert alerts_for(district, YEAR_2019).alerts == []


def test_fewer_than_three_months_of_baseline_raise_no_alert(district):
    write(centre(), {4: (960, 2000), 5: (960, 2000), 6: (40, 2000)})
    assert alerts_for(district, YEAR_2019).alerts == []
    write(centre(), {3: (960, 2000)})
    assert flagged(alerts_for(district, YEAR_2019))[1:] == [("D.TTHCC", "2019-06", "own")]


def test_the_baseline_is_the_12_months_before(district):
    # Months of 2017 are more than 12 months before June 2018 and 2019: no baseline.
    write(centre(), {(2017, m): (960, 2000) for m in range(1, 13)} | {(2019, 6): (40, 2000)})
    assert alerts_for(district, YEAR_2019).alerts == []
    # The baseline may reach into the year before the period.
    write(centre(), {(2018, m): (960, 2000) for m in (9, 10, 11)})
    assert flagged(alerts_for(district, Period.parse("2019-06")))[1:] == [("D.TTHCC", "2019-06", "own")]


def test_a_rise_or_a_month_without_figures_is_not_flagged(district):
    write(centre(), steady(range(1, 6), 200, 2000) | {6: (1800, 2000), 8: (460, 2000)})
    assert alerts_for(district, YEAR_2019).alerts == []  # June rose; July has no figures


def test_a_parent_is_flagged_when_its_subtree_drops_though_no_unit_below_it_is():
    """Five communes of 20 filings a month at 50%, then 5 of 20 each: for one commune z = -2.2 (chance), for
    the district's 100 filings z = -5 and 25 points."""
    district = UnitFactory(code="D", kind=UnitKind.DISTRICT)
    procedure = ProcedureFactory(code="1.000001")
    for i in range(5):
        write(
            UnitFactory(code=f"C{i}", parent=district), steady(range(1, 6), 10, 20) | {6: (5, 20)}, procedure=procedure
        )
    result = alerts_for(district, YEAR_2019)
    assert flagged(result) == [("D", "2019-06", "subtree")]
    assert (result.alerts[0].value.numerator, result.alerts[0].value.denominator) == (25, 100)
    assert result.alerts[0].baseline.value == 50


def test_a_parent_with_figures_of_its_own_is_flagged_on_them(district):
    """A unit with units below it that files itself: its own fall shows even when its subtree's is diluted."""
    write(district, steady(range(1, 6), 480, 1000) | {6: (20, 1000)})
    write(centre(), steady(range(1, 7), 5000, 10000), procedure=ProcedureFactory(code="1.000002"))
    assert flagged(alerts_for(district, YEAR_2019)) == [("D", "2019-06", "own")]


def test_one_alert_per_unit_and_month_in_month_then_tree_order(district):
    write(centre(), steady(range(1, 6), 960, 2000) | {6: (40, 2000), 7: (40, 2000)})
    write(
        Unit.objects.get(code="A"),
        steady(range(1, 7), 300, 600) | {7: (10, 600)},
        procedure=ProcedureFactory(code="1.000002"),
    )
    assert flagged(alerts_for(district, YEAR_2019)) == [
        ("D", "2019-06", "subtree"),
        ("D.TTHCC", "2019-06", "own"),
        ("D", "2019-07", "subtree"),
        ("D.TTHCC", "2019-07", "own"),  # still far below the 12 months before (June included)
        ("A", "2019-07", "own"),
    ]


def test_units_below_the_roots_only_and_not_those_gone_before_the_period(district):
    import datetime

    other = UnitFactory(code="X", kind=UnitKind.DISTRICT)
    gone = UnitFactory(code="G", parent=district, valid_to=datetime.date(2019, 5, 31))
    procedure = ProcedureFactory(code="1.000001")
    write(other, steady(range(1, 6), 960, 2000) | {6: (40, 2000)}, procedure=procedure)
    write(gone, steady(range(1, 6), 960, 2000), procedure=procedure)
    write(centre(), steady(range(1, 7), 960, 2000) | {(2019, 7): (40, 2000)}, procedure=procedure)
    july = Period.parse("2019-07")
    assert flagged(alerts_for(district, july)) == [("D", "2019-07", "subtree"), ("D.TTHCC", "2019-07", "own")]
    assert flagged(alerts_for([other], YEAR_2019)) == [("X", "2019-06", "own")]
    assert flagged(alerts_for(Unit.objects.roots(), july)) == flagged(alerts_for(district, july))


def test_approved_only_counts_approved_months_in_the_month_and_its_baseline(district):
    write(centre(), steady(range(1, 6), 960, 2000) | {6: (40, 2000)})
    assert alerts_for(district, YEAR_2019, approved_only=True).alerts == []
    admin = UserFactory(username="approver", role=Role.ADMIN)
    for month in range(1, 7):
        unit_month_submit(unit=centre(), year=2019, month=month, user=None, confirm_warnings=True)
        unit_month_approve(unit=centre(), year=2019, month=month, user=admin)
    result = alerts_for(district, YEAR_2019, approved_only=True)
    assert flagged(result) == [("D", "2019-06", "subtree"), ("D.TTHCC", "2019-06", "own")]
    assert result.as_json()["approved_only"] is True


def test_a_period_reaching_into_the_future_looks_at_the_months_up_to_now(district, django_assert_max_num_queries):
    write(centre(), steady(range(1, 6), 960, 2000) | {6: (40, 2000), 7: (960, 2000)})
    this_month = Month.of(timezone.localdate())
    up_to_now = alerts_for(district, Period(Month(2019, 1), this_month))
    to_the_end = alerts_for(district, Period.parse("2019-01..2099-12"))
    assert flagged(to_the_end) == flagged(up_to_now) == [("D", "2019-06", "subtree"), ("D.TTHCC", "2019-06", "own")]
    assert str(to_the_end.period) == "2019-01..2099-12"  # as asked
    # A period wholly after this month: nothing to look at, only the units read.
    with django_assert_max_num_queries(1):
        assert alerts_for(district, Period.parse("2099")).alerts == []


def test_the_period_may_start_in_the_first_year_kept():
    assert alerts_for([UnitFactory(code="Z")], Period.parse("2000-01")).alerts == []


def test_a_fixed_number_of_queries_whatever_the_number_of_units(django_assert_max_num_queries):
    """The units (1), then monthly_kpis for own figures (1 + targets) and for the subtrees of the units
    with units below them (1 per depth + targets): 6 here, for 3 units or 60."""
    procedure = ProcedureFactory(code="1.000001")
    for n in (3, 60):
        province = UnitFactory(code=f"P{n}", kind=UnitKind.PROVINCE)
        district = UnitFactory(code=f"P{n}-D", kind=UnitKind.DISTRICT, parent=province)
        for i in range(n):
            commune = UnitFactory(code=f"P{n}-{i}", parent=district)
            write(commune, steady(range(1, 6), 960, 2000) | {6: (40, 2000)}, procedure=procedure)
        with django_assert_max_num_queries(6):
            result = alerts_for(province, YEAR_2019)
        assert len(result.alerts) == n + 2


# --- manage.py alerts ---------------------------------------------------------------------------------


def run(*argv):
    """Run the command as `manage.py` would: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    command = load_command_class("reports", "alerts")
    command.stdout._out, command.stderr._out = out, err
    status = 0
    try:
        command.run_from_argv(["manage.py", "alerts", *argv])
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def dropped(district):
    write(centre(), steady(range(1, 6), 960, 2000) | {6: (40, 2000)})
    return district


def test_command_prints_a_table_with_numbers_the_vietnamese_way(dropped):
    status, out, err = run("--parent", "D", "--period", "2019")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Alerts: D – Thành phố D and the units below it, 2019"
    assert lines[1].split() == [
        "month", "unit", "name", "KPI", "figures", "numerator", "denominator", "value", "baseline", "drop", "base",
        "months",
    ]  # fmt: skip
    assert lines[3].split() == ["2019-06", "D", "Thành", "phố", "D", "online_rate", "subtree", "40", "2.000", "2,00",
                                "48,00", "46,00", "5"]  # fmt: skip
    assert lines[4].startswith("2019-06  D.TTHCC  Trung tâm D")
    assert len(lines) == 5


def test_command_without_parent_looks_at_every_unit(dropped):
    status, out, _err = run("--period", "2019-06")
    assert status == 0
    assert out.splitlines()[0] == "Alerts: every unit, 2019-06"
    assert "D.TTHCC" in out


def test_command_says_when_nothing_fell(dropped):
    status, out, _err = run("--parent", "D", "--period", "2019-01..2019-05")
    assert status == 0
    assert out.splitlines() == ["Alerts: D – Thành phố D and the units below it, 2019-01..2019-05",
                                "No unit fell far below its recent months."]  # fmt: skip


def test_command_json_has_the_contract_shape(dropped):
    out = StringIO()
    call_command("alerts", "--parent", "D", "--period", "2019", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["parent"] == "D"
    assert data["period"] == {"from": "2019-01", "to": "2019-12"}
    assert data["approved_only"] is False
    assert [(a["unit"], a["month"], a["kpi"], a["value"], a["numerator"], a["denominator"], a["baseline"])
            for a in data["alerts"]] == [
        ("D", "2019-06", "online_rate", "2.00", 40, 2000, "48.00"),
        ("D.TTHCC", "2019-06", "online_rate", "2.00", 40, 2000, "48.00"),
    ]  # fmt: skip
    for alert in data["alerts"]:
        assert {"unit", "name", "month", "kpi", "value", "numerator", "denominator", "baseline", "reason"} <= set(alert)
        assert "48.00%" in alert["reason"]
    out = StringIO()
    call_command("alerts", "--period", "2019", "--json", "--approved-only", stdout=out)
    data = json.loads(out.getvalue())
    assert data["parent"] is None and data["approved_only"] is True and data["alerts"] == []


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--parent", "NOPE", "--period", "2019"], "--parent: unknown unit code 'NOPE'"),
        (["--parent", "D", "--period", "2019-13"], "--period: invalid period '2019-13'"),
        (["--period", "last year"], "--period: invalid period 'last year'"),
    ],
)
def test_command_refuses_bad_input_in_one_line(dropped, argv, message):
    status, out, err = run(*argv)
    assert status != 0 and out == ""
    assert message in err
    assert "Traceback" not in err
    if "--period" in argv:
        assert len(err.strip().splitlines()) == 1


# --- GET /api/v1/alerts ------------------------------------------------------------------------------


@pytest.fixture
def two_districts(dropped):
    """D (with its fall in June) and X, another district with a fall of its own; a leader of D."""
    other = UnitFactory(code="X", name="Huyện Xa Lạ", kind=UnitKind.DISTRICT)
    write(other, steady(range(1, 6), 960, 2000) | {6: (40, 2000)}, procedure=ProcedureFactory(code="1.000002"))
    leader = UserFactory(username="leader", role=Role.LEADER, units=[dropped])
    return {"D": dropped, "X": other, "key": api_token_create(user=leader, name="test")[1]}


def api(client, key, **params):
    return client.get("/api/v1/alerts", params, headers={"Authorization": f"Token {key}"})


def test_api_answers_the_commands_json(client, two_districts):
    response = api(client, two_districts["key"], parent="D", period="2019")
    assert response.status_code == 200
    out = StringIO()
    call_command("alerts", "--parent", "D", "--period", "2019", "--json", stdout=out)
    assert response.json() == json.loads(out.getvalue())
    assert api(client, two_districts["key"], parent="D", period="2019", status="approved").json()["approved_only"]


def test_api_shows_only_the_scope(client, two_districts):
    response = api(client, two_districts["key"], parent="X", period="2019")
    assert response.status_code == 404
    assert response.json() == {"error": "parent: no unit with code 'X' in your scope", "parameter": "parent"}
    assert "Xa Lạ" not in response.content.decode()
    data = api(client, two_districts["key"], period="2019").json()
    assert data["parent"] is None
    assert [a["unit"] for a in data["alerts"]] == ["D", "D.TTHCC"]


@pytest.mark.parametrize(
    "params,parameter",
    [({}, "period"), ({"period": "2019-13"}, "period"), ({"period": "2019", "status": "draft"}, "status")],
)
def test_api_bad_parameters_answer_400_naming_them(client, two_districts, params, parameter):
    response = api(client, two_districts["key"], parent="D", **params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_api_needs_credentials(client, two_districts):
    response = client.get("/api/v1/alerts", {"period": "2019"})
    assert response.status_code == 401
    assert "error" in response.json()


# --- the seeded demo (last in this module: the demo stays loaded until its end) --------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module's demo tests inside a transaction rolled back after them."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_demo_tam_ky_june_2023_is_flagged(seeded):
    result = alerts_for(Unit.objects.roots(), Period.parse("2023"))
    by_unit = {alert.unit.code: alert for alert in result.alerts}
    assert {str(alert.month) for alert in result.alerts} == {"2023-06"}
    tam_ky = by_unit["502"]
    assert (tam_ky.value.numerator, tam_ky.value.denominator, tam_ky.own) == (43, 2150, False)
    assert tam_ky.as_json()["value"] == "2.00"
    assert tam_ky.baseline_months == 5
    assert by_unit["502.TTHCC"].own
    # Quảng Nam above it, and Tam Kỳ's wards and communes, each on its own figures.
    assert set(by_unit) == {"49", "502", "502.TTHCC", "502.ANMY", "502.ANSON", "502.TANTHANH", "502.HOATHUAN",
                            "502.PHUOCHOA", "502.TAMTHANG"}  # fmt: skip


def test_demo_cam_pha_2019_is_quiet(seeded):
    assert alerts_for(Unit.objects.get(code="195"), Period.parse("2019")).alerts == []
    assert alerts_for(Unit.objects.roots(), Period.parse("2019")).alerts == []


def test_demo_alerts_for_every_unit_run_a_few_queries(seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        alerts_for(Unit.objects.roots(), Period.parse("2023"))


def test_demo_month_of_the_alert(seeded):
    assert [str(a.month) for a in alerts_for(Unit.objects.get(code="502"), Period.parse("2023-06")).alerts] == [
        "2023-06"
    ] * 8
    assert Month(2023, 6) in {a.month for a in alerts_for(Unit.objects.get(code="502"), Period.parse("2023")).alerts}


def test_the_unit_page_shows_the_newest_alerts_and_folds_the_rest(client, district, monkeypatch, settings):
    """A province's communes make hundreds of alerts: the page shows ALERTS_SHOWN of them, the newest first,
    and folds the others under a summary that counts them all."""
    monkeypatch.setattr("reports.dashboards.ALERTS_SHOWN", 1)
    write(centre(), steady(range(1, 6), 15, 30) | {6: (0, 30)})
    write(
        Unit.objects.get(code="A"),
        steady(range(1, 8), 15, 30) | {8: (0, 30)},
        procedure=Procedure.objects.get(code="1.000001"),
    )
    client.force_login(UserFactory(role=Role.ADMIN))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("reports:unit", args=["D"]), {"period": "2019"}).content.decode()
    section = html[html.index('id="alerts"') : html.index("</section>", html.index('id="alerts"'))]
    shown, folded = section.split("<details")
    months = re.findall(r"(\d\d/2019)</strong>", section)
    assert months == sorted(months, key=lambda m: m[:2], reverse=True) and months[0] == "08/2019"
    assert shown.count("<li>") == 1 and "08/2019" in shown
    assert "All 3 alerts, newest first" in folded and folded.count("<li>") == 2
