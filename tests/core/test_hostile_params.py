"""Crafted parameters never give a 500 (issue 13): periods at the edges of the years the app knows (their
comparisons a year before and after would leave them) and NUL characters in codes get a 400 that names
the parameter, in JSON on the API."""

import pytest

from tests.factories import UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

EDGE_PERIODS = ["2100-12", "2100", "2100-Q4", "2099-12..2100-01", "2000-01", "2000"]
PERIOD_URLS = [
    "/?period={}",
    "/reports/ranking/?unit=D&period={}",
    "/reports/unit/D/?period={}",
    "/filings/completeness/?unit=D&period={}",
    "/filings/export.xlsx?unit=D&period={}",
    "/scores/?unit=D&period={}",
    "/directing/activities.xlsx?unit=D&period={}",
    "/directing/indicators.xlsx?unit=D&period={}",
    "/api/v1/kpi?unit=D&period={}",
    "/api/v1/ranking?period={}&kpi=online_rate",
    "/api/v1/score?unit=D&period={}",
]
NUL_URLS = [
    "/api/v1/ranking?parent=D%00X&period=2019&kpi=online_rate",
    "/api/v1/kpi?unit=D%00&period=2019",
    "/filings/completeness/?unit=D%00&period=2019",
    "/filings/export.xlsx?unit=D%00",
    "/reports/ranking/?unit=D%00",
    "/directing/?unit=D%00",
    "/filings/D%00/2019-07/",
    "/reports/unit/D%00/",
    "/?period=2019%00",
    "/reports/ranking/?un%00it=D",
]


@pytest.fixture
def admin(client):
    UnitFactory(code="D", name="Huyện D", kind=UnitKind.DISTRICT)
    client.force_login(UserFactory(username="admin", role="admin", is_superuser=True))
    return client


@pytest.mark.parametrize("period", EDGE_PERIODS)
@pytest.mark.parametrize("url", PERIOD_URLS)
def test_a_period_at_the_edge_of_the_known_years_is_a_400(admin, url, period):
    response = admin.get(url.format(period))
    if url.startswith("/?"):  # the home page shows the message above the default period
        assert response.status_code == 200 and 'id="period-error"' in response.content.decode()
        return
    assert response.status_code == 400, response.content[:300]
    assert "period" in response.content.decode()  # the pages' message names it, in Vietnamese too
    if url.startswith("/api/"):
        assert response.json()["parameter"] == "period"
        assert "the years 2001 to 2099 only" in response.json()["error"]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_character_is_a_400_naming_the_parameter(admin, url):
    response = admin.get(url)
    assert response.status_code == 400
    body = response.content.decode()
    assert "NUL" in body
    if url.startswith("/api/"):
        assert response.json()["parameter"] in ("parent", "unit")
