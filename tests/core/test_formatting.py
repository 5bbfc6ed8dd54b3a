"""The template filters format already-computed KPI values in the active language."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.periods import Period
from core.templatetags.portal import count, gap, pct, period_label


@pytest.fixture
def vi():
    with translation.override("vi"):
        yield


@pytest.fixture
def en():
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("vi")
class TestVietnamese:
    def test_pct_uses_a_decimal_comma(self):
        assert pct(Decimal("26.15")) == "26,15%"

    def test_pct_keeps_two_places(self):
        assert pct(Decimal("30")) == "30,00%"
        assert pct(Decimal("100.00")) == "100,00%"
        assert pct(Decimal("0.00")) == "0,00%"

    def test_pct_of_nothing_is_a_dash(self):
        assert pct(None) == "—"

    def test_count_groups_thousands_with_dots(self):
        assert count(1234567) == "1.234.567"
        assert count(3553) == "3.553"
        assert count(848) == "848"
        assert count(0) == "0"

    def test_count_of_a_whole_decimal_target(self):
        assert count(Decimal("1500.00")) == "1.500"

    def test_count_of_nothing_is_a_dash(self):
        assert count(None) == "—"

    def test_gap_is_signed_in_percentage_points(self):
        assert gap(Decimal("1.25")) == "+1,25 điểm %"
        assert gap(Decimal("-3.85")) == "\u22123,85 điểm %"
        assert gap(Decimal("0.00")) == "±0,00 điểm %"

    def test_gap_of_a_count(self):
        assert gap(Decimal("-1200"), "count") == "\u22121.200"
        assert gap(Decimal("12"), "count") == "+12"

    def test_gap_of_nothing_is_a_dash(self):
        assert gap(None) == "—"

    def test_filters_in_a_template(self):
        rendered = Template("{% load portal %}{{ v|pct }} {{ n|count }} {{ g|gap }}").render(
            Context({"v": Decimal("26.15"), "n": 3553, "g": Decimal("-3.85")})
        )
        assert rendered == "26,15% 3.553 \u22123,85 điểm %"

    @pytest.mark.parametrize(
        "text, label",
        [
            ("2019", "năm 2019"),
            ("2019-07", "tháng 07/2019"),
            ("2019-Q3", "quý 3/2019"),
            ("2019-H1", "6 tháng đầu năm 2019"),
            ("2019-H2", "6 tháng cuối năm 2019"),
            ("2019-01..2019-07", "từ tháng 01/2019 đến tháng 07/2019"),
            ("2018-11..2019-02", "từ tháng 11/2018 đến tháng 02/2019"),
        ],
    )
    def test_period_label(self, text, label):
        assert period_label(Period.parse(text)) == label


@pytest.mark.usefixtures("en")
class TestEnglish:
    def test_pct_uses_a_decimal_point(self):
        assert pct(Decimal("26.15")) == "26.15%"

    def test_count_groups_thousands_with_commas(self):
        assert count(1234567) == "1,234,567"

    def test_gap(self):
        assert gap(Decimal("-3.85")) == "\u22123.85 pp"

    def test_period_label(self):
        assert period_label(Period.parse("2019-Q3")) == "Q3 2019"
        assert period_label(Period.parse("2019-01..2019-07")) == "01/2019 to 07/2019"
