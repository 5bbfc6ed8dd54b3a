"""The unit-month totals that the filing KPIs read stay equal to what `rebuild_totals` computes from the
filings, whatever wrote them: seed_demo, the import (filings and offerings), the admin (filings and
offerings), deletes. An offering that changes decides which filings count as filings of procedures offered
online, so it changes the totals too."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.periods import Period
from demo.seeding import seed_demo
from filings.models import MonthlyFiling
from filings.services import Source, filings_delete
from procedures.models import Offering, ServiceLevel
from reports.models import UnitMonthTotal
from reports.selectors import kpis_for
from reports.services import totals_rebuild
from tests.factories import FilingFactory, OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

TOTAL_FIELDS = [f.name for f in UnitMonthTotal._meta.fields if f.name not in ("id", "unit")]


def totals():
    return sorted(UnitMonthTotal.objects.values_list("unit_id", *TOTAL_FIELDS))


def assert_totals_are_rebuilt_totals():
    stored = totals()
    totals_rebuild()
    assert stored == totals()


def eligible(unit):
    """online_rate_eligible of the first quarter of 2025: (numerator, denominator)."""
    value = kpis_for(unit, Period.parse("2025-Q1"))["online_rate_eligible"]
    return value.numerator, value.denominator


@pytest.fixture
def ward(db):
    unit = UnitFactory(code="W1", kind=UnitKind.COMMUNE)
    procedure = ProcedureFactory(code="1.000001")
    OfferingFactory(unit=unit, procedure=procedure, service_level=ServiceLevel.NONE)
    for month in (1, 2, 3):  # 10 online, 90 at the desk each month
        FilingFactory(unit=unit, procedure=procedure, year=2025, month=month, received_online=10, received_direct=90)
    return unit, procedure


@pytest.fixture
def admin_client(client, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


def test_seed_demo_leaves_totals_equal_to_a_rebuild():
    seed_demo(with_users=False)
    assert UnitMonthTotal.objects.exists()
    assert_totals_are_rebuilt_totals()


def test_offering_added_changed_and_deleted_in_the_admin_moves_the_totals(admin_client, ward):
    unit, procedure = ward
    assert eligible(unit) == (0, 0)

    response = admin_client.post(
        reverse("admin:procedures_offering_add"),
        {"unit": unit.pk, "procedure": procedure.pk, "service_level": ServiceLevel.FULL, "valid_from": "01/02/2025"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    offering = Offering.objects.get(valid_from__isnull=False)
    assert eligible(unit) == (20, 200)  # February and March
    assert_totals_are_rebuilt_totals()
    assert offering.history.latest().history_user.username == "root"

    response = admin_client.post(
        reverse("admin:procedures_offering_change", args=[offering.pk]),
        {"unit": unit.pk, "procedure": procedure.pk, "service_level": ServiceLevel.FULL, "valid_from": "01/03/2025"},
    )
    assert response.status_code == 302
    assert eligible(unit) == (10, 100)  # March only
    assert_totals_are_rebuilt_totals()

    response = admin_client.post(reverse("admin:procedures_offering_delete", args=[offering.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert eligible(unit) == (0, 0)
    assert_totals_are_rebuilt_totals()


def test_offering_moved_to_another_unit_in_the_admin_refreshes_both_units(admin_client, ward):
    unit, procedure = ward
    other = UnitFactory(code="W2", kind=UnitKind.COMMUNE)
    FilingFactory(unit=other, procedure=procedure, year=2025, month=1, received_online=5, received_direct=5)
    offering = OfferingFactory(
        unit=unit, procedure=procedure, service_level=ServiceLevel.PARTIAL, valid_from="2025-01-01"
    )
    assert (eligible(unit), eligible(other)) == ((30, 300), (0, 0))
    response = admin_client.post(
        reverse("admin:procedures_offering_change", args=[offering.pk]),
        {
            "unit": other.pk,
            "procedure": procedure.pk,
            "service_level": ServiceLevel.PARTIAL,
            "valid_from": "01/01/2025",
        },
    )
    assert response.status_code == 302
    assert (eligible(unit), eligible(other)) == ((0, 0), (5, 10))
    assert_totals_are_rebuilt_totals()


def test_offerings_import_moves_the_totals(ward, tmp_path):
    unit, procedure = ward
    path = tmp_path / "offerings.csv"
    path.write_text(
        "unit_code,procedure_code,service_level,valid_from\nW1,1.000001,full,2025-01-01\n", encoding="utf-8"
    )
    call_command("import_data", "offerings", str(path), stdout=StringIO())
    assert eligible(unit) == (30, 300)
    assert_totals_are_rebuilt_totals()


def test_filings_import_admin_save_and_delete_keep_the_totals(admin_client, ward, tmp_path):
    unit, procedure = ward
    OfferingFactory(unit=unit, procedure=procedure, service_level=ServiceLevel.FULL, valid_from="2025-01-01")
    path = tmp_path / "filings.csv"
    path.write_text("unit_code;procedure_code;period;received_online\nW1;1.000001;02/2025;40\n", encoding="utf-8")
    call_command("import_data", "filings", str(path), stdout=StringIO())
    assert eligible(unit) == (60, 330)  # 10 + 40 + 10 online of 100 + 130 + 100
    assert_totals_are_rebuilt_totals()

    filing = MonthlyFiling.objects.get(month=3)
    data = {
        name: getattr(filing, name)
        for name in [
            "carried_over",
            "received_online",
            "received_direct",
            "received_postal",
            "resolved_early",
            "resolved_on_time",
            "resolved_late",
            "pending_on_time",
            "pending_overdue",
            "returned_postal",
        ]
    }
    response = admin_client.post(
        reverse("admin:filings_monthlyfiling_change", args=[filing.pk]),
        {**data, "received_online": 0, "confirm_warnings": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert eligible(unit) == (50, 320)
    assert_totals_are_rebuilt_totals()

    filings_delete([MonthlyFiling.objects.get(month=1)], source=Source.ADMIN, force=True)
    assert eligible(unit) == (40, 220)
    assert_totals_are_rebuilt_totals()
