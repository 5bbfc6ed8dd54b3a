"""The import page: admins only, upload -> preview (counts, error rows) -> confirm -> data; the confirm
step re-runs the stored file; size limit; templates; past imports."""

import re

import pytest
from django.urls import reverse

from filings.models import MonthlyFiling
from imports.models import ImportRecord
from tests.factories import UserFactory
from tests.imports.conftest import SAMPLES
from tests.imports.files import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"]


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    return tmp_path / "staging"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", role="admin"))
    return client


def upload(client, path, kind="filings", **extra):
    with open(path, "rb") as handle:
        return client.post(reverse("imports:page"), {"kind": kind, "file": handle, **extra})


def test_only_admins_may_import(client, tree):
    assert client.get(reverse("imports:page")).status_code == 302  # to the login page
    client.force_login(UserFactory(role="leader", units=[tree["881"]]))
    assert client.get(reverse("imports:page")).status_code == 403
    assert client.get(reverse("imports:template", args=["units"])).status_code == 403


def test_preview_then_confirm(admin_client, tree, sample, staging):
    response = upload(admin_client, sample("sample_filings_report.xlsx"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="count-created">6<' in html and 'id="confirm-import"' in html
    assert MonthlyFiling.objects.count() == 0
    preview = ImportRecord.objects.get()
    assert preview.dry_run and preview.created == 6
    assert len(list(staging.iterdir())) == 1

    response = admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    assert response.status_code == 302
    assert MonthlyFiling.objects.count() == 6
    done = ImportRecord.objects.get(dry_run=False)
    assert (done.user.username, done.source, done.created, done.sha256) == (
        "admin",
        "page",
        6,
        preview.sha256,
    )
    assert list(staging.iterdir()) == []
    result = admin_client.get(response["Location"]).content.decode()
    assert "sample_filings_report.xlsx" in result and 'id="count-created">6<' in result

    # Confirming twice does not import twice: the staged file is gone.
    assert admin_client.post(reverse("imports:confirm", args=[preview.pk])).status_code == 410


def test_errors_are_listed_and_there_is_nothing_to_confirm(admin_client, tree, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [HEADER, ["88101", "1.001193", "07/2024", "-1", 1], ["X", "1.001193", "07/2024", 1, 1]],
    )
    response = upload(admin_client, path)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="count-errors">2<' in html and 'id="confirm-import"' not in html
    assert "Tiếp nhận trực tuyến" in html and "&#x27;X&#x27;" in html
    assert ImportRecord.objects.get().succeeded is False


def test_confirm_uses_the_stored_file_not_the_browser(admin_client, tree, sample, staging):
    upload(admin_client, sample("sample_filings_report.xlsx"))
    preview = ImportRecord.objects.get()
    staged = next(staging.iterdir())
    staged.write_bytes(b"tampered")
    assert admin_client.post(reverse("imports:confirm", args=[preview.pk])).status_code == 410
    assert MonthlyFiling.objects.count() == 0


def test_another_admin_cannot_confirm_my_preview(admin_client, client, tree, sample):
    upload(admin_client, sample("sample_filings_report.xlsx"))
    preview = ImportRecord.objects.get()
    client.force_login(UserFactory(username="other", role="admin"))
    assert client.post(reverse("imports:confirm", args=[preview.pk])).status_code == 404


def test_file_over_the_limit_is_refused(admin_client, tree, sample, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(admin_client, sample("sample_filings_report.xlsx"))
    assert response.status_code == 400
    assert "1.000" in response.content.decode()  # the limit, in the page's language
    assert ImportRecord.objects.count() == 0


def test_confirm_needs_post_and_csrf(tree, sample):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="admin2", role="admin"))
    with open(sample("sample_filings_report.xlsx"), "rb") as handle:
        assert client.post(reverse("imports:page"), {"kind": "filings", "file": handle}).status_code == 403


def test_templates_import_back_after_filling_in(admin_client, tree, tmp_path):
    import openpyxl

    from tests.imports.conftest import run_cli

    response = admin_client.get(reverse("imports:template", args=["targets"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "targets.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path).active
    headers = [c.value for c in sheet[4]]
    assert headers == ["Mã đơn vị *", "Năm *", "Chỉ số *", "Chỉ tiêu (%) *"]
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == ["C5:C5004"]
    workbook = openpyxl.load_workbook(path)
    workbook.active["B5"] = "2024"  # the example row, made one of the test's years
    workbook.save(path)
    status, out, err = run_cli("targets", path)
    assert (status, err) == (0, "")


def history(client, **params):
    """The file names of the past imports the page lists."""
    html = client.get(reverse("imports:page"), params).content.decode()
    if 'id="import-history"' not in html:
        return []
    table = html.split('id="import-history"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'class="import-table__file"[^>]*>([^<]+)<', table)


def test_past_imports_are_listed_without_previews_unless_asked(admin_client, tree, sample):
    upload(admin_client, sample("sample_filings_report.xlsx"))
    # Only a preview so far: the list of real imports is empty, and says previews are hidden.
    html = admin_client.get(reverse("imports:page")).content.decode()
    assert history(admin_client) == [] and 'href="/imports/?previews=1#history-title"' in html
    assert history(admin_client, previews="1") == ["sample_filings_report.xlsx"]

    preview = ImportRecord.objects.get()
    admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    assert history(admin_client) == ["sample_filings_report.xlsx"]
    assert history(admin_client, previews="1") == ["sample_filings_report.xlsx"] * 2
    with_previews = admin_client.get(reverse("imports:page"), {"previews": "1"}).content.decode()
    assert 'id="history-toggle">' in with_previews and 'href="/imports/#history-title"' in with_previews


def test_previews_left_unconfirmed_for_a_day_are_removed(admin_client, tree, sample, staging):
    import os
    import time

    staging.mkdir(parents=True, exist_ok=True)
    old = staging / ("0" * 64 + ".xlsx")
    old.write_bytes(b"old preview")
    os.utime(old, (time.time() - 2 * 24 * 3600,) * 2)
    upload(admin_client, sample("sample_filings_report.xlsx"))
    assert not old.exists() and len(list(staging.iterdir())) == 1


@pytest.mark.parametrize(
    "kind, header, picklist",
    [
        ("units", "Loại đơn vị *", "tỉnh"),
        ("procedures", "Cấp thực hiện", "huyện"),
        ("offerings", "Mức độ *", "Toàn trình"),
        ("filings", "Kỳ báo cáo", None),
        ("targets", "Chỉ số *", "online_rate"),
    ],
)
def test_a_template_per_kind(admin_client, kind, header, picklist):
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(
        io.BytesIO(admin_client.get(reverse("imports:template", args=[kind])).content)
    ).active
    headers = [c.value for c in sheet[4]]
    assert header in headers and sheet.freeze_panes == "A5"
    assert any(v is not None for v in (c.value for c in sheet[5]))  # the example row
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert (picklist is None and not lists) or any(picklist in f for f in lists)


def test_openpyxl_parses_xml_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".csv"])
@pytest.mark.parametrize("kind", ["units", "procedures", "offerings", "filings", "targets"])
def test_every_kind_and_format_through_the_page_and_the_admin(admin_client, tree, tmp_path, kind, suffix):
    from tests.imports.conftest import XLS
    from tests.imports.test_formats import write

    path = XLS / f"{kind}.xls" if suffix == ".xls" else write(kind, suffix, tmp_path)
    response = upload(admin_client, path, kind=kind)
    assert response.status_code == 200, response.content.decode()[-3000:]
    preview = ImportRecord.objects.get(dry_run=True)
    assert admin_client.post(reverse("imports:confirm", args=[preview.pk])).status_code == 302
    done = ImportRecord.objects.get(dry_run=False)
    assert done.succeeded and done.created + done.updated == preview.created + preview.updated > 0

    # The admin's import of the same file: everything is there already.
    model = {
        "units": "units_unit",
        "procedures": "procedures_procedure",
        "offerings": "procedures_offering",
        "filings": "filings_monthlyfiling",
        "targets": "reports_target",
    }[kind]
    from accounts.models import User

    User.objects.filter(username="admin").update(is_staff=True, is_superuser=True)
    with open(path, "rb") as handle:
        html = admin_client.post(reverse(f"admin:{model}_import"), {"file": handle}).content.decode()
    assert 'id="count-created">0<' in html and 'id="count-errors">0<' in html


def test_one_units_form_06_through_the_page_with_its_unit_given(admin_client, tree, tmp_path):
    """The page's "Unit of the report" box is --unit; the confirm step re-runs the import with it."""
    from filings.models import FieldFiling
    from procedures.models import Field

    for code, name in (
        ("G09.HT", "Hộ tịch"),
        ("G09.CT", "Chứng thực"),
        ("G09.DD", "Đất đai"),
        ("G09.BTXH", "Bảo trợ xã hội"),
    ):
        Field.objects.update_or_create(code=code, defaults={"name": name})
    path = SAMPLES / "sample_form06_by_field.xlsx"
    response = upload(admin_client, path, kind="field_filings")
    assert response.status_code == 422 and "--unit" in response.content.decode()
    response = upload(admin_client, path, kind="field_filings", unit="88101")
    assert response.status_code == 200 and not FieldFiling.objects.exists()
    preview = response.context["preview"]
    assert preview.unit_code == "88101"
    confirmed = admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    assert confirmed.status_code == 302
    assert FieldFiling.objects.filter(unit__code="88101", year=2024, month=8).count() == 4


def test_warnings_on_the_page_group_thousands(admin_client, offered):
    from tests.imports.conftest import XLS

    response = upload(admin_client, XLS / "filings.xls")
    html = response.content.decode()
    # Vietnamese, the page's language: 1.239, not the command line's 1239.
    assert response.status_code == 200 and "1.239 ≠ 1.234" in html and "1239" not in html
