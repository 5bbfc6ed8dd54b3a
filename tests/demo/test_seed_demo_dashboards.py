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


def test_a_dissolved_city_in_todays_tree_says_who_took_its_units_over(seeded, client):
    login(client, "lanhdao195")
    response = client.get(reverse("reports:ranking"), {"unit": "195", "period": "2026", "tree": "today"})
    assert response.status_code == 200 and response.context["result"].rows == []
    html = response.content.decode()
    note = html[html.index('data-note="closed"') :]
    note = note[: note.index("</li>")]
    assert "Thành phố Cẩm Phả tồn tại đến 30/06/2025" in note
    assert "Phường Cẩm Phả (22.CAMPHA)" in note and "Phường Quang Hanh (22.QUANGHANH)" in note
    assert "Phường Uông Bí" not in note  # Uông Bí's wards took over another city's communes
    unit = client.get(reverse("reports:unit", args=["195"]), {"period": "2026", "tree": "today"})
    assert 'data-note="closed"' in unit.content.decode()
    # In the tree as it was, nothing to explain.
    assert 'data-note="closed"' not in client.get(reverse("reports:ranking"), {"unit": "195"}).content.decode()


def _note(response, name):
    html = response.content.decode()
    assert response.status_code == 200 and f'data-note="{name}"' in html, name
    note = html[html.index(f'data-note="{name}"') :]
    return " ".join(note[: note.index("</div>")].split())


def test_a_unit_not_in_force_in_the_period_says_so_instead_of_empty_figures(seeded, client):
    login(client, "lanhdao195")
    # Cẩm Phả city was dissolved on 1 July 2025: in 2026 its pages say so and who took its units over.
    for response in (
        client.get(reverse("reports:unit", args=["195"]), {"period": "2026"}),
        client.get(reverse("reports:ranking"), {"unit": "195", "period": "2026"}),
    ):
        note = _note(response, "not-in-period")
        assert "Thành phố Cẩm Phả chỉ tồn tại đến 30/06/2025 nên không có số liệu trong kỳ này." in note
        assert "Phường Cẩm Phả (22.CAMPHA)" in note and "Phường Quang Hanh (22.QUANGHANH)" in note
    # A period it was in force: its figures, no note.
    html = client.get(reverse("reports:unit", args=["195"]), {"period": JAN_JUL}).content.decode()
    assert 'data-note="not-in-period"' not in html and "Trung tâm" in html  # its units ranked
    # A ward formed by the merger, looked at before it: from when it exists.
    login(client, "lanhdao22")
    note = _note(client.get(reverse("reports:unit", args=["22.CAMPHA"]), {"period": "2019"}), "not-in-period")
    assert "Phường Cẩm Phả chỉ tồn tại từ 01/07/2025 nên không có số liệu trong kỳ này." in note
    assert "đơn vị hiện nay" in note
    # In today's tree it has its predecessors' figures: nothing to explain.
    today = client.get(reverse("reports:unit", args=["22.CAMPHA"]), {"period": "2019", "tree": "today"})
    assert 'data-note="not-in-period"' not in today.content.decode()


def sheet(response, title):
    assert response.status_code == 200, response.content[:200]
    return [
        list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content))[title].iter_rows(values_only=True)
    ]


def test_the_exports_follow_todays_tree(seeded, client):
    login(client, "lanhdao22")
    page = client.get(reverse("reports:ranking"), {"unit": "22", "period": "2025", "tree": "today"})
    export = page.context["export_url"]
    assert "tree=today" in export
    rows = sheet(client.get(export), "Xếp hạng")
    assert "Đơn vị hiện nay: số liệu của các đơn vị đã sáp nhập được cộng vào đơn vị kế thừa." in [r[0] for r in rows]
    ranked = {row.unit.code: row.kpi_value for row in page.context["result"].rows}
    exported = {row[1]: (row[3], row[4]) for row in rows if row[1] in ranked}
    assert exported == {code: (v.numerator, v.denominator) for code, v in ranked.items()}
    assert exported["22.CAMPHA"] == (3140, 6952)  # docs/kpis.md, "Today's tree": with its 5 predecessors

    unit = client.get(reverse("reports:unit", args=["22.CAMPHA"]), {"period": "2025", "tree": "today"})
    months = sheet(client.get(unit.context["export_url"]), "Theo từng tháng")
    january = next(row for row in months if row[0] == "01/2025")
    assert january[2] > 0  # the predecessors' January, before the ward existed

    bad = client.get(
        reverse("reports:export_ranking"), {"parent": "22", "period": "2025", "kpi": "online_rate", "tree": "x"}
    )
    assert bad.status_code == 400 and "tree" in bad.content.decode()
