"""The JSON API of CONTRACT.md ("HTTP"): the CLI's JSON over HTTP, within the user's scope, with JSON errors."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, Role
from accounts.tokens import api_token_create, api_token_revoke
from filings.workflow import unit_month_approve, unit_month_submit
from tests.factories import FilingFactory, TargetFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

KPI_URL = "/api/v1/kpi"
RANKING_URL = "/api/v1/ranking"


@pytest.fixture
def tree():
    """Two provinces: D (with communes A and B) under province P, and province Q with commune X."""
    p = UnitFactory(code="P", name="Tỉnh P", kind=UnitKind.PROVINCE)
    d = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT, parent=p)
    a = UnitFactory(code="A", name="Phường A", parent=d)
    b = UnitFactory(code="B", name="Phường B", parent=d)
    q = UnitFactory(code="Q", name="Tỉnh Q", kind=UnitKind.PROVINCE)
    x = UnitFactory(code="X", name="Xã X", parent=q)
    FilingFactory(unit=a, received_online=1234, received_direct=766)
    FilingFactory(unit=b, received_online=1, received_direct=3)
    FilingFactory(unit=x, received_online=9, received_direct=1, returned_postal=7)
    TargetFactory(unit=a, year=2019, kpi="online_rate", target=60)
    return {"P": p, "D": d, "A": a, "B": b, "Q": q, "X": x}


def token_for(user):
    return api_token_create(user=user, name="test")[1]


@pytest.fixture
def leader(tree):
    """A leader of district D: sees D, A and B, nothing of P's other parts or of Q."""
    return UserFactory(username="leader", role=Role.LEADER, units=[tree["D"]])


@pytest.fixture
def leader_key(leader):
    return token_for(leader)


def get(client, url, key=None, **params):
    headers = {"Authorization": f"Token {key}"} if key else {}
    return client.get(url, params, headers=headers)


def cli_json(*argv):
    out = StringIO()
    call_command(*argv, "--json", stdout=out)
    return json.loads(out.getvalue())


class TestKpi:
    def test_answers_the_contract_json(self, client, leader_key):
        response = get(client, KPI_URL, leader_key, unit="D", period="2019-Q1")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        data = response.json()
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
        assert data["kpis"]["postal_returns"] == {"value": 0, "target": None, "gap": None, "met": None}

    def test_is_exactly_what_the_kpi_command_prints(self, client, leader_key):
        data = get(client, KPI_URL, leader_key, unit="A", period="2019").json()
        assert data == cli_json("kpi", "--unit", "A", "--period", "2019")
        assert data["kpis"]["online_rate"] == {
            "numerator": 1234,
            "denominator": 2000,
            "value": "61.70",
            "target": "60.00",
            "gap": "1.70",
            "met": True,
        }

    def test_names_are_sent_as_utf8_text(self, client, leader_key):
        response = get(client, KPI_URL, leader_key, unit="A", period="2019")
        assert "Phường A".encode() in response.content

    @pytest.mark.parametrize("own, scope", [("1", "own"), ("true", "own"), ("0", "subtree"), ("", "subtree")])
    def test_own_figures(self, client, leader_key, own, scope):
        data = get(client, KPI_URL, leader_key, unit="D", period="2019", own=own).json()
        assert data["scope"] == scope
        # D has no filings of its own; its subtree has A's and B's.
        assert data["kpis"]["online_rate"]["value"] == (None if scope == "own" else "61.63")

    def test_a_unit_below_the_assigned_one_is_in_scope(self, client, leader_key):
        assert get(client, KPI_URL, leader_key, unit="B", period="2019").json()["unit"] == "B"


