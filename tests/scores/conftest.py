"""Hand-made unit-month totals for the score tests: written straight into reports.UnitMonthTotal (the table
the KPIs read), so that every count of the score is chosen here and the sums are easy to check by hand."""

import pytest

from reports.models import UnitMonthTotal
from tests.factories import UnitFactory
from units.models import UnitKind


def total(unit, year, month, **sums):
    """One unit-month's totals: form 06's sums 0 and the Decision 766 ones None (not reported) unless given."""
    return UnitMonthTotal.objects.create(unit=unit, year=year, month=month, **sums)


@pytest.fixture
def district():
    """District D with wards A and B (and C, without figures) over 2025-Q1:

    | KPI | A (January) | B (February) | D | threshold, points | D's points |
    |---|---|---|---|---|---|
    | sync_rate | 90 / 100 | 60 / 60 | 150 / 160 = 93.75% | 100%, 18 | 93.75 / 100 × 18 = 16.875 → 16.88 |
    | on_time_rate | 150 / 150 | 50 / 50 | 200 / 200 = 100% | 100%, 20 | 20 (at the threshold) |
    | online_rate_eligible | 45 / 100 | – | 45 / 100 = 45% | 50%, 12 | 45 / 50 × 12 = 10.8 |
    | online_payment_rate | 30 / 50 | – | 60% | 50%, 10 | 10 (above) |
    | digitisation_rate | 50 / 100 | – | 50% | 100%, 11 | 5.5 |
    | e_result_rate | 1 / 3 | – | 33.33…% | 100%, 11 | 11 / 3 = 3.666… → 3.67 |
    | satisfaction_rate | – | (April only: outside) | no data | 95%, 18 | none; 18 left out of the max |

    D: 16.875 + 20 + 10.8 + 10 + 5.5 + 11/3 = 66.841666… → 66.84 out of 100 − 18 = 82.
    """
    d = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT)
    a = UnitFactory(code="A", name="Phường A", parent=d)
    b = UnitFactory(code="B", name="Phường B", parent=d)
    c = UnitFactory(code="C", name="Phường C", parent=d)
    total(
        a,
        2025,
        1,
        received_online=45,
        received_new=100,
        eligible_online=45,
        eligible_new=100,
        resolved_in_time=150,
        resolved_all=150,
        synced=90,
        synced_base=100,
        paid_online=30,
        fee_required=50,
        digitised=50,
        digitised_base=100,
        e_results=1,
        e_results_base=3,
    )
    total(b, 2025, 2, received_new=60, resolved_in_time=50, resolved_all=50, synced=60, synced_base=60)
    total(b, 2025, 4, ratings_satisfied=9, ratings=10)  # after the period
    return {"D": d, "A": a, "B": b, "C": c}
