"""`manage.py score` and GET /api/v1/score: the same JSON (CONTRACT.md, "score --json"), the text table in
Vietnamese number formats, and the errors of the other commands and API views (exit 2 / 400 naming the
parameter, 401, 404 outside the scope)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role
from accounts.tokens import api_token_create
from core.periods import Period
from scores.selectors import score_for
from tests.commands import run_command
from tests.factories import UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

URL = "/api/v1/score"


def run(*argv):
    return run_command("scores", "score", *argv)


def test_score_json_is_the_selectors(district):
    out = StringIO()
    call_command("score", "--unit", "D", "--period", "2025-Q1", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data == score_for(district["D"], Period.parse("2025-Q1")).as_json()
    assert (data["total"], data["max"], data["version"]) == ("66.84", "82.00", "766-2022")
    out = StringIO()
    call_command("score", "--unit", "D", "--period", "2025-Q1", "--json", "--approved-only", stdout=out)
    assert json.loads(out.getvalue())["approved_only"] is True


def test_score_table_in_vietnamese_number_formats(district):
    status, out, err = run("--unit", "D", "--period", "2025-Q1")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == ("D – Thành phố D, 2025-Q1 (with the units below it), score version 766-2022 (from 2022-06-23)")
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in lines[3:]}
    # numerator, denominator, value, threshold, points, max, needed
    assert rows["transparency", "sync_rate"] == ["150", "160", "93,75", "100,00", "16,88", "18,00", "10"]
    assert rows["progress", "on_time_rate"] == ["200", "200", "100,00", "100,00", "20,00", "20,00"]
    assert rows["digitisation", "(group)"] == ["9,17", "22,00"]
    assert rows["satisfaction", "satisfaction_rate"] == ["no", "data", "95,00", "—", "18,00"]
    assert ["total", "66,84", "82,00"] in [line.split() for line in lines]
    assert lines[-1] == "satisfaction_rate: no data; its 18,00 points are left out of the maximum"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--unit", "NOPE", "--period", "2025"], "--unit: unknown unit code 'NOPE'"),
        (["--unit", "D", "--period", "2025-13"], "--period: invalid period '2025-13'"),
        (["--unit", "D", "--period", "2021"], "--period: no score version in force on 2021-12-31"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(district, argv, message):
    status, out, err = run(*argv)
    assert status == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


# --- the API ---------------------------------------------------------------------------------------------


@pytest.fixture
def leader_key(district):
    """A leader of district D (province P above it is outside the scope, as is province Q)."""
    province = UnitFactory(code="P", name="Tỉnh P", kind=UnitKind.PROVINCE)
    district["D"].parent = province
    district["D"].save()
    UnitFactory(code="Q", name="Tỉnh Q", kind=UnitKind.PROVINCE)
    leader = UserFactory(username="leader", role=Role.LEADER, units=[district["D"]])
    return api_token_create(user=leader, name="test")[1]


def get(client, key=None, **params):
    headers = {"Authorization": f"Token {key}"} if key else {}
    return client.get(URL, params, headers=headers)


def test_the_api_answers_the_commands_json(client, district, leader_key):
    response = get(client, leader_key, unit="D", period="2025-Q1")
    assert response.status_code == 200, response.content
    out = StringIO()
    call_command("score", "--unit", "D", "--period", "2025-Q1", "--json", stdout=out)
    assert response.json() == json.loads(out.getvalue())
    assert get(client, leader_key, unit="A", period="2025-01").json()["unit"] == "A"
    approved = get(client, leader_key, unit="D", period="2025-Q1", status="approved").json()
    assert approved["approved_only"] is True and approved["max"] == "0.00"
    slash = client.get(URL + "/", {"unit": "D", "period": "2025-Q1"}, headers={"Authorization": f"Token {leader_key}"})
    assert slash.status_code == 200


def test_the_api_needs_credentials(client, district):
    response = get(client, unit="D", period="2025-Q1")
    assert response.status_code == 401
    assert "error" in response.json()
    assert get(client, "not-a-token", unit="D", period="2025-Q1").status_code == 401


@pytest.mark.parametrize("code", ["P", "Q", "NOPE"])
def test_a_unit_outside_the_scope_answers_404(client, leader_key, code):
    response = get(client, leader_key, unit=code, period="2025-Q1")
    assert response.status_code == 404
    assert response.json() == {"error": f"unit: no unit with code '{code}' in your scope", "parameter": "unit"}


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"period": "2025"}, "unit"),
        ({"unit": "D"}, "period"),
        ({"unit": "D", "period": "2025-13"}, "period"),
        ({"unit": "D", "period": "2021"}, "period"),  # before the first version
        ({"unit": "D", "period": "2025", "status": "bogus"}, "status"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(client, leader_key, params, parameter):
    response = get(client, leader_key, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert body["error"].startswith(f"{parameter}: ")


def test_a_session_works_too(client, district, leader_key):
    from accounts.models import User

    client.force_login(User.objects.get(username="leader"))
    assert client.get(URL, {"unit": "D", "period": "2025-Q1"}).json()["total"] == "66.84"
