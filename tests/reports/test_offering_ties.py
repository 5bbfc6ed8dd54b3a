"""Migration reports/0010: the totals of a unit with two offerings of a procedure started in one month,
made when both counted, are recomputed by the rule that the later date's alone holds."""

import datetime
import importlib

import pytest
from django.apps import apps

from filings.services import Source, filings_upsert
from procedures.models import Offering, ServiceLevel, month_index
from reports.models import OfferingTotal, SharedVersion, UnitMonthTotal
from tests.factories import ProcedureFactory, UnitFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("reports.migrations.0010_offerings_started_in_one_month")


def test_the_totals_of_units_with_two_offerings_started_in_one_month_are_recomputed():
    tied, other = UnitFactory(code="TIED"), UnitFactory(code="OTHER")
    procedure = ProcedureFactory()
    for unit in (tied, other):
        filings_upsert(
            [{"unit_id": unit.pk, "procedure_id": procedure.pk, "year": 2025, "month": 3, "received_online": 5}],
            fields=["received_online"],
            source=Source.ADMIN,
        )
    # As the totals stood before: both offerings of March counted, the full one's level read for March.
    Offering.objects.bulk_create(
        [
            Offering(
                unit=tied, procedure=procedure, valid_from=datetime.date(2025, 3, 2), service_level=ServiceLevel.FULL
            ),
            Offering(
                unit=tied, procedure=procedure, valid_from=datetime.date(2025, 3, 20), service_level=ServiceLevel.NONE
            ),
        ]
    )
    OfferingTotal.objects.create(unit=tied, start=month_index(2025, 3), end=None, offerings=2, online=1, full=1)
    UnitMonthTotal.objects.filter(unit=tied).update(eligible_online=5, eligible_new=5)
    untouched = list(UnitMonthTotal.objects.filter(unit=other).values())
    token = SharedVersion.objects.get().token

    migration.recompute(apps, None)

    assert list(OfferingTotal.objects.filter(unit=tied).values_list("start", "offerings", "online", "full")) == [
        (month_index(2025, 3), 1, 0, 0)
    ]
    march = UnitMonthTotal.objects.get(unit=tied, year=2025, month=3)
    assert (march.received_online, march.eligible_online, march.eligible_new) == (5, 0, 0)
    assert list(UnitMonthTotal.objects.filter(unit=other).values()) == untouched
    assert SharedVersion.objects.get().token != token  # results reused before no longer count


def test_without_such_offerings_the_migration_changes_nothing():
    unit, procedure = UnitFactory(), ProcedureFactory()
    Offering.objects.create(unit=unit, procedure=procedure, valid_from=datetime.date(2025, 3, 2), service_level="full")
    Offering.objects.create(unit=unit, procedure=procedure, valid_from=datetime.date(2025, 4, 2), service_level="none")
    token = SharedVersion.objects.get().token
    migration.recompute(apps, None)
    assert not OfferingTotal.objects.exists()  # created without the service: left as it was
    assert SharedVersion.objects.get().token == token
