"""Completeness and timeliness on hand-made data: the selector, the CLI (table, JSON, bad arguments), the page."""

import datetime
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from core.periods import Period
from filings.models import UnitMonth
from filings.selectors import completeness
from tests.commands import run_command
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime.datetime(*args, tzinfo=HANOI)


def unit_month(unit, month, status, first_submitted=None, year=2019):
    return UnitMonth.objects.create(
        unit=unit,
        year=year,
        month=month,
        status=status,
        first_submitted_at=first_submitted,
        submitted_at=first_submitted,
        return_reason="Sai" if status == "returned" else "",
    )


@pytest.fixture
def district(settings):
    """Deadline 10 days after each month. Expected A, B (all quarter), C (offers from mid-February), G (merged
    away at the end of January); E offers nothing and is not expected."""
    settings.FILINGS_ENTRY_CLOSE_DAYS = 10
    district = UnitFactory(code="D", name="Huyện D", kind=UnitKind.DISTRICT)
    a, b, c = (UnitFactory(code=code, name=f"Xã {code}", parent=district) for code in "ABC")
    UnitFactory(code="E", name="Phòng E", kind=UnitKind.DEPARTMENT, parent=district)
    g = UnitFactory(code="G", name="Xã G", parent=district, valid_to=datetime.date(2019, 1, 31))
    procedure = ProcedureFactory()
    for unit in (a, b, g):
        OfferingFactory(unit=unit, procedure=procedure)
    OfferingFactory(unit=c, procedure=procedure, valid_from=datetime.date(2019, 2, 15))
    unit_month(a, 1, "approved", at(2019, 2, 5, 9, 0))
    unit_month(a, 2, "submitted", at(2019, 3, 11, 0, 30))  # late by half an hour
    unit_month(a, 3, "draft")
    unit_month(b, 1, "returned", at(2019, 2, 10, 23, 59))  # on time, but sent back
    unit_month(b, 3, "approved", at(2019, 4, 10, 17, 0))  # on the deadline day
    unit_month(c, 3, "submitted", at(2019, 4, 1, 8, 0))
    unit_month(g, 1, "approved", at(2019, 2, 1, 8, 0))
    return district


Q1 = Period.parse("2019-Q1")


def statuses(report):
    return {row.unit.code: "".join(cell.status[0] if cell.due else "." for cell in row.cells) for row in report.rows}


def test_statuses_per_unit_and_month(district):
    report = completeness(district, Q1)
    # m = missing, d = draft, s = submitted, a = approved, r = returned, . = not expected
    assert statuses(report) == {"A": "asd", "B": "rma", "C": ".ms", "G": "a.."}


def test_on_time_per_month(district):
    report = completeness(district, Q1)
    on_time = {row.unit.code: [cell.on_time for cell in row.cells] for row in report.rows}
    assert on_time == {
        "A": [True, False, False],  # March: deadline passed, never submitted
        "B": [True, False, True],
        "C": [None, False, True],
        "G": [True, None, None],
    }


def test_rates_are_ratios_of_sums_over_due_unit_months(district):
    report = completeness(district, Q1)
    assert (report.due, report.reported, report.on_time) == (9, 5, 4)
    assert report.reporting_rate.as_json() == {"numerator": 5, "denominator": 9, "value": "55.56"}
    assert report.on_time_rate.as_json() == {"numerator": 4, "denominator": 9, "value": "44.44"}
    assert [(row.unit.code, row.due, row.reported, row.on_time) for row in report.rows] == [
        ("A", 3, 2, 1),
        ("B", 3, 1, 1),
        ("C", 2, 1, 1),
        ("G", 1, 1, 1),
    ]


def test_a_month_not_yet_over_is_not_due(district):
    report = completeness(district, Period.parse("2019-03"), today=datetime.date(2019, 3, 20))
    assert [cell.due for row in report.rows for cell in row.cells] == [False, False, False]
    assert report.reporting_rate.value is None and report.on_time_rate.as_json()["value"] is None
    # Before its deadline, a month not yet submitted is not late yet.
    report = completeness(district, Period.parse("2019-03"), today=datetime.date(2019, 4, 5))
    assert {row.unit.code: row.cells[0].on_time for row in report.rows} == {"A": None, "B": True, "C": True}


