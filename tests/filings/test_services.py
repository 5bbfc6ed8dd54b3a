"""filings_upsert, the one write path: create, update, unchanged, partial columns, history, all or nothing;
filings_delete of a queryset, set-based."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from filings.locks import UnitMonthLocked
from filings.models import COUNT_FIELDS, MAX_COUNT, MonthlyFiling, UnitMonth
from filings.services import FilingsRefused, Source, field_filings_upsert, filings_delete, filings_upsert
from filings.workflow import unit_months_approve_bulk
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.factories import FieldFactory, FilingFactory, ProcedureFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    return {"unit_id": UnitFactory().pk, "procedure_id": ProcedureFactory().pk, "year": 2024, "month": 7}


def test_creates_with_absent_columns_at_zero(key):
    result = filings_upsert([{**key, "received_online": 5}], fields=["received_online"], source=Source.IMPORT)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    filing = MonthlyFiling.objects.get()
    assert filing.received_online == 5 and filing.received_direct == 0
    assert result.changed_ids == [filing.pk]


def test_updates_only_the_columns_given(key):
    FilingFactory(**key, received_online=1, received_direct=9, returned_postal=4)
    result = filings_upsert([{**key, "received_online": 2}], fields=["received_online"], source=Source.IMPORT)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    filing = MonthlyFiling.objects.get()
    assert (filing.received_online, filing.received_direct, filing.returned_postal) == (2, 9, 4)


def test_same_values_are_unchanged_and_write_no_history(key):
    row = {**key, **{name: 3 for name in COUNT_FIELDS}}
    filings_upsert([row], source=Source.IMPORT)
    history_before = MonthlyFiling.history.count()
    result = filings_upsert([row], source=Source.IMPORT)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert MonthlyFiling.history.count() == history_before


def test_every_write_is_in_the_history_with_who_and_where(key, settings):
    settings.FILINGS_ENTRY_CLOSE_DAYS = 100_000  # July 2024 still open for the clerk (filings.workflow)
    clerk = UserFactory()
    filings_upsert(
        [{**key, "received_online": 1}],
        fields=["received_online"],
        source=Source.IMPORT,
        user=clerk,
        note="report.xlsx",
    )
    filings_upsert([{**key, "received_online": 7}], fields=["received_online"], source=Source.FORM, user=clerk)
    history = list(MonthlyFiling.history.order_by("history_id"))
    assert [(h.history_type, h.received_online, h.history_change_reason, h.history_user_id) for h in history] == [
        ("+", 1, "import: report.xlsx", clerk.pk),
        ("~", 7, "form", clerk.pk),
    ]
    delta = history[1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("received_online", 1, 7)]


def test_many_rows_in_one_call(key):
    units = [UnitFactory() for _ in range(30)]
    rows = [{**key, "unit_id": u.pk, "month": m, "received_direct": m} for u in units for m in range(1, 13)]
    assert filings_upsert(rows, fields=["received_direct"], source=Source.IMPORT).created == 360
    rows[0]["received_direct"] = 100
    result = filings_upsert(rows, fields=["received_direct"], source=Source.IMPORT)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 359)
    assert MonthlyFiling.objects.filter(received_direct=100).count() == 1


def test_a_refused_row_writes_nothing(key):
    good = {**key, "received_online": 1}
    bad = {**key, "month": 13, "received_online": 1}
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert([good, bad], fields=["received_online"], source=Source.IMPORT)
    assert list(refused.value.problems) == [1]  # the second row, by its position
    assert MonthlyFiling.objects.count() == 0
    assert MonthlyFiling.history.count() == 0


def test_unknown_field_names_are_a_programming_error(key):
    with pytest.raises(ValueError, match="received_fax"):
        filings_upsert([key], fields=["received_fax"], source=Source.IMPORT)


# --- what must never be stored: filings_upsert refuses it whoever calls -----------------------------


@pytest.mark.parametrize(
    "value, reason",
    [
        (MAX_COUNT + 1, "10.000.000"),
        (2_147_483_648, "2.147.483.648"),
        (-1, "số âm"),
        ("5", "không phải là số nguyên"),
        (2.5, "không phải là số nguyên"),
        (True, "không phải là số nguyên"),
        (Decimal(3), "không phải là số nguyên"),
    ],
)
def test_a_count_out_of_range_or_not_a_whole_number_is_refused(key, value, reason):
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert(
            [{**key, "received_direct": 1}, {**key, "month": 6, "received_online": value}],
            fields=["received_online", "received_direct"],
            source=Source.IMPORT,
        )
    assert refused.value.problems == {1: [("received_online", refused.value.problems[1][0][1])]}
    assert reason in refused.value.problems[1][0][1]
    assert not MonthlyFiling.objects.exists()


def test_among_many_rows_each_refused_one_is_named_by_its_position_with_all_its_problems(key):
    """Counts are checked over all the rows at once; the rows refused are then named one by one."""
    rows = [{**key, "unit_id": UnitFactory().pk, "month": 1 + n % 12, "received_online": n} for n in range(600)]
    rows[1]["received_direct"] = None  # None is 0: fine
    rows[417]["received_direct"] = -3
    rows[599] = {**rows[599], "month": 13, "received_online": MAX_COUNT + 1}
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert(rows, fields=["received_online", "received_direct"], source=Source.IMPORT)
    problems = refused.value.problems
    assert sorted(problems) == [417, 599]
    assert [field for field, _reason in problems[417]] == ["received_direct"]
    assert [field for field, _reason in problems[599]] == ["received_online", "month"]
    assert not MonthlyFiling.objects.exists()
    del rows[599], rows[417]
    assert filings_upsert(rows, fields=["received_online", "received_direct"], source=Source.IMPORT).created == 598


def test_the_ceiling_itself_is_stored(key):
    filings_upsert([{**key, "received_online": MAX_COUNT}], fields=["received_online"], source=Source.IMPORT)
    assert MonthlyFiling.objects.get().received_online == MAX_COUNT


def test_the_database_refuses_a_count_above_the_ceiling_too(key):
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyFiling.objects.create(
            unit_id=key["unit_id"], procedure_id=key["procedure_id"], year=2024, month=7, received_online=MAX_COUNT + 1
        )


def test_figures_of_a_unit_outside_its_validity_are_refused():
    """A commune dissolved in the 2025 merger has no figures after June 2025; a new one none before July."""
    old = UnitFactory(code="OLD", valid_to=datetime.date(2025, 6, 30))
    new = UnitFactory(code="NEW", valid_from=datetime.date(2025, 7, 1))
    procedure = ProcedureFactory()
    rows = [
        {"unit_id": unit.pk, "procedure_id": procedure.pk, "year": 2025, "month": month, "received_online": 1}
        for unit, month in ((old, 6), (new, 7), (old, 7), (new, 6))
    ]
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert(rows, fields=["received_online"], source=Source.IMPORT)
    assert sorted(refused.value.problems) == [2, 3]
    messages = [message for issues in refused.value.problems.values() for _field, message in issues]
    assert any("OLD" in m and "30/06/2025" in m for m in messages)
    assert any("NEW" in m and "01/07/2025" in m for m in messages)
    assert not MonthlyFiling.objects.exists()
    filings_upsert(rows[:2], fields=["received_online"], source=Source.IMPORT)
    assert MonthlyFiling.objects.count() == 2


def test_a_future_month_is_refused(key):
    today = datetime.date.today()
    with pytest.raises(FilingsRefused, match="chưa đến"):
        filings_upsert(
            [{**key, "year": today.year + 1, "received_online": 1}], fields=["received_online"], source=Source.IMPORT
        )


# --- deleting a queryset ---------------------------------------------------------------------------


def test_deleting_a_queryset_writes_a_history_row_per_figure_bumps_versions_and_refreshes_totals(key, settings):
    """The set-based path (the synthetic dataset deletes millions) leaves what the per-row path leaves."""
    settings.FILINGS_ENTRY_CLOSE_DAYS = 100_000  # 2024 still open for the clerk (filings.workflow)
    units = [UnitFactory(), UnitFactory()]
    clerk = UserFactory()
    rows = [
        {**key, "unit_id": unit.pk, "month": month, "received_online": month} for unit in units for month in (1, 2, 3)
    ]
    filings_upsert(rows, fields=["received_online"], source=Source.IMPORT)
    versions = dict(UnitMonth.objects.values_list("id", "version"))
    gone = MonthlyFiling.objects.filter(unit=units[0], month__lte=2)
    ids = set(gone.values_list("id", flat=True))

    assert filings_delete(gone, source=Source.FORM, user=clerk) == 2

    assert set(MonthlyFiling.objects.values_list("unit_id", "month")) == {
        (units[0].pk, 3),
        (units[1].pk, 1),
        (units[1].pk, 2),
        (units[1].pk, 3),
    }
    deleted = MonthlyFiling.history.filter(history_type="-")
    assert sorted(deleted.values_list("id", "received_online", "history_change_reason", "history_user_id")) == sorted(
        (pk, MonthlyFiling.history.get(id=pk, history_type="+").received_online, "form", clerk.pk) for pk in ids
    )
    bumped = {um.month for um in UnitMonth.objects.filter(unit=units[0]) if um.version == versions[um.pk] + 1}
    assert bumped == {1, 2}
    assert not UnitMonthTotal.objects.filter(unit=units[0], month__lte=2).exists()
    stored = sorted(UnitMonthTotal.objects.values_list("unit_id", "year", "month", "received_online"))
    totals_rebuild()
    assert sorted(UnitMonthTotal.objects.values_list("unit_id", "year", "month", "received_online")) == stored


def test_deleting_a_queryset_obeys_the_lock_and_deletes_nothing_when_refused(key):
    filings_upsert(
        [{**key, "received_online": 1}, {**key, "month": 8, "received_online": 2}],
        fields=["received_online"],
        source=Source.IMPORT,
    )
    unit_months_approve_bulk([(key["unit_id"], 2024, 7)], user=None, source=Source.ADMIN)
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    with pytest.raises(UnitMonthLocked):
        filings_delete(MonthlyFiling.objects.all(), source=Source.ADMIN, user=admin)
    assert MonthlyFiling.objects.count() == 2
    assert not MonthlyFiling.history.filter(history_type="-").exists()
    assert filings_delete(MonthlyFiling.objects.all(), source=Source.ADMIN, user=admin, force=True) == 2
    assert filings_delete(MonthlyFiling.objects.all(), source=Source.ADMIN, user=admin, force=True) == 0


def test_a_locked_month_refuses_only_the_rows_that_would_change_it(key):
    """A file exported and imported back, or a year's report sent again, leaves its approved months alone
    without force; a row that would change or add a figure of one is refused, and then nothing at all is
    written."""
    august = {**key, "month": 8}
    filings_upsert(
        [{**key, "received_online": 4}, {**august, "received_online": 1}],
        fields=["received_online"],
        source=Source.IMPORT,
    )
    unit_months_approve_bulk([(key["unit_id"], 2024, 7)], user=None)
    july = UnitMonth.objects.get(unit_id=key["unit_id"], year=2024, month=7)
    history = MonthlyFiling.history.count()

    result = filings_upsert(
        [{**key, "received_online": 4}, {**august, "received_online": 2}],
        fields=["received_online"],
        source=Source.IMPORT,
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert MonthlyFiling.history.count() == history + 1  # August's change only
    assert UnitMonth.objects.get(pk=july.pk).version == july.version

    for rows in (
        [{**key, "received_online": 5}, {**august, "received_online": 3}],  # July changed
        [{**key, "procedure_id": ProcedureFactory().pk, "received_online": 0}, {**august, "received_online": 3}],
    ):
        with pytest.raises(UnitMonthLocked) as refused:
            filings_upsert(rows, fields=["received_online"], source=Source.IMPORT)
        assert list(refused.value.locked) == [(key["unit_id"], 2024, 7)]
    assert sorted(MonthlyFiling.objects.values_list("month", "received_online")) == [(7, 4), (8, 2)]


def test_refusals_name_the_callers_rows_when_unchanged_locked_rows_are_left_out(key):
    filings_upsert([{**key, "received_online": 4}], fields=["received_online"], source=Source.IMPORT)
    unit_months_approve_bulk([(key["unit_id"], 2024, 7)], user=None)
    field = {"unit_id": key["unit_id"], "field_id": FieldFactory().pk, "year": 2024, "month": 8, "received_online": 1}
    field_filings_upsert([field], fields=["received_online"], source=Source.IMPORT)
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert(
            [{**key, "received_online": 4}, {**key, "month": 8, "received_online": 1}],
            fields=["received_online"],
            source=Source.IMPORT,
        )
    assert list(refused.value.problems) == [1]  # August's row, reported per field: the second row given