class TestScope:
    @pytest.mark.parametrize("code", ["X", "Q", "P", "NOPE"])
    def test_a_unit_outside_the_scope_answers_404_like_an_unknown_one(self, client, leader_key, code):
        response = get(client, KPI_URL, leader_key, unit=code, period="2019")
        assert response.status_code == 404
        assert response.json() == {"error": f"unit: no unit with code '{code}' in your scope", "parameter": "unit"}

    def test_out_of_scope_own_figures_are_404_too(self, client, leader_key):
        assert get(client, KPI_URL, leader_key, unit="X", period="2019", own="1").status_code == 404

    @pytest.mark.parametrize("code", ["Q", "P", "NOPE"])
    def test_a_ranking_whose_parent_is_outside_the_scope_answers_404(self, client, leader_key, code):
        response = get(client, RANKING_URL, leader_key, parent=code, period="2019", kpi="online_rate")
        assert response.status_code == 404
        body = response.json()
        assert body["parameter"] == "parent" and "rows" not in body
        assert "Xã X" not in response.content.decode()

    def test_the_top_level_ranking_shows_only_the_units_in_scope(self, client, leader_key):
        data = get(client, RANKING_URL, leader_key, period="2019", kpi="online_rate").json()
        assert data["parent"] is None
        assert [row["unit"] for row in data["rows"]] == ["D"]
        assert data["rows"][0]["numerator"] == 1235

    def test_the_top_level_ranking_of_several_units_ranks_the_highest_of_them(self, client, tree):
        # A is below D: only D and X are the tops of this scope.
        user = UserFactory(username="two", role=Role.LEADER, units=[tree["D"], tree["A"], tree["X"]])
        data = get(client, RANKING_URL, token_for(user), period="2019", kpi="online_rate").json()
        assert [(row["rank"], row["unit"], row["value"]) for row in data["rows"]] == [
            (1, "X", "90.00"),
            (2, "D", "61.63"),
        ]

    def test_a_user_without_units_sees_nothing(self, client, tree):
        user = UserFactory(username="nobody", role=Role.LEADER)
        key = token_for(user)
        assert get(client, RANKING_URL, key, period="2019", kpi="online_rate").json()["rows"] == []
        assert get(client, KPI_URL, key, unit="A", period="2019").status_code == 404

    def test_an_admin_sees_every_unit(self, client, tree):
        admin = UserFactory(username="boss", role=Role.ADMIN)
        key = token_for(admin)
        data = get(client, RANKING_URL, key, period="2019", kpi="postal_returns").json()
        assert [(row["rank"], row["unit"], row["value"]) for row in data["rows"]] == [(1, "Q", 7), (2, "P", 0)]
        assert get(client, KPI_URL, key, unit="X", period="2019").json()["kpis"]["postal_returns"]["value"] == 7
        assert get(client, RANKING_URL, key, parent="Q", period="2019", kpi="online_rate").status_code == 200

    def test_a_superuser_sees_every_unit(self, client, tree):
        root = UserFactory(username="root", role=Role.CLERK, is_superuser=True)
        assert get(client, KPI_URL, token_for(root), unit="X", period="2019").status_code == 200


class TestRanking:
    def test_is_exactly_what_the_ranking_command_prints(self, client, leader_key):
        data = get(client, RANKING_URL, leader_key, parent="D", period="2019", kpi="online_rate").json()
        assert data == cli_json("ranking", "--parent", "D", "--period", "2019", "--kpi", "online_rate")
        assert data["parent"] == "D" and data["kpi"] == "online_rate"
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

    def test_units_without_a_value_come_last_without_rank(self, client, leader_key):
        data = get(client, RANKING_URL, leader_key, parent="D", period="2019", kpi="on_time_rate").json()
        assert [(row["rank"], row["value"]) for row in data["rows"]] == [(None, None), (None, None)]

    def test_the_top_level_ranking_runs_a_bounded_number_of_queries(self, client, tree):
        admin = UserFactory(username="boss", role=Role.ADMIN)
        key = token_for(admin)
        get(client, RANKING_URL, key, period="2019", kpi="online_rate")  # records the token's use once
        counts = []
        for n in (2, 20):
            for i in range(n):
                province = UnitFactory(code=f"R{n}.{i}", kind=UnitKind.PROVINCE)
                FilingFactory(unit=UnitFactory(code=f"R{n}.{i}.c", parent=province), received_online=i)
            with CaptureQueriesContext(connection) as queries:
                assert get(client, RANKING_URL, key, period="2019", kpi="online_rate").status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1] <= 6


