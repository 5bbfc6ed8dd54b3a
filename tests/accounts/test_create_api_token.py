"""`manage.py create_api_token USERNAME` as CONTRACT.md fixes it: the key is the last word of the output."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import ApiToken, Role
from tests.commands import run_command
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*argv):
    return run_command("accounts", "create_api_token", *argv)


@pytest.fixture
def leader():
    return UserFactory(username="lanhdao", role=Role.LEADER, units=[UnitFactory(code="D")])


def test_prints_a_working_key_as_the_last_word(client, leader):
    status, out, err = run("lanhdao")
    assert status == 0 and err == ""
    key = out.split()[-1]
    assert out.splitlines()[-1] == key
    token = ApiToken.objects.get(user=leader)
    assert token.prefix == key[:8]
    response = client.get("/api/v1/kpi", {"unit": "D", "period": "2019"}, headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200 and response.json()["unit"] == "D"


def test_the_key_is_not_stored(leader):
    _, out, _ = run("lanhdao")
    key = out.split()[-1]
    stored = ApiToken.objects.values().get()
    assert not any(key in str(value) for value in stored.values())


def test_a_second_token_leaves_the_first_valid(client, leader):
    first = run("lanhdao")[1].split()[-1]
    second = run("lanhdao", "--name", "nightly export")[1].split()[-1]
    assert first != second
    assert ApiToken.objects.active().count() == 2
    assert ApiToken.objects.filter(name="nightly export").exists()
    for key in (first, second):
        response = client.get("/api/v1/kpi", {"unit": "D", "period": "2019"}, headers={"Authorization": f"Token {key}"})
        assert response.status_code == 200


def test_call_command_works_too(leader):
    out = StringIO()
    call_command("create_api_token", "lanhdao", stdout=out)
    assert len(out.getvalue().split()[-1]) >= 43


def test_an_unknown_user_is_one_line_and_exit_2(db):
    status, out, err = run("nobody")
    assert status == 2
    assert out == ""
    assert err.strip() == "CommandError: unknown user 'nobody'"
    assert not ApiToken.objects.exists()


def test_an_inactive_user_is_refused(leader):
    leader.is_active = False
    leader.save()
    status, _, err = run("lanhdao")
    assert status == 2 and "inactive" in err and len(err.strip().splitlines()) == 1
    assert not ApiToken.objects.exists()


def test_help(capsys):
    status, _, _ = run("--help")
    assert status == 0
    assert "USERNAME" in capsys.readouterr().out


def test_a_clerk_gets_no_token_and_is_told_why():
    UserFactory(username="canbo", role=Role.CLERK, units=[UnitFactory(code="D")])
    status, out, err = run("canbo")
    assert status != 0 and out == ""
    assert "user 'canbo' is a clerk: only leaders and administrators may use API tokens" in err
    assert not ApiToken.objects.exists()
