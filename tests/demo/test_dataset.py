"""generate_dataset: synthetic data written through the write services; a second run with the same options
writes nothing, and a run with other options leaves what a first run with them would have left."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from demo.dataset import dataset_generate
from filings.models import COUNT_FIELDS, MonthlyFiling, UnitMonth
from procedures.models import Offering, Procedure
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.factories import UnitFactory
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

SMALL = {"provinces": 3, "communes": 12, "procedures": 5, "year": 2025, "months": 3}


def generated():
    """The generated rows by code, as a fresh run with the same options must leave them."""
    return {
        "units": sorted(Unit.objects.values_list("code", "name", "kind", "parent__code")),
        "procedures": sorted(Procedure.objects.values_list("code", "name")),
        "offerings": sorted(
            Offering.objects.values_list("unit__code", "procedure__code", "valid_from", "service_level")
        ),
        "filings": sorted(
            MonthlyFiling.objects.values_list("unit__code", "procedure__code", "year", "month", *COUNT_FIELDS)
        ),
        "totals": sorted(
            UnitMonthTotal.objects.values_list(
                "unit__code", "year", "month", "received_online", "eligible_online", "eligible_new"
            )
        ),
    }


def history():
    return [model.history.count() for model in (MonthlyFiling, Offering, UnitMonth)]


def test_writes_through_the_services_with_history_and_totals():
    size = dataset_generate(**SMALL)
    assert (size.provinces, size.communes, size.procedures, size.offerings) == (3, 12, 5, 60)
    assert MonthlyFiling.objects.count() == size.filings > 0
    assert Unit.objects.filter(kind=UnitKind.COMMUNE, parent__code="GEN01").count() == 4
    assert Offering.history.filter(history_type="+").count() == 60
    assert MonthlyFiling.history.filter(history_type="+").count() == size.filings
    assert set(MonthlyFiling.objects.values_list("month", flat=True)) == {1, 2, 3}
    stored = generated()["totals"]
    totals_rebuild()
    assert generated()["totals"] == stored


def test_a_second_run_with_the_same_options_writes_nothing():
    dataset_generate(**SMALL)
    before, written = generated(), history()
    dataset_generate(**SMALL)
    assert generated() == before
    assert history() == written


def test_a_run_with_other_options_replaces_the_generated_data_and_leaves_the_rest():
    other = UnitFactory(code="22", kind=UnitKind.PROVINCE)
    dataset_generate(**SMALL)
    smaller = {"provinces": 2, "communes": 6, "procedures": 3, "year": 2025, "months": 2, "seed": 7}
    dataset_generate(**smaller)
    replaced = generated()
    assert not Unit.objects.filter(code__startswith="GEN03").exists()
    assert not Procedure.objects.filter(code__in=["GEN.000004", "GEN.000005"]).exists()
    assert MonthlyFiling.history.filter(history_type="-").exists()
    # What a first run with the smaller options writes, the unit outside the dataset left alone.
    MonthlyFiling.objects.all()._raw_delete(MonthlyFiling.objects.db)
    UnitMonthTotal.objects.all()._raw_delete(UnitMonthTotal.objects.db)
    Offering.objects.all()._raw_delete(Offering.objects.db)
    UnitMonth.objects.all()._raw_delete(UnitMonth.objects.db)
    Unit.objects.filter(parent__isnull=False).delete()
    Unit.objects.filter(code__startswith="GEN").delete()
    Procedure.objects.all().delete()
    dataset_generate(**smaller)
    assert generated() == replaced
    assert Unit.objects.filter(pk=other.pk).exists()
    assert MonthlyFiling.objects.aggregate(total=Sum("received_online"))["total"] > 0


def test_the_command_checks_its_options_and_reports_the_size():
    out = StringIO()
    call_command(
        "generate_dataset", "--provinces", "2", "--communes", "4", "--procedures", "3", "--months", "1", stdout=out
    )
    assert out.getvalue().startswith("generated 2 provinces, 4 communes, 3 procedures, 12 offerings, ")
    with pytest.raises(CommandError, match="at least one commune per province"):
        call_command("generate_dataset", "--provinces", "5", "--communes", "4")
    with pytest.raises(CommandError, match="between 1 and 12"):
        call_command("generate_dataset", "--months", "13")
