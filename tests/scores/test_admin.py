"""The admin adds the next score version with its indicators inline; the rules of scores.rules refuse an
unknown or count KPI, a threshold outside (0, 100], points not above 0, a KPI twice, two labels of a
group."""

import datetime

import pytest
from django.urls import reverse

from scores.models import ScoreVersion
from scores.rules import indicator_problems, version_problems

pytestmark = pytest.mark.django_db

ADD = "admin:scores_scoreversion_add"


def form(*indicators, code="766-2026", effective_from="2026-01-01"):
    data = {
        "code": code,
        "name": "Bộ chỉ số 2026",
        "effective_from": effective_from,
        "notes": "",
        "indicators-TOTAL_FORMS": str(len(indicators)),
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "1",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    for i, (group, label, kpi, threshold, points) in enumerate(indicators):
        data.update(
            {
                f"indicators-{i}-order": str(i + 1),
                f"indicators-{i}-group": group,
                f"indicators-{i}-group_label": label,
                f"indicators-{i}-kpi": kpi,
                f"indicators-{i}-threshold": threshold,
                f"indicators-{i}-points": points,
            }
        )
    return data


def test_the_admin_adds_a_version_with_its_indicators(admin_client):
    response = admin_client.post(
        reverse(ADD),
        form(
            ("transparency", "Công khai, minh bạch", "sync_rate", "100", "20"),
            ("online_service", "Dịch vụ trực tuyến", "procedures_with_online_filings_rate", "80", "30"),
        ),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    version = ScoreVersion.objects.get(code="766-2026")
    assert version.effective_from == datetime.date(2026, 1, 1)
    assert [(i.kpi, str(i.threshold), str(i.points)) for i in version.indicators.all()] == [
        ("sync_rate", "100.00", "20.00"),
        ("procedures_with_online_filings_rate", "80.00", "30.00"),
    ]
    assert admin_client.get(reverse("admin:scores_scoreversion_change", args=[version.pk])).status_code == 200


def inline_errors(response):
    """The errors of the indicators' inline forms, [{field: [reason]}], and the formset's own."""
    [inline] = response.context["inline_admin_formsets"]
    return inline.formset.errors, inline.formset.non_form_errors()


@pytest.mark.parametrize(
    "indicator, field",
    [
        (("t", "T", "postal_returns", "50", "10"), "kpi"),  # a count: not among the choices
        (("t", "T", "sync_rate", "120", "10"), "threshold"),
        (("t", "T", "sync_rate", "0", "10"), "threshold"),
        (("t", "T", "sync_rate", "50", "0"), "points"),
    ],
)
def test_the_admin_refuses_a_wrong_indicator(admin_client, indicator, field):
    response = admin_client.post(reverse(ADD), form(indicator))
    assert response.status_code == 200
    errors, _others = inline_errors(response)
    assert list(errors[0]) == [field]
    assert not ScoreVersion.objects.filter(code="766-2026").exists()


def test_the_admin_refuses_a_kpi_twice_and_two_labels_of_a_group(admin_client):
    response = admin_client.post(
        reverse(ADD),
        form(
            ("transparency", "Công khai", "sync_rate", "100", "18"),
            ("transparency", "Minh bạch", "on_time_rate", "100", "20"),
            ("progress", "Tiến độ", "on_time_rate", "100", "20"),
        ),
    )
    assert response.status_code == 200
    errors, others = inline_errors(response)
    assert [list(e) for e in errors] == [[], ["group_label"], ["kpi"]]
    assert len(others) == 2
    assert not ScoreVersion.objects.filter(code="766-2026").exists()


def test_two_versions_cannot_start_on_the_same_day(admin_client):
    response = admin_client.post(reverse(ADD), form(("t", "T", "sync_rate", "100", "18"), effective_from="2022-06-23"))
    assert response.status_code == 200
    assert ScoreVersion.objects.count() == 1


def test_the_rules_themselves():
    assert indicator_problems("sync_rate", "100", "18") == []
    assert [field for field, _reason in indicator_problems("nope", "101", "-1")] == ["kpi", "threshold", "points"]
    assert [field for field, _reason in indicator_problems("postal_returns", "50", "1")] == ["kpi"]
    rows = [
        {"kpi": "sync_rate", "group": "a", "group_label": "A"},
        {"kpi": "sync_rate", "group": "a", "group_label": "B"},
    ]
    assert [(position, field) for position, field, _reason in version_problems(rows)] == [
        (1, "kpi"),
        (1, "group_label"),
    ]