class TestApprovedOnly:
    """status=approved counts approved unit-months only (CONTRACT.md, "Options shared by ...")."""

    @pytest.fixture
    def approved_a(self, tree):
        """A's January approved; B's January still a draft."""
        admin = UserFactory(username="approver", role=Role.ADMIN)
        unit_month_submit(unit=tree["A"], year=2019, month=1, user=None, confirm_warnings=True)  # as an import would
        unit_month_approve(unit=tree["A"], year=2019, month=1, user=admin)

    def test_a_draft_months_figures_drop_out_and_an_approved_months_stay(self, client, leader_key, approved_a):
        every = get(client, KPI_URL, leader_key, unit="D", period="2019").json()
        approved = get(client, KPI_URL, leader_key, unit="D", period="2019", status="approved").json()
        assert every["approved_only"] is False
        assert (every["kpis"]["online_rate"]["numerator"], every["kpis"]["online_rate"]["denominator"]) == (1235, 2004)
        assert approved["approved_only"] is True
        assert approved["kpis"]["online_rate"] == {
            "numerator": 1234,
            "denominator": 2000,
            "value": "61.70",
            "target": None,
            "gap": None,
            "met": None,
        }
        draft = get(client, KPI_URL, leader_key, unit="B", period="2019", status="approved").json()
        assert (draft["kpis"]["online_rate"]["denominator"], draft["kpis"]["online_rate"]["value"]) == (0, None)

    @pytest.mark.parametrize("status", ["all", "", "ALL"])
    def test_status_all_or_absent_counts_every_figure(self, client, leader_key, approved_a, status):
        data = get(client, KPI_URL, leader_key, unit="D", period="2019", status=status).json()
        assert data["approved_only"] is False
        assert data["kpis"]["online_rate"]["denominator"] == 2004

    def test_is_exactly_what_the_commands_print_with_approved_only(self, client, leader_key, approved_a):
        data = get(client, KPI_URL, leader_key, unit="D", period="2019", status="approved").json()
        assert data == cli_json("kpi", "--unit", "D", "--period", "2019", "--approved-only")
        data = get(
            client, RANKING_URL, leader_key, parent="D", period="2019", kpi="online_rate", status="approved"
        ).json()
        assert data == cli_json(
            "ranking", "--parent", "D", "--period", "2019", "--kpi", "online_rate", "--approved-only"
        )
        assert data["approved_only"] is True
        assert [(row["rank"], row["unit"], row["value"]) for row in data["rows"]] == [
            (1, "A", "61.70"),
            (None, "B", None),
        ]

    def test_the_top_level_ranking_counts_approved_months_only(self, client, leader_key, approved_a):
        data = get(client, RANKING_URL, leader_key, period="2019", kpi="online_rate", status="approved").json()
        assert [(row["unit"], row["numerator"], row["denominator"]) for row in data["rows"]] == [("D", 1234, 2000)]

    @pytest.mark.parametrize("code", ["X", "Q", "NOPE"])
    def test_outside_the_scope_is_still_404(self, client, leader_key, approved_a, code):
        response = get(client, KPI_URL, leader_key, unit=code, period="2019", status="approved")
        assert response.status_code == 404 and response.json()["parameter"] == "unit"
        response = get(
            client, RANKING_URL, leader_key, parent=code, period="2019", kpi="online_rate", status="approved"
        )
        assert response.status_code == 404 and response.json()["parameter"] == "parent"

    def test_a_bad_status_is_reported_before_the_scope_is_looked_at(self, client, leader_key):
        response = get(client, KPI_URL, leader_key, unit="X", period="2019", status="bogus")
        assert response.status_code == 400
        assert response.json() == {"error": "status: expected approved or all, not 'bogus'", "parameter": "status"}


class TestAuthentication:
    def assert_401(self, response):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"].startswith("Token")
        assert "Location" not in response
        assert set(response.json()) == {"error"}
        assert "kpis" not in response.content.decode()
        return response.json()["error"]

    @pytest.mark.parametrize("url", [KPI_URL, RANKING_URL])
    def test_without_credentials_401_json_never_a_redirect(self, client, tree, url):
        message = self.assert_401(client.get(url, {"unit": "A", "period": "2019", "kpi": "online_rate"}))
        assert "Authorization: Token KEY" in message

    def test_a_bogus_token_is_401(self, client, leader_key):
        message = self.assert_401(get(client, KPI_URL, "not-a-real-key", unit="A", period="2019"))
        assert message == "invalid or revoked API token"

    def test_a_revoked_token_is_401(self, client, leader, leader_key):
        assert get(client, KPI_URL, leader_key, unit="A", period="2019").status_code == 200
        api_token_revoke(token=ApiToken.objects.get(user=leader), by=leader)
        message = self.assert_401(get(client, KPI_URL, leader_key, unit="A", period="2019"))
        assert message == "invalid or revoked API token"

    def test_the_token_of_an_inactive_user_is_401(self, client, leader, leader_key):
        leader.is_active = False
        leader.save()
        self.assert_401(get(client, KPI_URL, leader_key, unit="A", period="2019"))

    @pytest.mark.parametrize("header", ["Bearer {key}", "Token", "{key}", "Basic dXNlcjpwYXNz"])
    def test_a_malformed_authorization_header_is_401(self, client, leader_key, header):
        response = client.get(
            KPI_URL, {"unit": "A", "period": "2019"}, headers={"Authorization": header.format(key=leader_key)}
        )
        assert self.assert_401(response) == 'malformed Authorization header: expected "Token KEY"'

    def test_the_keyword_is_case_insensitive(self, client, leader_key):
        response = client.get(
            KPI_URL, {"unit": "A", "period": "2019"}, headers={"Authorization": f"token {leader_key}"}
        )
        assert response.status_code == 200

    def test_a_session_less_post_is_401(self, client, tree):
        self.assert_401(client.post(KPI_URL, {"unit": "A", "period": "2019"}))

    def test_a_bad_token_is_401_even_with_a_session(self, client, leader):
        client.force_login(leader)
        self.assert_401(get(client, KPI_URL, "bogus", unit="A", period="2019"))

    def test_the_browser_session_is_enough(self, client, leader):
        client.force_login(leader)
        response = client.get(KPI_URL, {"unit": "A", "period": "2019"})
        assert response.status_code == 200 and response.json()["unit"] == "A"
        assert client.get(KPI_URL, {"unit": "X", "period": "2019"}).status_code == 404

    def test_a_token_acts_with_its_owner_scope_even_beside_an_admin_session(self, client, tree, leader_key):
        client.force_login(UserFactory(username="boss", role=Role.ADMIN))
        assert get(client, KPI_URL, leader_key, unit="X", period="2019").status_code == 404

    def test_an_older_token_stays_valid_beside_a_newer_one(self, client, leader, leader_key):
        newer = token_for(leader)
        assert get(client, KPI_URL, leader_key, unit="A", period="2019").status_code == 200
        assert get(client, KPI_URL, newer, unit="A", period="2019").status_code == 200

    def test_use_is_recorded_at_most_once_a_minute(self, client, leader, leader_key):
        token = ApiToken.objects.get(user=leader)
        assert token.last_used_at is None
        get(client, KPI_URL, leader_key, unit="A", period="2019")
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first is not None and timezone.now() - first < datetime.timedelta(seconds=10)
        with CaptureQueriesContext(connection) as queries:
            get(client, KPI_URL, leader_key, unit="A", period="2019")
        assert not any(q["sql"].startswith("UPDATE") for q in queries)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=5))
        get(client, KPI_URL, leader_key, unit="A", period="2019")
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first

    def test_answers_are_not_cached_and_vary_by_credentials(self, client, leader_key):
        response = get(client, KPI_URL, leader_key, unit="A", period="2019")
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]


