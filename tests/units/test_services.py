"""units_delete: children before parents, what a unit owns goes with it, and a unit that still has units
below it or figures or offerings is refused with nothing deleted."""

import pytest

from core.errors import RowsRefused
from filings.models import UnitMonth
from filings.services import Source, filings_delete
from reports.models import Target, UnitMonthTotal
from tests.factories import FilingFactory, OfferingFactory, TargetFactory, UnitFactory
from units.models import Unit, UnitKind
from units.services import units_delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    province = UnitFactory(code="GEN01", kind=UnitKind.PROVINCE)
    communes = [UnitFactory(code=f"GEN01.{n:04d}", parent=province) for n in (1, 2)]
    return province, communes


def test_deletes_a_subtree_children_first_with_what_its_units_own(tree):
    province, communes = tree
    TargetFactory(unit=communes[0])
    filing = FilingFactory(unit=communes[0])
    # Figures protect a unit: they go first, through their own service, which leaves the unit-month.
    filings_delete([filing], source=Source.DEMO, force=True)
    assert UnitMonth.objects.filter(unit=communes[0]).exists()
    assert units_delete(Unit.objects.filter(code__startswith="GEN").order_by("code"), reason="test") == 3
    assert not Unit.objects.exists()
    assert not UnitMonth.objects.exists()
    assert not Target.objects.exists() and not UnitMonthTotal.objects.exists()


def test_a_unit_with_units_below_it_is_refused(tree):
    province, communes = tree
    with pytest.raises(RowsRefused) as refused:
        units_delete([communes[0], province])
    assert list(refused.value.problems) == [1]  # the province, by its position
    assert "GEN01" in refused.value.messages[0]
    assert Unit.objects.count() == 3


def test_a_unit_with_figures_or_offerings_is_refused_and_nothing_is_deleted(tree):
    province, communes = tree
    FilingFactory(unit=communes[0])
    OfferingFactory(unit=communes[1])
    with pytest.raises(RowsRefused) as refused:
        units_delete(Unit.objects.filter(code__startswith="GEN").order_by("code"))
    assert sorted(refused.value.problems) == [1, 2]
    assert [field for issues in refused.value.problems.values() for field, _reason in issues] == ["code", "code"]
    assert Unit.objects.count() == 3
    assert units_delete([]) == 0
