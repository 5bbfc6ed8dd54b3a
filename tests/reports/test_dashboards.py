"""The leaders' pages: the ranking page (its table, chart data, kinds, periods and bad parameters), a
unit's page (every KPI, trends, units below, procedures and fields) and a procedure within a unit; scope
and the number of queries of each."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from accounts.models import Role
from procedures.models import Procedure
from tests.factories import FilingFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client, town):
    client.force_login(UserFactory(username="lanhdao", role=Role.LEADER, units=[town]))
    return client


def chart_data(response, element_id):
    html = response.content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match[1])


def test_the_ranking_page_ranks_the_units_below_with_targets_and_the_chart(leader, town):
    response = leader.get(reverse("reports:ranking"), {"period": "07/2019"})
    assert response.status_code == 200
    result = response.context["result"]
    assert [(row.rank, row.unit.code, row.previous_rank) for row in result.rows] == [
        (1, "X2", 3),
        (2, "X3", None),
        (3, "T.TTHCC", 2),
        (4, "X1", 1),
    ]
    chart = chart_data(response, "ranking-data")
    assert [(row["label"], row["value"], row["target"], row["status"]) for row in chart["rows"]] == [
        ("Xã Hai", 90.0, 80.0, "met"),
        ("Xã Ba", 80.0, 83.0, "close"),
        ("Trung tâm HCC", 20.0, None, None),
        ("Xã Một", 10.0, 30.0, "missed"),
    ]
    html = response.content.decode()
    # Every unit links to its page; the rank change and the status are written, not only coloured.
    assert f'href="{reverse("reports:unit", args=["X2"])}?period=2019-07"' in html
    assert "▲ 2" in html and "▼ 3" in html
    assert _("Met") in html and _("Close") in html and _("Not met") in html
    assert response.context["period"].start.month == 7  # 07/2019 read as 2019-07


def test_one_kind_of_units_and_the_kind_taken_together(leader, town):
    response = leader.get(reverse("reports:ranking"), {"unit": "T", "period": "2019-06..2019-07", "kind": "commune"})
    assert response.status_code == 200
    assert [row.unit.code for row in response.context["result"].rows] == ["X3", "X1", "X2"]
    html = response.content.decode()
    combined = html[html.index('id="combined"') :]
    assert "56,00%" in combined[: combined.index("</tr>")] and "28 / 50" in combined
    kinds = [value for value, _label, _href, _on in response.context["kinds"]]
    assert kinds == [UnitKind.COMMUNE, UnitKind.CENTER]


def test_the_ranking_by_another_kpi_and_its_export_link(leader, town):
    response = leader.get(reverse("reports:ranking"), {"unit": "T", "period": "2019-07", "kpi": "on_time_rate"})
    assert response.status_code == 200
    assert response.context["kpi"].key == "on_time_rate"
    export = response.context["export_url"]
    assert export.startswith(reverse("reports:export_ranking")) and "kpi=on_time_rate" in export
    assert leader.get(export).status_code == 200


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"kpi": "speed"}, "kpi"), ({"kind": "village"}, "kind"), ({"period": "2019-13"}, "period")],
)
def test_a_bad_parameter_is_named_and_the_page_still_answers(leader, town, params, parameter):
    response = leader.get(reverse("reports:ranking"), {"unit": "T", "period": "2019-07", **params})
    assert response.status_code == 400
    assert escape(f"“{parameter}”") in response.content.decode()
    assert response.context["result"].rows  # the default shown instead


# The queries of each page, whatever the number of units: the session and the user, the unit and its
# breadcrumb, the figures (reports.selectors), the targets, the alerts, the breakdowns; on the unit page
# also the score's version and its indicators (scores.views.unit_panel), the open tasks (directing) and the
# periodic indicators (one query when none is reported: directing.views.indicators.unit_panel) and the
# outreach activities by kind (one query: directing.views.activities.unit_panel). The rankings read the sums
# of the ranked KPI alone (a filing KPI: no offering sums), and the ranking page reads the kinds of its
# units once (it read them once per kind of unit). The unit's KPIs read the offering totals and, for the
# share of online procedures with online filings, the offerings (one query each, one before); its units
# below, ranked by a filing KPI, no longer read offerings. The unit named is found in the leader's scope by
# one query (units.selectors.unit_in_scope_with), where it took two (their units, then the unit).
RANKING_QUERIES, UNIT_QUERIES, PROCEDURE_QUERIES = 9, 28, 9


def test_the_ranking_page_runs_a_fixed_number_of_queries(leader, town, django_assert_num_queries):
    params = {"unit": "T", "period": "2019-07"}
    leader.get(reverse("reports:ranking"), params)  # a session's first request records its time
    with django_assert_num_queries(RANKING_QUERIES):
        leader.get(reverse("reports:ranking"), params)
    for code in ("X4", "X5", "X6", "X7"):
        UnitFactory(code=code, kind=UnitKind.COMMUNE, parent=town)
    with django_assert_num_queries(RANKING_QUERIES):
        assert len(leader.get(reverse("reports:ranking"), params).context["result"].rows) == 8


def test_the_unit_page_has_every_kpi_the_trends_the_units_below_and_the_procedures(leader, town):
    response = leader.get(reverse("reports:unit", args=["T"]), {"period": "2019-06..2019-07"})
    assert response.status_code == 200
    figures = {value.kpi.key: value for value in response.context["figures"]}
    # (50 + 20 + 9 + 1 + 1 + 9 + 8) / (100 + 100 + 20 + 20 + 10): the whole town over the two months.
    assert (figures["online_rate"].numerator, figures["online_rate"].denominator) == (98, 250)
    trend = chart_data(response, "trend-data-online_rate")
    assert trend["months"][5:7] == ["2019-06", "2019-07"]
    # June (50 + 9 + 1) / 120; July (20 + 1 + 9 + 8) / 130.
    assert trend["series"][0]["values"][5:7] == [50.0, 29.23]
    assert [row.unit.code for row, _href in response.context["children"]][:1] == ["X3"]
    [procedure] = response.context["procedures"]
    assert (procedure.code, procedure.new, procedure.online) == ("1.001193", 250, 98)
    [field] = response.context["fields"]
    assert (field.name, field.new) == ("Hộ tịch", 250)
    html = response.content.decode()
    assert reverse("reports:procedure", args=["T", "1.001193"]) in html


def test_the_unit_page_runs_a_fixed_number_of_queries(leader, town, django_assert_num_queries):
    params = {"period": "2019-07"}
    leader.get(reverse("reports:unit", args=["T"]), params)  # a session's first request records its time
    with django_assert_num_queries(UNIT_QUERIES):
        leader.get(reverse("reports:unit", args=["T"]), params)
    for code in ("X4", "X5", "X6", "X7"):
        UnitFactory(code=code, kind=UnitKind.COMMUNE, parent=town)
    with django_assert_num_queries(UNIT_QUERIES):
        assert leader.get(reverse("reports:unit", args=["T"]), params).status_code == 200


def test_the_procedure_page_runs_a_fixed_number_of_queries(leader, town, django_assert_num_queries):
    params = {"period": "2019-06..2019-07"}
    url = reverse("reports:procedure", args=["T", "1.001193"])
    leader.get(url, params)  # a session's first request records its time
    with django_assert_num_queries(PROCEDURE_QUERIES):
        leader.get(url, params)
    for code in ("X4", "X5", "X6", "X7"):
        FilingFactory(
            unit=UnitFactory(code=code, kind=UnitKind.COMMUNE, parent=town),
            procedure=Procedure.objects.get(code="1.001193"),
            month=6,
            received_online=1,
        )
    with django_assert_num_queries(PROCEDURE_QUERIES):
        assert len(leader.get(url, params).context["units"]) == 8


def test_a_procedure_in_a_unit_by_month_and_by_unit(leader, town):
    response = leader.get(reverse("reports:procedure", args=["T", "1.001193"]), {"period": "2019-06..2019-07"})
    assert response.status_code == 200
    assert [(month.month, item.new, item.online) for month, item, _before in response.context["months"]] == [
        (6, 120, 60),
        (7, 130, 38),
    ]
    by_unit = [(unit.code, item.new) for unit, item, _href in response.context["units"]]
    assert by_unit == [("T.TTHCC", 200), ("X1", 20), ("X2", 20), ("X3", 10)]
    assert leader.get(reverse("reports:procedure", args=["T", "9.999999"])).status_code == 404


def test_a_leader_of_one_commune_cannot_open_the_town(client, town):
    client.force_login(UserFactory(username="xa", role=Role.LEADER, units=[town.children.get(code="X1")]))
    assert client.get(reverse("reports:unit", args=["T"])).status_code == 404
    assert client.get(reverse("reports:unit", args=["X2"])).status_code == 404
    assert client.get(reverse("reports:ranking"), {"unit": "T"}).status_code == 404
    page = client.get(reverse("reports:unit", args=["X1"]), {"period": "2019-07"})
    assert page.status_code == 200
    # The breadcrumb goes up to the top of the user's scope only.
    assert [label for label, _href in page.context["crumbs"]] == ["Xã Một"]
