"""The leaders' dashboards on the demo data, as issue 10's walk-through: a leader of Cẩm Phả ranks its
centre, departments and communes for January to July 2019 against their targets, opens a commune, a
procedure, exports; the Tam Kỳ alert of June 2023 reaches an administrator and a leader of Tam Kỳ."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

JAN_JUL = "2019-01..2019-07"


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_a_leader_of_cam_pha_ranks_its_units_against_their_targets(seeded, client):
    login(client, "lanhdao195")
    response = client.get(reverse("reports:ranking"), {"unit": "195", "period": JAN_JUL, "kpi": "online_rate_eligible"})
    assert response.status_code == 200
    rows = {row.unit.code: row for row in response.context["result"].rows}
    centre = rows["195.TTHCC"].kpi_value
    assert (centre.numerator, centre.denominator, str(centre.value)) == (929, 3553, "26.15")
    assert (centre.target, centre.status) == (30, "close")
    assert {"195.TTHCC", "195.TP", "195.VHTT", "195.YT", "06766"} <= set(rows)
    statuses = {row.kpi_value.status for row in rows.values()}
    assert {"met", "close", "missed"} <= statuses
    html = response.content.decode()
    assert "26,15%" in html and "929 / 3.553" in html and 'id="ranking-data"' in html


def test_all_communes_together_as_the_field_report_counts_them(seeded, client):
    login(client, "lanhdao195")
    response = client.get(
        reverse("reports:ranking"), {"unit": "195", "period": JAN_JUL, "kpi": "online_rate_eligible", "kind": "commune"}
    )
    combined = response.context["result"].combined
    assert (combined.numerator, combined.denominator, str(combined.value)) == (2916, 10717, "27.21")
    assert "27,21%" in response.content.decode()


def test_a_commune_its_procedure_and_the_exports(seeded, client):
    login(client, "lanhdao195")
    unit = client.get(reverse("reports:unit", args=["06766"]), {"period": JAN_JUL})
    assert unit.status_code == 200
    # The breadcrumb goes back up to the leader's top unit.
    assert [(name, bool(href)) for name, href in unit.context["crumbs"]] == [
        ("Thành phố Cẩm Phả", True),
        ("Phường Cẩm Sơn", False),
    ]
    procedures = unit.context["procedures"]
    assert procedures, "the commune's procedures by filings"
    first = procedures[0]
    page = client.get(reverse("reports:procedure", args=["06766", first.code]), {"period": JAN_JUL})
    assert page.status_code == 200 and page.context["total"].new == first.new
    for export in (unit.context["export_url"], page.context["export_url"]):
        response = client.get(export)
        assert response.status_code == 200
        openpyxl.load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("username", ["admin", "lanhdao502"])
def test_the_tam_ky_alert_reaches_an_admin_and_a_leader_of_tam_ky(seeded, client, username):
    login(client, username)
    response = client.get(reverse("home"), {"period": "2023"})
    alerts = response.context["alerts"]
    assert any(alert.unit.code == "502" and str(alert.month) == "2023-06" for alert in alerts), alerts
    assert "Thành phố Tam Kỳ" in response.content.decode()


def test_a_leader_of_cam_pha_sees_no_tam_ky_alert(seeded, client):
    login(client, "lanhdao195")
    alerts = client.get(reverse("home"), {"period": "2023"}).context["alerts"]
    assert not any(alert.unit.code.startswith("502") for alert in alerts)


def test_without_a_kpi_the_ranking_shows_the_one_the_units_have_targets_for(seeded, client):
    login(client, "lanhdao195")
    response = client.get(reverse("reports:ranking"), {"unit": "195", "period": JAN_JUL})
    # Cẩm Phả set its 2019 targets on online_rate_eligible (the centre and 16 communes; 3 departments
    # have one on online_rate).
    assert response.context["kpi"].key == "online_rate_eligible"
    login(client, "lanhdao502")
    response = client.get(reverse("reports:ranking"), {"unit": "502", "period": "2023"})
    assert response.context["kpi"].key == "online_rate"  # no targets below Tam Kỳ: the main KPI
