"""Each rule of filings.rules through each path that writes figures: the entry form, the import and the
admin (the API does not write). A refusal stores nothing; a warning is shown and must be confirmed."""

import datetime

import pytest
from django.urls import reverse

from filings.models import COUNT_FIELDS, MonthlyFiling, UnitMonth
from tests.factories import OfferingFactory, UnitFactory
from tests.filings.helpers import post_entry
from tests.imports.conftest import run_cli, summary
from tests.imports.files import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"]


@pytest.fixture
def dissolved(office):
    """Xã C was merged into A on 1 July 2025."""
    unit = UnitFactory(code="C", name="Xã C (cũ)", parent=office.district, valid_to=datetime.date(2025, 6, 30))
    OfferingFactory(unit=unit, procedure=office.procedure)
    return unit


@pytest.fixture
def as_admin(client, office):
    client.force_login(office.admin)
    return client


def admin_post(client, office, unit=None, procedure=None, year=2019, month=7, **counts):
    data = {
        "unit": (unit or office.commune).pk,
        "procedure": (procedure or office.procedure).pk,
        "year": year,
        "month": month,
        **{name: counts.get(name, 0) for name in COUNT_FIELDS},
    }
    if counts.get("confirm"):
        data["confirm_warnings"] = "on"
    return client.post(reverse("admin:filings_monthlyfiling_add"), data)


def import_rows(tmp_path, rows):
    return run_cli("filings", write_xlsx(tmp_path / "bao-cao.xlsx", [HEADER, *rows]))


# --- the ceiling ------------------------------------------------------------------------------------


def test_the_form_refuses_a_count_above_the_ceiling_at_its_cell(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    response = post_entry(
        client,
        office.commune,
        year,
        month,
        {office.procedure: {"received_online": "2147483648", "received_direct": "5"}},
    )
    assert response.status_code == 400
    assert "2.147.483.648" in response.context["form"].errors[office.procedure.pk]["received_online"]
    assert "1.004227" in response.context["form"].summary[0]
    assert not MonthlyFiling.objects.exists() and not UnitMonth.objects.exists()


def test_the_import_names_the_row_and_column_of_a_count_above_the_ceiling(office, tmp_path):
    status, out, err = import_rows(
        tmp_path, [["A", "1.004227", "07/2019", 99_999_999_999, 5], ["A", "1.004227", "06/2019", "12.000.000", 5]]
    )
    assert status == 1 and summary(out).endswith("errors 2")
    lines = err.strip().splitlines()
    assert lines[0].startswith("row 2, column Tiếp nhận trực tuyến:") and "10.000.000" in lines[0]
    assert lines[1].startswith("row 3, column Tiếp nhận trực tuyến:") and "12.000.000" in lines[1]
    assert not MonthlyFiling.objects.exists()


def test_the_admin_refuses_a_count_above_the_ceiling(as_admin, office):
    response = admin_post(as_admin, office, received_online=2_147_483_648, confirm=True)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["received_online"]
    assert not MonthlyFiling.objects.exists()


# --- a unit outside its validity -----------------------------------------------------------------------


def test_the_form_offers_no_month_after_a_merger_and_refuses_a_post(client, office, dissolved):
    client.force_login(office.admin)
    start = client.get(reverse("filings:start"), {"unit": "C", "month": "07/2025"})
    assert start.status_code == 200 and "30/06/2025" in start.context["form"].errors["month"][0]
    page = client.get(reverse("filings:entry", kwargs={"code": "C", "year": 2025, "month": 7}))
    assert not page.context["editable"] and "30/06/2025" in page.context["lock_reason"]
    response = post_entry(client, dissolved, 2025, 7, {office.procedure: {"received_online": "3"}})
    assert response.status_code == 409 and "30/06/2025" in response.context["form"].summary[0]
    assert not MonthlyFiling.objects.exists()
    # June 2025 is still the commune's own.
    assert client.get(reverse("filings:entry", kwargs={"code": "C", "year": 2025, "month": 6})).context["editable"]


def test_the_import_refuses_a_row_of_a_dissolved_unit(office, dissolved, tmp_path):
    status, out, err = import_rows(tmp_path, [["C", "1.004227", "06/2025", 3, 2], ["C", "1.004227", "07/2025", 3, 2]])
    assert status == 1 and summary(out).endswith("errors 1")
    assert err.startswith("row 3, column Mã đơn vị:") and "30/06/2025" in err
    assert not MonthlyFiling.objects.exists()


def test_the_admin_refuses_a_month_after_the_unit_ended(as_admin, office, dissolved):
    response = admin_post(as_admin, office, unit=dissolved, year=2025, month=7, received_online=1, confirm=True)
    assert response.status_code == 200 and "30/06/2025" in response.content.decode()
    assert not MonthlyFiling.objects.exists()


# --- online receipts of a procedure not offered online: a warning to confirm -----------------------------


def test_the_form_saves_a_draft_but_submits_only_when_the_warning_is_confirmed(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    cells = {"received_online": "4", "resolved_on_time": "4"}  # balanced; 2.000908 is not offered by A
    response = post_entry(client, office.commune, year, month, {office.second_procedure: cells}, action="submit")
    assert response.status_code == 409
    assert any(f.kind == "not_online" for f in response.context["grid"].flags)
    assert not MonthlyFiling.objects.exists() and not UnitMonth.objects.exists()
    post_entry(client, office.commune, year, month, {office.second_procedure: cells})
    assert MonthlyFiling.objects.get().received_online == 4  # a draft keeps it
    page = client.get(reverse("filings:entry", kwargs={"code": "A", "year": year, "month": month}))
    assert "2.000908" in page.content.decode() and page.context["grid"].flags
    response = post_entry(client, office.commune, year, month, {}, version=1, action="submit", confirm=True)
    assert response.status_code == 302
    unit_month = UnitMonth.objects.get()
    assert unit_month.status == "submitted" and "2.000908" in unit_month.submitted_warnings


def test_the_import_warns_of_online_receipts_not_offered_online(office, tmp_path):
    status, out, err = import_rows(tmp_path, [["A", "1.004227", "07/2019", 3, 2], ["A", "2.000908", "07/2019", 4, 1]])
    assert status == 0 and summary(out) == "created 2, updated 0, unchanged 0, errors 0, warnings 1"
    assert err.startswith("row 3, column Tiếp nhận trực tuyến: warning:") and "2.000908" in err
    assert MonthlyFiling.objects.count() == 2


def test_the_admin_asks_to_confirm_online_receipts_not_offered_online(as_admin, office):
    response = admin_post(as_admin, office, procedure=office.second_procedure, received_online=4, resolved_on_time=4)
    assert response.status_code == 200 and "2.000908" in response.content.decode()
    assert not MonthlyFiling.objects.exists()
    response = admin_post(
        as_admin, office, procedure=office.second_procedure, received_online=4, resolved_on_time=4, confirm=True
    )
    assert response.status_code == 302 and MonthlyFiling.objects.get().received_online == 4
