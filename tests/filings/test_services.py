"""filings_upsert, the one write path: create, update, unchanged, partial columns, history, all or nothing."""

import pytest
from django.db import IntegrityError

from filings.models import COUNT_FIELDS, MonthlyFiling
from filings.services import Source, filings_upsert
from tests.factories import FilingFactory, ProcedureFactory, UnitFactory, UserFactory

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
    filings_upsert([{**key, "received_online": 1}], fields=["received_online"], source=Source.IMPORT,
                   user=clerk, note="report.xlsx")
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
    with pytest.raises(IntegrityError):
        filings_upsert([good, bad], fields=["received_online"], source=Source.IMPORT)
    assert MonthlyFiling.objects.count() == 0
    assert MonthlyFiling.history.count() == 0


def test_unknown_field_names_are_a_programming_error(key):
    with pytest.raises(ValueError, match="received_fax"):
        filings_upsert([key], fields=["received_fax"], source=Source.IMPORT)
