"""The admin of figures per field (to look at and delete, through filings_delete) and of reporting modes
(saved through reporting_mode_set, bad months refused on the form)."""

import pytest
from django.urls import reverse

from filings.models import FieldFiling, Grain, ReportingMode, UnitMonth
from filings.services import Source, field_filings_upsert
from tests.factories import FieldFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(client):
    client.force_login(UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def ward():
    return UnitFactory(code="88101", name="Phường Mẫu Một")


def test_figures_per_field_are_listed_searched_and_deleted_through_the_write_path(as_admin, ward):
    civil = FieldFactory()
    field_filings_upsert(
        [{"unit_id": ward.pk, "field_id": civil.pk, "year": 2024, "month": 8, "received_online": 48}],
        source=Source.IMPORT,
    )
    changelist = reverse("admin:filings_fieldfiling_changelist")
    response = as_admin.get(changelist)
    assert response.status_code == 200 and "Hộ tịch" in response.content.decode()
    assert as_admin.get(changelist, {"q": "G09.HT"}).context["cl"].result_count == 1
    assert as_admin.get(changelist, {"q": "nothing"}).context["cl"].result_count == 0
    assert as_admin.get(changelist, {"year": "2024"}).status_code == 200
    assert as_admin.get(reverse("admin:filings_fieldfiling_add")).status_code == 403
    filing = FieldFiling.objects.get()
    assert as_admin.get(reverse("admin:filings_fieldfiling_history", args=[filing.pk])).status_code == 200

    response = as_admin.post(reverse("admin:filings_fieldfiling_delete", args=[filing.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not FieldFiling.objects.exists()
    gone = FieldFiling.history.order_by("history_id").last()
    assert (gone.history_type, gone.history_change_reason, gone.history_user.username) == ("-", "admin", "admin")
    assert UnitMonth.objects.get(unit=ward, year=2024, month=8).version == 2  # written, then deleted


def test_a_reporting_mode_is_saved_through_the_service(as_admin, ward):
    add = reverse("admin:filings_reportingmode_add")
    assert as_admin.get(add).status_code == 200
    response = as_admin.post(add, {"unit": ward.pk, "year": 2024, "month": 8, "grain": Grain.FIELD})
    assert response.status_code == 302, response.content.decode()[:2000]
    mode = ReportingMode.objects.get()
    assert (mode.unit, mode.year, mode.month, mode.grain) == (ward, 2024, 8, Grain.FIELD)
    assert mode.history.get().history_change_reason == "admin"

    change = reverse("admin:filings_reportingmode_change", args=[mode.pk])
    assert as_admin.post(change, {"grain": Grain.PROCEDURE}).status_code == 302
    mode = ReportingMode.objects.get()
    assert (mode.year, mode.month, mode.grain) == (2024, 8, Grain.PROCEDURE)  # the key stays
    assert as_admin.get(reverse("admin:filings_reportingmode_changelist")).status_code == 200


def test_a_bad_month_or_a_second_mode_for_the_same_month_is_refused_with_a_message(as_admin, ward):
    add = reverse("admin:filings_reportingmode_add")
    response = as_admin.post(add, {"unit": ward.pk, "year": 2024, "month": 13, "grain": Grain.FIELD})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["month"]
    response = as_admin.post(add, {"unit": ward.pk, "year": 1990, "month": 1, "grain": Grain.FIELD})
    assert response.status_code == 200 and "year" in response.context["adminform"].form.errors
    assert not ReportingMode.objects.exists()
    as_admin.post(add, {"unit": ward.pk, "year": 2024, "month": 8, "grain": Grain.FIELD})
    response = as_admin.post(add, {"unit": ward.pk, "year": 2024, "month": 8, "grain": Grain.PROCEDURE})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert ReportingMode.objects.get().grain == Grain.FIELD
