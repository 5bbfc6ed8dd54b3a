"""The Decision 766 score (scores.selectors) of hand-made unit-month totals equals a hand computation: at,
above and below the threshold, an indicator without data (its points left out of the max), a period across
a change of version, the JSON of CONTRACT.md, and a fixed number of queries."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from core.periods import Period
from scores.models import ScoreIndicator, ScoreVersion
from scores.selectors import NoScoreVersion, indicator_points, score_for, scores_for_units, version_for
from tests.factories import UnitFactory
from tests.scores.conftest import total
from units.models import UnitKind

pytestmark = pytest.mark.django_db

Q1 = Period.parse("2025-Q1")


def by_kpi(score):
    return {indicator.kpi.key: indicator for indicator in score.indicators}


def test_the_shipped_version_is_domain_mds_table():
    version = ScoreVersion.objects.get(code="766-2022")
    assert version.effective_from == datetime.date(2022, 6, 23)
    rows = [(i.group, i.kpi, i.threshold, i.points) for i in version.indicators.order_by("order")]
    assert rows == [
        ("transparency", "sync_rate", Decimal(100), Decimal(18)),
        ("progress", "on_time_rate", Decimal(100), Decimal(20)),
        ("online_service", "online_rate_eligible", Decimal(50), Decimal(12)),
        ("online_payment", "online_payment_rate", Decimal(50), Decimal(10)),
        ("digitisation", "digitisation_rate", Decimal(100), Decimal(11)),
        ("digitisation", "e_result_rate", Decimal(100), Decimal(11)),
        ("satisfaction", "satisfaction_rate", Decimal(95), Decimal(18)),
    ]
    assert sum(points for *_rest, points in rows) == 100


def test_the_rule_below_at_and_above_the_threshold():
    assert indicator_points(Fraction(45), Decimal(50), Decimal(12)) == Fraction(54, 5)  # 45 / 50 × 12 = 10.8
    assert indicator_points(Fraction(50), Decimal(50), Decimal(12)) == 12
    assert indicator_points(Fraction(60), Decimal(50), Decimal(10)) == 10
    assert indicator_points(None, Decimal(50), Decimal(10)) is None


def test_the_score_of_hand_made_figures_is_the_hand_computation(district):
    score = score_for(district["D"], Q1)
    assert score.version.code == "766-2022"
    indicators = by_kpi(score)
    sync = indicators["sync_rate"]
    assert (sync.value.numerator, sync.value.denominator) == (150, 160)
    assert sync.exact_points == Fraction(135, 8)  # 93.75 / 100 × 18 = 16.875, exactly
    assert sync.points == Decimal("16.88")  # rounded half up for display only
    assert sync.lost == Decimal("1.12")
    assert sync.needed == 10  # 160 of 160 would reach 100%
    on_time = indicators["on_time_rate"]
    assert (on_time.points, on_time.lost, on_time.needed, on_time.met) == (
        Decimal("20.00"),
        Decimal("0.00"),
        None,
        True,
    )
    eligible = indicators["online_rate_eligible"]
    assert (eligible.points, eligible.needed) == (Decimal("10.80"), 5)  # 50 of 100 reach 50%
    payment = indicators["online_payment_rate"]
    assert (payment.points, payment.needed) == (Decimal("10.00"), None)  # 60% is above 50%
    assert indicators["digitisation_rate"].points == Decimal("5.50")
    assert indicators["digitisation_rate"].needed == 50
    e_results = indicators["e_result_rate"]
    assert (e_results.exact_points, e_results.points, e_results.needed) == (Fraction(11, 3), Decimal("3.67"), 2)
    # Satisfaction: only April has ratings, after the period. No data: no points, no max.
    satisfaction = indicators["satisfaction_rate"]
    assert satisfaction.value.no_data
    assert (satisfaction.points, satisfaction.exact_points, satisfaction.lost, satisfaction.needed) == (
        None,
        None,
        None,
        None,
    )
    assert score.missing == [satisfaction]
    # 16.875 + 20 + 10.8 + 10 + 5.5 + 11/3 = 66.841666..., out of 100 - 18.
    assert score.exact_total == Fraction(135, 8) + 20 + Fraction(54, 5) + 10 + Fraction(11, 2) + Fraction(11, 3)
    assert (score.total, score.max) == (Decimal("66.84"), Decimal("82.00"))
    groups = {group.key: group for group in score.groups}
    assert list(groups) == [
        "transparency",
        "progress",
        "online_service",
        "online_payment",
        "digitisation",
        "satisfaction",
    ]
    assert (groups["digitisation"].points, groups["digitisation"].max) == (Decimal("9.17"), Decimal("22.00"))
    assert groups["digitisation"].label == "Mức độ số hóa hồ sơ"
    assert (groups["satisfaction"].points, groups["satisfaction"].max) == (None, Decimal("0.00"))
    # Groups add up to the total (exactly; their rounded points may differ from it by a cent).
    assert sum(g.exact_points for g in score.groups if g.points is not None) == score.exact_total
    assert sum(g.max for g in score.groups) == score.max


def test_a_unit_without_any_figure_scores_nothing_out_of_nothing(district):
    score = score_for(district["C"], Q1)
    assert (score.total, score.max, score.exact_total) == (Decimal("0.00"), Decimal("0.00"), None)
    assert len(score.missing) == 7


def test_approved_only_counts_approved_unit_months(district):
    from filings.models import UnitMonth, UnitMonthStatus

    UnitMonth.objects.create(unit=district["B"], year=2025, month=2, status=UnitMonthStatus.APPROVED)
    score = score_for(district["D"], Q1, approved_only=True)
    assert score.approved_only
    indicators = by_kpi(score)
    # Only B's February: sync 60 / 60 and on time 50 / 50.
    assert indicators["sync_rate"].points == Decimal("18.00")
    assert indicators["on_time_rate"].points == Decimal("20.00")
    assert (score.total, score.max) == (Decimal("38.00"), Decimal("38.00"))
    assert [i.kpi.key for i in score.missing] == [
        "online_rate_eligible",
        "online_payment_rate",
        "digitisation_rate",
        "e_result_rate",
        "satisfaction_rate",
    ]


def test_the_version_in_force_on_the_periods_last_day_applies(district):
    later = ScoreVersion.objects.create(code="766-2025", name="Next", effective_from=datetime.date(2025, 3, 1))
    ScoreIndicator.objects.create(
        version=later, group="transparency", group_label="Công khai", kpi="sync_rate", threshold=90, points=50, order=1
    )
    ScoreIndicator.objects.create(
        version=later, group="progress", group_label="Tiến độ", kpi="on_time_rate", threshold=100, points=50, order=2
    )
    # 2025-01..2025-03 ends on 31 March, after the change on 1 March: the new version scores it all.
    score = score_for(district["D"], Q1)
    assert score.version == later
    assert (score.total, score.max) == (Decimal("100.00"), Decimal("100.00"))  # 93.75% ≥ 90%, and 100%
    assert score.as_json()["version"] == "766-2025"
    # January–February ends before it: the first version.
    assert score_for(district["D"], Period.parse("2025-01..2025-02")).version.code == "766-2022"
    assert version_for(Period.parse("2025-03")) == later
    assert version_for(Period.parse("2025-02")).code == "766-2022"


def test_no_version_before_the_first_one(district):
    with pytest.raises(NoScoreVersion, match=r"no score version in force on 2021-12-31 \(the first, 766-2022"):
        score_for(district["D"], Period.parse("2021"))


def test_the_json_is_the_contracts(district):
    assert score_for(district["D"], Q1).as_json() == {
        "unit": "D",
        "name": "Thành phố D",
        "period": {"from": "2025-01", "to": "2025-03"},
        "version": "766-2022",
        "approved_only": False,
        "total": "66.84",
        "max": "82.00",
        "groups": [
            {
                "key": "transparency",
                "points": "16.88",
                "max": "18.00",
                "indicators": [
                    {"kpi": "sync_rate", "value": "93.75", "threshold": "100.00", "points": "16.88", "max": "18.00"}
                ],
            },
            {
                "key": "progress",
                "points": "20.00",
                "max": "20.00",
                "indicators": [
                    {"kpi": "on_time_rate", "value": "100.00", "threshold": "100.00", "points": "20.00", "max": "20.00"}
                ],
            },
            {
                "key": "online_service",
                "points": "10.80",
                "max": "12.00",
                "indicators": [
                    {
                        "kpi": "online_rate_eligible",
                        "value": "45.00",
                        "threshold": "50.00",
                        "points": "10.80",
                        "max": "12.00",
                    }
                ],
            },
            {
                "key": "online_payment",
                "points": "10.00",
                "max": "10.00",
                "indicators": [
                    {
                        "kpi": "online_payment_rate",
                        "value": "60.00",
                        "threshold": "50.00",
                        "points": "10.00",
                        "max": "10.00",
                    }
                ],
            },
            {
                "key": "digitisation",
                "points": "9.17",
                "max": "22.00",
                "indicators": [
                    {
                        "kpi": "digitisation_rate",
                        "value": "50.00",
                        "threshold": "100.00",
                        "points": "5.50",
                        "max": "11.00",
                    },
                    {"kpi": "e_result_rate", "value": "33.33", "threshold": "100.00", "points": "3.67", "max": "11.00"},
                ],
            },
            {
                "key": "satisfaction",
                "points": None,
                "max": "0.00",
                "indicators": [
                    {"kpi": "satisfaction_rate", "value": None, "threshold": "95.00", "points": None, "max": "18.00"}
                ],
            },
        ],
    }


def test_a_fixed_number_of_queries_whatever_the_number_of_units(district, django_assert_num_queries):
    units = [district["A"], district["B"]]
    # version, indicators, totals, offering totals, online offerings with online filings, targets
    with django_assert_num_queries(6) as captured:
        scores_for_units(units, Q1)
    more = [UnitFactory(code=f"N{i}", kind=UnitKind.COMMUNE, parent=district["D"]) for i in range(6)]
    for unit in more:
        total(unit, 2025, 1, synced=1, synced_base=2)
    # Another depth: one more query each for the totals, the offering totals and the online offerings.
    province = UnitFactory(code="P", kind=UnitKind.PROVINCE)
    with django_assert_num_queries(len(captured.captured_queries)):
        scores = scores_for_units([*units, *more], Q1)
    assert len(scores) == 8
    with django_assert_num_queries(len(captured.captured_queries) + 3):
        scores_for_units([*units, *more, province], Q1)
