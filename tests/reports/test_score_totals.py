"""The unit-month totals of the Decision 766 counts: each KPI's numerator and denominator summed over the
rows that report both of its counts, NULL (no data) when none does; equal to a rebuild."""

import pytest

from filings.models import COUNT_FIELDS, SCORE_FIELDS
from filings.services import Source, filings_upsert
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.factories import ProcedureFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_each_kpi_sums_the_rows_that_report_both_its_counts():
    unit = UnitFactory(code="X")
    a, b, c = (ProcedureFactory(code=code) for code in ("1.1", "1.2", "1.3"))
    base = {"unit_id": unit.pk, "year": 2025, "month": 3, "received_direct": 10, "resolved_on_time": 4}
    rows = [
        # a: every count reported
        {**base, "procedure_id": a.pk, "synced": 9, "fee_required": 6, "paid_online": 3, "digitised": 8,
         "e_results": 2, "ratings": 5, "ratings_satisfied": 5},
        # b: synced only, and a fee paid online without the number of filings with a fee (unknown pair)
        {**base, "procedure_id": b.pk, "synced": 10, "paid_online": 4},
        # c: nothing of Decision 766
        {**base, "procedure_id": c.pk},
    ]  # fmt: skip
    filings_upsert(rows, fields=(*COUNT_FIELDS, *SCORE_FIELDS), source=Source.IMPORT)
    total = UnitMonthTotal.objects.get(unit=unit, year=2025, month=3)
    assert (total.synced, total.synced_base) == (19, 20)  # a and b; c's 10 received left out
    assert (total.paid_online, total.fee_required) == (3, 6)  # b's 4 paid online has no denominator
    assert (total.digitised, total.digitised_base) == (8, 10)
    assert (total.e_results, total.e_results_base) == (2, 4)
    assert (total.ratings_satisfied, total.ratings) == (5, 5)
    assert total.received_new == 30  # form 06's counts as always

    before = list(UnitMonthTotal.objects.values_list(*[f.name for f in UnitMonthTotal._meta.fields][1:]))
    totals_rebuild()
    assert list(UnitMonthTotal.objects.values_list(*[f.name for f in UnitMonthTotal._meta.fields][1:])) == before


def test_a_unit_month_without_any_decision_766_count_has_no_data_not_zero():
    unit = UnitFactory(code="Y")
    row = {"unit_id": unit.pk, "procedure_id": ProcedureFactory().pk, "year": 2025, "month": 4, "received_online": 3}
    filings_upsert([row], source=Source.IMPORT)
    total = UnitMonthTotal.objects.get(unit=unit)
    assert [total.synced, total.synced_base, total.fee_required, total.ratings] == [None, None, None, None]
