import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from filings.rules import balance_warnings, check_month, online_receipts_warning, parse_count


@pytest.fixture(autouse=True)
def _english_messages():
    """The reasons are asserted in their English source wording (the UI shows them translated)."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, 0),
        ("", 0),
        (" ", 0),
        (0, 0),
        (17, 17),
        (17.0, 17),
        (Decimal("5"), 5),
        ("3553", 3553),
        ("3.553", 3553),
        ("3,553", 3553),
        ("10 717", 10717),
        ("1.234.567", 1234567),
        ("10\u00a0717", 10717),
        (" 42 ", 42),
    ],
)
def test_counts_accept_numbers_and_grouped_text(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize(
    "value, reason",
    [
        (-1, "negative"),
        ("-5", "negative"),
        (2.5, "not a whole number"),
        ("2,5", "not a whole number"),
        ("1.23", "not a whole number"),
        ("12.3456", "not a whole number"),
        ("1.234,567", "not a whole number"),
        ("abc", "not a whole number"),
        (True, "not a whole number"),
        (float("nan"), "not a whole number"),
        ("²", "not a whole number"),  # a digit to str.isdigit, not to int()
        ("1.²³⁴", "not a whole number"),
        ("9" * 5000, "not a whole number"),  # more digits than int() reads
    ],
)
def test_counts_refuse_everything_else_with_a_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_count(value)


def test_months_in_range_and_not_in_the_future():
    today = datetime.date(2026, 11, 22)
    check_month(2026, 11, today)
    check_month(2019, 1, today)
    for year, month, reason in [(2026, 12, "future"), (2019, 13, "between 1 and 12"), (1999, 5, "year 1999")]:
        with pytest.raises(ValueError, match=reason):
            check_month(year, month, today)


def test_a_broken_identity_is_a_warning_only_when_all_its_columns_are_present():
    values = {
        "carried_over": 1,
        "received_online": 10,
        "received_direct": 0,
        "received_postal": 0,
        "resolved_early": 5,
        "resolved_on_time": 5,
        "resolved_late": 0,
        "pending_on_time": 0,
        "pending_overdue": 0,
        "returned_postal": 0,
    }
    [(field, message)] = balance_warnings(values)
    assert field == "carried_over" and "11 ≠ 10" in message
    assert balance_warnings(values, present=["received_online", "resolved_early"]) == []
    assert balance_warnings({**values, "pending_on_time": 1}) == []


def test_warnings_group_thousands_in_the_active_language():
    values = {"carried_over": 5, "received_online": 1234, "resolved_on_time": 1234, "returned_postal": 2000}
    with translation.override("vi"):
        messages = [message for _field, message in balance_warnings(values)]
        online = online_receipts_warning(1234, None, procedure="1.001193", year=2024, month=7)
    assert "1.239 ≠ 1.234" in messages[0] and "(2.000)" in messages[1] and "(1.234)" in messages[1]
    assert online.startswith("1.234 ")
    with translation.override("en"):
        assert "1,239 ≠ 1,234" in balance_warnings(values)[0][1]
    # The command line runs without a language (import_data is @no_translations): no grouping there.
    with translation.override(None):
        assert "1239 ≠ 1234" in balance_warnings(values)[0][1]


def test_more_postal_returns_than_resolved_is_a_warning():
    values = {"resolved_on_time": 2, "returned_postal": 3}
    assert [
        f
        for f, _ in balance_warnings(
            values, present=["resolved_early", "resolved_on_time", "resolved_late", "returned_postal"]
        )
    ] == ["returned_postal"]
