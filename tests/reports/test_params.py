"""The period presets of the ranking and unit pages (reports.params.period_presets)."""

import datetime

from django.utils import translation

from core.periods import Period
from reports.params import period_presets

TODAY = datetime.date(2026, 12, 3)


def presets(text):
    with translation.override("en"):
        return period_presets(Period.parse(text), today=TODAY)


def test_a_past_year_offers_its_last_month_every_quarter_the_first_six_and_seven_months_and_the_year():
    assert presets("2019-Q1") == [
        ("Month 03/2019", "2019-03", False),
        ("Quarter 1", "2019-Q1", True),
        ("Quarter 2", "2019-Q2", False),
        ("Quarter 3", "2019-Q3", False),
        ("Quarter 4", "2019-Q4", False),
        ("First 6 months", "2019-H1", False),
        ("First 7 months", "2019-01..2019-07", False),
        ("Year 2019", "2019", False),
    ]


def test_the_current_year_offers_the_quarters_begun_and_the_year_so_far():
    august = [text for _label, text, _on in period_presets(Period.parse("2026-Q1"), today=datetime.date(2026, 8, 5))]
    assert august == [
        "2026-03",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-H1",
        "2026-01..2026-07",
        "2026",
        "2026-01..2026-08",
    ]
    # In December the year so far is the year.
    offered = presets("2026-01..2026-07")
    assert [text for _label, text, _on in offered] == [
        "2026-07",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2026-H1",
        "2026-01..2026-07",
        "2026",
    ]
    assert [text for _label, text, on in offered if on] == ["2026-01..2026-07"]


def test_in_vietnamese():
    with translation.override("vi"):
        labels = [label for label, _text, _on in period_presets(Period.parse("2019"), today=TODAY)]
    assert labels[:3] == ["Tháng 12/2019", "Quý 1", "Quý 2"]
    assert "6 tháng đầu năm" in labels and "7 tháng đầu năm" in labels and "Năm 2019" in labels
