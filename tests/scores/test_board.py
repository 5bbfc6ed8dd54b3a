"""The scoreboard page and the score's section of the unit page, on the hand-made district of conftest.py
(D: 66,84 of 82 points)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client, district):
    client.force_login(UserFactory(username="lanhdao", role=Role.LEADER, units=[district["D"]]))
    return client


def test_the_board_ranks_the_units_below_by_score_with_their_groups(leader, district):
    response = leader.get(reverse("scores:board"), {"period": "2025-Q1"})
    assert response.status_code == 200
    assert response.context["parent"] == district["D"]
    ranked = [
        (rank, score.unit.code, str(score.total), str(score.max)) for rank, score, _href, _s in response.context["rows"]
    ]
    # A: sync 90/100 → 16.2; on time 20; eligible 45% → 10.8; payment 10; digitised 5.5; e-results 3.67.
    assert ranked[0][:2] == (1, "A") and ranked[0][2] == "66.17"
    assert [code for _rank, code, _t, _m in ranked] == ["A", "B", "C"]
    html = response.content.decode()
    assert "66,17" in html and 'class="score-bar"' in html
    assert [label for _key, label, _colour in response.context["groups"]] == [
        "Công khai, minh bạch",
        "Tiến độ giải quyết",
        "Dịch vụ trực tuyến",
        "Thanh toán trực tuyến",
        "Mức độ số hóa hồ sơ",
        "Mức độ hài lòng",
    ]


def test_the_unit_page_names_the_indicators_that_cost_the_most_points(leader, district):
    response = leader.get(reverse("reports:unit", args=["D"]), {"period": "2025-Q1"})
    html = response.content.decode()
    panel = html[html.index('id="score-panel"') :]
    assert "66,84" in panel[:400]
    # The score's section is reused with the page's figures (reports.panels: reusable).
    costliest = [i.kpi.key for i, _more_of in response.context["reused_panels"][0][1]["costliest"]]
    # Points lost: digitisation 5.5, e-results 7.33, eligible 1.2, sync 1.12: the three largest.
    assert costliest == ["e_result_rate", "digitisation_rate", "online_rate_eligible"]
    first, _more_of = response.context["reused_panels"][0][1]["costliest"][0]
    assert first.needed == 2  # 1 of 3 e-results: 2 more reach 100%
    assert "Cần thêm 2 kết quả điện tử trong quý 1/2025 để đạt điểm tối đa." in panel


def test_before_the_first_version_the_board_says_so_and_the_unit_page_has_no_section(leader, district):
    response = leader.get(reverse("scores:board"), {"period": "2019"})
    assert response.status_code == 400
    assert "2019" in response.content.decode()
    assert (
        'id="score-panel"' not in leader.get(reverse("reports:unit", args=["D"]), {"period": "2019"}).content.decode()
    )


def test_a_unit_outside_the_scope_is_not_shown(client, district):
    from tests.factories import UnitFactory

    client.force_login(UserFactory(username="other", role=Role.LEADER, units=[UnitFactory(code="Z")]))
    assert client.get(reverse("scores:board"), {"unit": "D", "period": "2025"}).status_code == 404
