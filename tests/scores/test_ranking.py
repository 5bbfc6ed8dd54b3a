"""`score_766` as a KPI of the rankings (registered by the scores app: reports does not import it): the
selector, `manage.py ranking`, GET /api/v1/ranking and the ranking page rank by the total, units without
data last; a fixed number of queries whatever the number of units."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from core.periods import Period
from reports.kpis import COMPUTED_KPIS, KPIS, get_kpi
from reports.selectors import ranking
from tests.factories import UnitFactory, UserFactory
from tests.scores.conftest import total
from units.models import UnitKind

pytestmark = pytest.mark.django_db

Q1 = Period.parse("2025-Q1")

# A: sync 90% → 16.2, on time 20, eligible 45% → 10.8, payment 10, digitisation 5.5, e-results 11/3:
# 66.1666… → 66.17 of 82. B: sync 18 and on time 20: 38 of 38. C: no figures, no score.
EXPECTED = [(1, "A", "66.17", "82.00"), (2, "B", "38.00", "38.00"), (None, "C", None, None)]


def rows_of(data):
    return [(row["rank"], row["unit"], row["value"], row["max"]) for row in data["rows"]]


def test_score_766_is_a_computed_kpi_not_one_of_kpis():
    assert "score_766" in COMPUTED_KPIS and "score_766" not in KPIS
    kpi = get_kpi("score_766")
    assert kpi.is_score and not kpi.is_rate


def test_the_ranking_by_score(district):
    result = ranking(Q1, "score_766", parent=district["D"])
    assert [(row.rank, row.unit.code) for row in result.rows] == [(1, "A"), (2, "B"), (None, "C")]
    first = result.rows[0].kpi_value
    assert (first.value, first.points_max) == (Decimal("66.17"), Decimal("82.00"))
    assert result.combined is None  # scores do not add up
    assert rows_of(result.as_json()) == EXPECTED
    assert result.rows[0].as_json() == {
        "rank": 1,
        "previous_rank": None,
        "unit": "A",
        "name": "Phường A",
        "value": "66.17",
        "max": "82.00",
        "target": None,
        "gap": None,
        "met": None,
    }
    assert result.rows[2].as_json()["no_data"] is True


def test_the_previous_rank_by_score(district):
    total(district["B"], 2024, 12, resolved_in_time=1, resolved_all=1)  # B alone in 2024-Q4
    result = ranking(Q1, "score_766", parent=district["D"])
    assert [row.previous_rank for row in result.rows] == [None, 1, None]


def test_before_the_first_version_nobody_is_ranked(district):
    result = ranking(Period.parse("2021"), "score_766", parent=district["D"])
    assert [row.rank for row in result.rows] == [None, None, None]


def test_the_ranking_command_and_the_api(client, district):
    out = StringIO()
    call_command("ranking", "--parent", "D", "--period", "2025-Q1", "--kpi", "score_766", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["kpi"] == "score_766"
    assert rows_of(data) == EXPECTED
    client.force_login(UserFactory(username="leader", role=Role.LEADER, units=[district["D"]]))
    response = client.get("/api/v1/ranking", {"parent": "D", "period": "2025-Q1", "kpi": "score_766"})
    assert response.status_code == 200
    assert response.json() == data
    text = StringIO()
    call_command("ranking", "--parent", "D", "--period", "2025-Q1", "--kpi", "score_766", stdout=text)
    lines = [line.split() for line in text.getvalue().splitlines()]
    assert ["1", "A", "Phường", "A", "66,17", "82,00"] in lines


def test_the_ranking_page_by_score(client, district):
    client.force_login(UserFactory(username="leader", role=Role.LEADER, units=[district["D"]]))
    response = client.get(reverse("reports:ranking"), {"unit": "D", "period": "2025-Q1", "kpi": "score_766"})
    assert response.status_code == 200
    assert response.context["kpi"].key == "score_766"
    assert [row.unit.code for row in response.context["result"].rows] == ["A", "B", "C"]
    html = response.content.decode()
    assert "66,17" in html and 'value="score_766" selected' in html
    export = client.get(reverse("reports:export_ranking"), {"parent": "D", "period": "2025-Q1", "kpi": "score_766"})
    assert export.status_code == 200


def test_the_ranking_page_by_score_runs_a_fixed_number_of_queries(client, district, django_assert_num_queries):
    client.force_login(UserFactory(username="leader", role=Role.LEADER, units=[district["D"]]))
    params = {"unit": "D", "period": "2025-Q1", "kpi": "score_766"}
    client.get(reverse("reports:ranking"), params)  # a session's first request records its time
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("reports:ranking"), params)
    for i in range(5):
        total(UnitFactory(code=f"N{i}", kind=UnitKind.COMMUNE, parent=district["D"]), 2025, 1, synced=1, synced_base=1)
    with django_assert_num_queries(len(captured.captured_queries)):
        assert len(client.get(reverse("reports:ranking"), params).context["result"].rows) == 8