def test_units_deeper_in_the_tree_are_listed_under_their_parent(district):
    sub = UnitFactory(code="D.2", name="Cụm D.2", kind=UnitKind.DISTRICT, parent=district)
    deep = UnitFactory(code="H", name="Xã H", parent=sub)
    OfferingFactory(unit=deep)
    report = completeness(district, Q1)
    assert [(row.unit.code, row.depth) for row in report.rows] == [("A", 1), ("B", 1), ("C", 1), ("G", 1), ("H", 2)]
    assert completeness(sub, Q1).reporting_rate.as_json() == {"numerator": 0, "denominator": 3, "value": "0.00"}


def test_json_shape(district):
    out = StringIO()
    call_command("completeness", "--parent", "D", "--period", "2019-Q1", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["parent"] == "D" and data["name"] == "Huyện D" and data["deadline_days"] == 10
    assert data["period"] == {"from": "2019-01", "to": "2019-03"}
    assert [u["unit"] for u in data["units"]] == ["A", "B", "C", "G"]
    a = data["units"][0]
    assert (a["name"], a["parent"], a["due"], a["reported"], a["on_time"]) == ("Xã A", "D", 3, 2, 1)
    assert a["months"][1] == {
        "month": "2019-02",
        "status": "submitted",
        "due": True,
        "deadline": "2019-03-10",
        "submitted_at": "2019-03-11T00:30:00+07:00",
        "first_submitted_at": "2019-03-11T00:30:00+07:00",
        "on_time": False,
    }
    assert data["units"][2]["months"][0] == {
        "month": "2019-01",
        "status": "missing",
        "due": False,
        "deadline": "2019-02-10",
        "submitted_at": None,
        "first_submitted_at": None,
        "on_time": None,
    }
    assert data["totals"] == {
        "units": 4,
        "due": 9,
        "reported": 5,
        "on_time": 4,
        "reporting_rate": {"numerator": 5, "denominator": 9, "value": "55.56"},
        "on_time_rate": {"numerator": 4, "denominator": 9, "value": "44.44"},
    }


def run(*argv):
    return run_command("filings", "completeness", *argv)


def test_table(district):
    status, out, err = run("--parent", "D", "--period", "2019-Q1")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("D – Huyện D, 2019-Q1")
    assert lines[1].split() == ["unit", "name", "01", "02", "03", "due", "reported", "on", "time"]
    assert lines[3].split() == ["A", "Xã", "A", "A", "S*", "D", "3", "2", "1"]
    assert lines[5].split() == ["C", "Xã", "C", ".", "-", "S", "2", "1", "1"]
    assert lines[-2] == "reporting rate: 55,56% (5 / 9)"
    assert lines[-1] == "on-time rate: 44,44% (4 / 9)"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--parent", "NOPE", "--period", "2019"], "--parent: unknown unit code 'NOPE'"),
        (["--parent", "D", "--period", "2019-13"], "--period: invalid period '2019-13'"),
        (["--parent", "D", "--period", "soon"], "--period: invalid period 'soon'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(district, argv, message):
    status, out, err = run(*argv)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_query_count_does_not_grow_with_the_units(settings):
    settings.FILINGS_ENTRY_CLOSE_DAYS = 10
    counts = []
    for n in (3, 30):
        parent = UnitFactory(code=f"P{n}", kind=UnitKind.PROVINCE)
        for i in range(n):
            unit = UnitFactory(code=f"P{n}.{i}", parent=parent)
            OfferingFactory(unit=unit)
            unit_month(unit, 1, "approved", at(2019, 2, 1, 8, 0))
        with CaptureQueriesContext(connection) as queries:
            report = completeness(parent, Q1)
            report.as_json()
        assert report.due == 3 * n
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


def test_the_page_shows_the_rates_and_statuses(client, district):
    leader = UserFactory(username="leader", role=Role.LEADER, units=[district])
    client.force_login(leader)
    response = client.get(reverse("filings:completeness"), {"parent": "D", "period": "2019-Q1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reporting-rate">55,56%' in html and 'id="on-time-rate">44,44%' in html
    assert 'data-unit="A"' in html and 'data-status="submitted"' in html
    assert client.get(reverse("filings:completeness"), {"parent": "D", "period": "2019-Q5"}).status_code == 400
    # Without parameters: the leader's own top unit, the current year.
    assert client.get(reverse("filings:completeness")).context["parent"] == district


def test_the_page_refuses_a_parent_outside_the_scope(client, district):
    other = UnitFactory(code="Z", kind=UnitKind.DISTRICT)
    clerk = UserFactory(username="clerk", role=Role.CLERK, units=[district.children.get(code="A")])
    client.force_login(clerk)
    assert client.get(reverse("filings:completeness"), {"parent": "Z"}).status_code == 404
    assert client.get(reverse("filings:completeness"), {"parent": "D"}).status_code == 404
    assert other.pk
