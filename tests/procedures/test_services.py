"""The procedures app's delete paths: procedures_delete refuses a procedure that offerings or figures still
point at; offerings_write deletes a queryset set-based, with the history rows and totals of the per-row
path."""

import pytest

from core.errors import RowsRefused
from procedures.models import Offering, Procedure, ServiceLevel
from procedures.services import offerings_write, procedures_delete
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.factories import FilingFactory, OfferingFactory, ProcedureFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_procedure_with_offerings_or_figures_is_refused_and_nothing_is_deleted():
    offered, filed, unused = ProcedureFactory(), ProcedureFactory(), ProcedureFactory()
    OfferingFactory(procedure=offered)
    FilingFactory(procedure=filed)
    with pytest.raises(RowsRefused) as refused:
        procedures_delete([offered, filed, unused])
    assert sorted(refused.value.problems) == [0, 1]
    assert Procedure.objects.count() == 3
    assert procedures_delete(Procedure.objects.filter(pk=unused.pk)) == 1
    assert set(Procedure.objects.values_list("pk", flat=True)) == {offered.pk, filed.pk}


def test_deleting_offerings_of_a_queryset_writes_their_history_and_moves_the_totals():
    unit, other = UnitFactory(), UnitFactory()
    procedure = ProcedureFactory()
    for offering_unit in (unit, other):
        OfferingFactory(unit=offering_unit, procedure=procedure, service_level=ServiceLevel.FULL)
        FilingFactory(
            unit=offering_unit, procedure=procedure, year=2025, month=1, received_online=10, received_direct=90
        )
    assert UnitMonthTotal.objects.get(unit=unit).eligible_new == 100
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)

    offerings_write(delete=Offering.objects.filter(unit=unit), user=admin, reason="test")

    assert list(Offering.objects.values_list("unit_id", flat=True)) == [other.pk]
    [deleted] = Offering.history.filter(history_type="-")
    assert (deleted.unit_id, deleted.service_level, deleted.history_change_reason, deleted.history_user_id) == (
        unit.pk,
        ServiceLevel.FULL,
        "test",
        admin.pk,
    )
    # Without an offering in force, its filings no longer count as filings of procedures offered online.
    assert UnitMonthTotal.objects.get(unit=unit).eligible_new == 0
    stored = sorted(UnitMonthTotal.objects.values_list("unit_id", "eligible_new", "received_new"))
    totals_rebuild()
    assert sorted(UnitMonthTotal.objects.values_list("unit_id", "eligible_new", "received_new")) == stored
    offerings_write(delete=Offering.objects.none(), reason="test")  # nothing to do
    assert Offering.history.filter(history_type="-").count() == 1
