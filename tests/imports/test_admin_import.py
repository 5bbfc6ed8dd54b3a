"""The admin's import goes through the portal's importer: same header rules, validation and speed, with
preview and confirm, recorded as ImportRecord; the resources' import_data too. Export stays
django-import-export's."""

import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from filings.models import MonthlyFiling
from filings.resources import MonthlyFilingResource
from imports.models import ImportRecord
from procedures.models import Offering
from tests.factories import FilingFactory, UserFactory
from tests.imports.files import write_xlsx
from units.resources import UnitResource

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


def test_admin_preview_and_confirm_of_report_form_06(admin_client, tree, sample):
    url = reverse("admin:filings_monthlyfiling_import")
    assert admin_client.get(url).status_code == 200
    with open(sample("sample_filings_report.xlsx"), "rb") as handle:
        response = admin_client.post(url, {"file": handle})
    html = response.content.decode()
    assert 'id="count-created">6<' in html and "process_import" in html
    assert MonthlyFiling.objects.count() == 0
    preview = ImportRecord.objects.get()
    assert (preview.source, preview.dry_run) == ("admin", True)
    response = admin_client.post(reverse("admin:filings_monthlyfiling_process_import"), {"record": preview.pk})
    assert response.status_code == 302 and response["Location"] == reverse("admin:filings_monthlyfiling_changelist")
    assert MonthlyFiling.objects.count() == 6
    assert MonthlyFiling.history.first().history_change_reason == "import: sample_filings_report.xlsx"
    assert ImportRecord.objects.filter(dry_run=False, source="admin", created=6).exists()


def test_admin_preview_lists_the_errors_and_offers_no_confirm(admin_client, tree, tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", [["Mã đơn vị", "Mã TTHC", "Mức độ"], ["88101", "1.001193", "Mức độ 9"]])
    with open(path, "rb") as handle:
        response = admin_client.post(reverse("admin:procedures_offering_import"), {"file": handle})
    html = response.content.decode()
    assert 'id="import-errors"' in html and "Mức độ 9" in html and "process_import" not in html
    assert Offering.objects.count() == 0


def test_admin_import_is_for_portal_admins_only(client, tree):
    client.force_login(UserFactory(username="staff", role="clerk", is_staff=True))
    assert client.get(reverse("admin:units_unit_import")).status_code in (302, 403)


def test_resource_import_data_is_the_portal_importer(tree):
    dataset = tablib.Dataset(headers=["unit_code", "procedure_code", "year", "month", "received_online"])
    dataset.append(["88101", "1.001193", 2024, 7, "1.234"])
    dataset.append(["88102", "1.001193", 2024, 7, 5])
    result = MonthlyFilingResource().import_data(dataset, dry_run=True)
    assert (result.totals["new"], result.has_errors()) == (2, False)
    assert MonthlyFiling.objects.count() == 0
    result = MonthlyFilingResource().import_data(dataset)
    assert MonthlyFiling.objects.get(unit__code="88101").received_online == 1234
    dataset.append(["88103", "1.001193", 2024, 13, 1])
    result = MonthlyFilingResource().import_data(dataset)
    assert result.has_errors()
    assert "row 4, column month: month 13 is not between 1 and 12" in str(result.base_errors[0].error)


def test_resource_export_uses_the_import_keys(tree):
    FilingFactory(unit=tree["88101"], procedure__code="1.001193", year=2024, month=7, received_online=3)
    data = MonthlyFilingResource().export()
    assert data.headers[:5] == ["unit_code", "procedure_code", "year", "month", "carried_over"]
    assert data[0][:4] == ("88101", "1.001193", 2024, 7)
    assert UnitResource().export().headers == [
        "code",
        "name",
        "kind",
        "parent_code",
        "valid_from",
        "valid_to",
    ]


def test_admin_export_through_the_resources(admin_client, tree):
    FilingFactory(unit=tree["88101"], procedure__code="1.001193", year=2024, month=7, received_online=3)
    url = reverse("admin:filings_monthlyfiling_export")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "format": "0",
            "resource": "0",
            **{
                f"monthlyfilingresource_{name}": "on"
                for name in ("unit_code", "procedure_code", "year", "month", "received_online")
            },
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment")


def test_admin_confirm_of_nothing_sends_back_to_the_upload(admin_client, tree):
    response = admin_client.post(reverse("admin:filings_monthlyfiling_process_import"), {"record": "abc"})
    assert response.status_code == 302 and response["Location"].endswith("/import/")


def test_the_admin_speaks_of_imports_and_people_as_the_portal_does(admin_client, settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    record = ImportRecord.objects.create(kind="filings", file_name="bao_cao.xlsx")
    ImportRecord.objects.filter(pk=record.pk).update(created_at="2026-12-05T22:14:00Z")
    record.refresh_from_db()
    # The kind as the import page names it, the time where the users are (UTC+7: the next morning).
    with translation.override("vi"):
        assert str(record) == "Số liệu hằng tháng (biểu số 06): bao_cao.xlsx (06/12/2026 05:14)"
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Cổng theo dõi DVC trực tuyến: quản trị" in index and "Django" not in index.split("<body", 1)[1]
    users = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Họ và tên" in users and "Get full name" not in users
    records = admin_client.get(reverse("admin:imports_importrecord_changelist")).content.decode()
    assert "Số liệu hằng tháng (biểu số 06): bao_cao.xlsx (06/12/2026 05:14)" in records
