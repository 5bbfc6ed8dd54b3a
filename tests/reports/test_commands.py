"""The `kpi` and `ranking` commands as CONTRACT.md fixes them: tables, JSON, one-line errors, bounded queries."""

import json
from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from filings.workflow import unit_month_approve, unit_month_submit
from tests.factories import FilingFactory, OfferingFactory, TargetFactory, UnitFactory, UserFactory
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def run(*argv):
    """Run a command as `manage.py` would, returning (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    command = load_command_class("reports", argv[0])
    command.stdout._out, command.stderr._out = out, err  # OutputWrapper targets
    status = 0
    try:
        command.run_from_argv(["manage.py", *argv])
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def district():
    district = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT)
    a = UnitFactory(code="A", name="Phường A", parent=district)
    b = UnitFactory(code="B", name="Phường B", parent=district)
    FilingFactory(unit=a, received_online=1234, received_direct=766)
    FilingFactory(unit=b, received_online=1, received_direct=3)
    TargetFactory(unit=a, year=2019, kpi="online_rate", target=60)
    return district


def test_kpi_json_has_the_contract_shape(district):
    out = StringIO()
    call_command("kpi", "--unit", "D", "--period", "2019-Q1", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["unit"] == "D" and data["name"] == "Thành phố D"
    assert data["period"] == {"from": "2019-01", "to": "2019-03"}
    assert data["scope"] == "subtree"
    assert data["kpis"]["online_rate"] == {
        "numerator": 1235,
        "denominator": 2004,
        "value": "61.63",
        "target": None,
        "gap": None,
        "met": None,
    }
    assert set(data["kpis"]) == {
        "online_rate",
        "online_rate_eligible",
        "procedures_online_rate",
        "procedures_full_online_rate",
        "on_time_rate",
        "postal_returns",
        "postal_received",
        # Decision 766 (additive: CONTRACT.md lets the JSON gain keys); no unit-month reports their counts here.
        "sync_rate",
        "online_payment_rate",
        "digitisation_rate",
        "e_result_rate",
        "satisfaction_rate",
        "procedures_with_online_filings_rate",
    }
    assert data["kpis"]["sync_rate"] == {
        "numerator": None,
        "denominator": None,
        "value": None,
        "target": None,
        "gap": None,
        "met": None,
        "no_data": True,
    }


def test_kpi_own_scope(district):
    out = StringIO()
    call_command("kpi", "--unit", "D", "--period", "2019", "--own", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["scope"] == "own"
    assert data["kpis"]["online_rate"]["value"] is None


def test_kpi_table_is_readable_and_formatted_in_vietnamese(district):
    status, out, err = run("kpi", "--unit", "A", "--period", "2019")
    assert status == 0 and err == ""
    assert "A – Phường A, 2019" in out
    line = next(row for row in out.splitlines() if row.startswith("online_rate "))
    assert line.split() == ["online_rate", "1.234", "2.000", "61,70", "60,00", "1,70", "yes"]
    assert "on_time_rate" in out and "—" in out


def test_ranking_json_has_the_contract_shape(district):
    out = StringIO()
    call_command("ranking", "--parent", "D", "--period", "2019", "--kpi", "online_rate", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["parent"] == "D" and data["kpi"] == "online_rate"
    assert data["period"] == {"from": "2019-01", "to": "2019-12"}
    assert data["rows"] == [
        {
            "rank": 1,
            "previous_rank": None,
            "unit": "A",
            "name": "Phường A",
            "numerator": 1234,
            "denominator": 2000,
            "value": "61.70",
            "target": "60.00",
            "gap": "1.70",
            "met": True,
        },
        {
            "rank": 2,
            "previous_rank": None,
            "unit": "B",
            "name": "Phường B",
            "numerator": 1,
            "denominator": 4,
            "value": "25.00",
            "target": None,
            "gap": None,
            "met": None,
        },
    ]


def test_ranking_table(district):
    status, out, _ = run("ranking", "--parent", "D", "--period", "2019", "--kpi", "online_rate")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "online_rate: D – Thành phố D, 2019"
    assert lines[3].split()[:4] == ["1", "A", "Phường", "A"]
    assert lines[4].split()[0] == "2"


def approve(code, month=1, year=2019):
    admin = UserFactory(username="approver", role=Role.ADMIN)
    unit = Unit.objects.get(code=code)
    unit_month_submit(unit=unit, year=year, month=month, user=None, confirm_warnings=True)  # as an import would
    unit_month_approve(unit=unit, year=year, month=month, user=admin)


def test_kpi_approved_only_counts_approved_months_only(district):
    approve("A")  # B's January stays a draft
    out = StringIO()
    call_command("kpi", "--unit", "D", "--period", "2019", "--approved-only", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["approved_only"] is True
    assert data["kpis"]["online_rate"] == {
        "numerator": 1234,
        "denominator": 2000,
        "value": "61.70",
        "target": None,
        "gap": None,
        "met": None,
    }
    out = StringIO()
    call_command("kpi", "--unit", "D", "--period", "2019", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["approved_only"] is False
    assert data["kpis"]["online_rate"]["denominator"] == 2004


def test_kpi_approved_only_table_says_so(district):
    status, out, _ = run("kpi", "--unit", "B", "--period", "2019", "--approved-only")
    assert status == 0
    assert out.splitlines()[0] == "B – Phường B, 2019 (with the units below it; approved months only)"
    line = next(row for row in out.splitlines() if row.startswith("online_rate "))
    assert line.split() == ["online_rate", "0", "0", "—"]


def test_ranking_approved_only(district):
    approve("B")
    out = StringIO()
    call_command(
        "ranking", "--parent", "D", "--period", "2019", "--kpi", "online_rate", "--approved-only", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["approved_only"] is True
    assert [(row["rank"], row["unit"], row["numerator"], row["denominator"]) for row in data["rows"]] == [
        (1, "B", 1, 4),
        (None, "A", 0, 0),
    ]
    status, out, _ = run("ranking", "--parent", "D", "--period", "2019", "--kpi", "online_rate", "--approved-only")
    assert status == 0
    assert out.splitlines()[0] == "online_rate: D – Thành phố D, 2019 (approved months only)"


@pytest.mark.parametrize("command", ["kpi", "ranking"])
def test_help_documents_approved_only(command, capsys):
    status, _, _ = run(command, "--help")
    assert status == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--approved-only" in text
    assert "count only the unit-months whose figures a leader approved" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["kpi", "--unit", "NOPE", "--period", "2019"], "--unit: unknown unit code 'NOPE'"),
        (["kpi", "--unit", "D", "--period", "2019-13"], "--period: invalid period '2019-13': month 13"),
        (["kpi", "--unit", "D", "--period", "2019-07..2019-01"], "--period: invalid period"),
        (["ranking", "--period", "2019", "--kpi", "speed"], "--kpi: unknown KPI 'speed'"),
        (["ranking", "--parent", "X", "--period", "2019", "--kpi", "online_rate"], "--parent: unknown unit code 'X'"),
        (["ranking", "--period", "Q3", "--kpi", "online_rate"], "--period: invalid period 'Q3'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(district, argv, message):
    status, out, err = run(*argv)
    assert status == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_required_argument_exits_2(district, capsys):
    status, _, _ = run("kpi", "--unit", "D")
    assert status == 2
    assert "the following arguments are required: --period" in capsys.readouterr().err


def build_tree(n):
    province = UnitFactory(code=f"T{n}", kind=UnitKind.PROVINCE)
    for i in range(n):
        child = UnitFactory(code=f"T{n}.{i}", parent=province, kind=UnitKind.DISTRICT)
        for j in range(3):
            commune = UnitFactory(code=f"T{n}.{i}.{j}", parent=child)
            FilingFactory(unit=commune, received_online=j, received_direct=1)
            OfferingFactory(unit=commune)
        TargetFactory(unit=child)
    return province


@pytest.mark.parametrize("extra", [[], ["--approved-only"]])
@pytest.mark.parametrize("command", ["kpi", "ranking"])
def test_commands_run_a_bounded_number_of_queries(command, extra):
    counts = []
    for n in (3, 30):
        province = build_tree(n)
        args = (
            ["kpi", "--unit", province.code, "--period", "2019", "--json"]
            if command == "kpi"
            else ["ranking", "--parent", province.code, "--period", "2019", "--kpi", "online_rate", "--json"]
        ) + extra
        with CaptureQueriesContext(connection) as queries:
            call_command(*args, stdout=StringIO())
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 6