class TestErrors:
    @pytest.mark.parametrize(
        "url, params, parameter, message",
        [
            (KPI_URL, {"unit": "A", "period": "2019-13"}, "period", "period: invalid period '2019-13': month 13"),
            (KPI_URL, {"unit": "A", "period": "Q3"}, "period", "period: invalid period 'Q3'"),
            (KPI_URL, {"unit": "A"}, "period", "period: this parameter is required"),
            (KPI_URL, {"period": "2019"}, "unit", "unit: this parameter is required"),
            (KPI_URL, {"unit": "A", "period": "2019", "own": "maybe"}, "own", "own: expected 1 or 0, not 'maybe'"),
            (RANKING_URL, {"period": "2019", "kpi": "speed"}, "kpi", "kpi: unknown KPI 'speed'"),
            (RANKING_URL, {"period": "2019"}, "kpi", "kpi: this parameter is required"),
            (RANKING_URL, {"period": "2019-07..2019-01", "kpi": "online_rate"}, "period", "period: invalid period"),
            (
                KPI_URL,
                {"unit": "A", "period": "2019", "status": "bogus"},
                "status",
                "status: expected approved or all, not 'bogus'",
            ),
            (
                RANKING_URL,
                {"period": "2019", "kpi": "online_rate", "status": "draft"},
                "status",
                "status: expected approved or all, not 'draft'",
            ),
        ],
    )
    def test_bad_parameters_are_400_naming_the_parameter(self, client, leader_key, url, params, parameter, message):
        response = get(client, url, leader_key, **params)
        assert response.status_code == 400
        body = response.json()
        assert body["parameter"] == parameter
        assert body["error"].startswith(message)

    def test_a_bad_parameter_is_reported_before_the_scope_is_looked_at(self, client, leader_key):
        response = get(client, KPI_URL, leader_key, unit="X", period="soon")
        assert response.status_code == 400 and response.json()["parameter"] == "period"

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_only_get_is_allowed(self, client, leader_key, method):
        response = getattr(client, method)(KPI_URL, headers={"Authorization": f"Token {leader_key}"})
        assert response.status_code == 405
        assert response.json() == {"error": f"method {method.upper()} is not allowed here; use GET"}
        assert response["Allow"] == "GET, HEAD"

    def test_a_post_with_a_session_but_no_csrf_token_is_405_json(self, leader):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(leader)
        response = client.post(KPI_URL, {"unit": "A", "period": "2019"})
        assert response.status_code == 405 and "error" in response.json()

    @pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/kpis", "/api/v1/kpi/extra"])
    def test_an_unknown_path_is_404_json(self, client, tree, path):
        response = client.get(path)
        assert response.status_code == 404
        assert "no API endpoint" in response.json()["error"]

    def test_a_trailing_slash_is_accepted(self, client, leader_key):
        assert get(client, KPI_URL + "/", leader_key, unit="A", period="2019").status_code == 200
