import datetime

import pytest

from core.periods import Month, Period, PeriodError


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2019-07", "2019-07", "2019-07"),
        ("2019-7", "2019-07", "2019-07"),
        ("2019-Q3", "2019-07", "2019-09"),
        ("2019-q1", "2019-01", "2019-03"),
        ("2019-H1", "2019-01", "2019-06"),
        ("2019-H2", "2019-07", "2019-12"),
        ("2019", "2019-01", "2019-12"),
        ("2019-01..2019-07", "2019-01", "2019-07"),
        ("2018-11..2020-02", "2018-11", "2020-02"),
        (" 2019 ", "2019-01", "2019-12"),
    ],
)
def test_parse_accepts_every_contract_form(text, start, end):
    period = Period.parse(text)
    assert period.as_json() == {"from": start, "to": end}


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2019-13", "month 13"),
        ("2019-00", "month 0"),
        ("2019-Q5", "expected YYYY-MM"),
        ("2019-H3", "expected YYYY-MM"),
        ("19", "expected YYYY-MM"),
        ("", "expected YYYY-MM"),
        ("2019-07..2019-01", "ends (2019-01) before it starts (2019-07)"),
        ("2019-01..2019", "'2019' is not a month"),
        ("juli", "expected YYYY-MM"),
    ],
)
def test_parse_names_what_is_wrong(text, reason):
    with pytest.raises(PeriodError) as exc:
        Period.parse(text)
    assert reason in str(exc.value)
    assert repr(text.strip()) in str(exc.value)


def test_str_gives_back_the_shortest_form():
    for text in ["2019-07", "2019-Q3", "2019-H2", "2019", "2019-02..2019-04", "2018-11..2019-02"]:
        assert str(Period.parse(text)) == text


def test_months_cross_year_boundaries():
    period = Period.parse("2018-11..2019-02")
    assert [str(m) for m in period.months] == ["2018-11", "2018-12", "2019-01", "2019-02"]
    assert period.end_year == 2019
    assert Month(2019, 2).last_day == datetime.date(2019, 2, 28)
    assert Month(2020, 12).last_day == datetime.date(2020, 12, 31)


@pytest.mark.django_db
def test_filter_q_selects_exactly_the_months_of_a_multi_year_range():
    from filings.models import MonthlyFiling
    from tests.factories import FilingFactory, ProcedureFactory, UnitFactory

    unit, procedure = UnitFactory(), ProcedureFactory()
    for year in (2017, 2018, 2019, 2020, 2021):
        for month in (1, 6, 12):
            FilingFactory(unit=unit, procedure=procedure, year=year, month=month)
    selected = MonthlyFiling.objects.filter(Period.parse("2018-06..2020-06").filter_q())
    assert sorted((f.year, f.month) for f in selected) == [
        (2018, 6),
        (2018, 12),
        (2019, 1),
        (2019, 6),
        (2019, 12),
        (2020, 1),
        (2020, 6),
    ]


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2019-07", "2019-06"),
        ("2019-01", "2018-12"),
        ("2019-Q1", "2018-Q4"),
        ("2019-Q3", "2019-Q2"),
        ("2019-H2", "2019-H1"),
        ("2019-H1", "2018-H2"),
        ("2019", "2018"),
        # Any other range: the same months a year earlier (seven months of 2019 beside those of 2018).
        ("2019-01..2019-07", "2018-01..2018-07"),
        ("2019-11..2020-02", "2018-11..2019-02"),
    ],
)
def test_the_previous_comparable_period(text, previous):
    assert str(Period.parse(text).previous()) == previous


@pytest.mark.parametrize(
    ("text", "period"), [("07/2019", "2019-07"), ("7/2019", "2019-07"), ("01/2019..07/2019", "2019-01..2019-07")]
)
def test_a_month_may_be_written_the_vietnamese_way(text, period):
    assert str(Period.parse(text)) == period


def test_a_vietnamese_month_out_of_range_is_refused_with_the_reason():
    with pytest.raises(PeriodError, match="month 13 is not between 1 and 12"):
        Period.parse("13/2019")


def test_the_last_month_known_has_a_last_day():
    assert Month(2100, 12).last_day == datetime.date(2100, 12, 31)
    assert Month(2024, 2).last_day == datetime.date(2024, 2, 29)


def test_shift_within_stays_in_the_portals_years():
    assert Month(2000, 2).shift_within(-1) == Month(2000, 1)
    assert Month(2000, 1).shift_within(-1) is None
    assert Month(2001, 6).shift_within(-24) is None
    assert Month(2100, 12).shift_within(1) is None
    assert Month(2100, 11).shift_within(1) == Month(2100, 12)
