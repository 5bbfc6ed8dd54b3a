"""Files that must be refused with a clear message naming the user's file, through the import page: an .ods
whose content.xml declares a document type or is not well-formed, formula cells without a saved result;
and staged uploads that belong to one preview each (issue 13, items 5-7)."""

import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import MonthlyFiling
from imports.models import ImportRecord
from reports.models import Target
from tests.factories import UserFactory
from tests.imports.files import write_csv, write_ods, write_xlsx
from tests.imports.test_formats import TABLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    return tmp_path / "staging"


def admin(client, username="admin"):
    client.force_login(UserFactory(username=username, role="admin"))
    client.cookies["django_language"] = "en"
    return client


def upload(client, path, kind, name=None):
    file = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(reverse("imports:page"), {"kind": kind, "file": file})


def rewrite_member(path, member, change):
    """A copy of a zip file with one member's bytes changed."""
    changed = path.with_name(f"changed-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == member else data)
    return changed


def assert_refused(response, *texts, staging):
    assert response.status_code == 422
    html = response.content.decode()
    for text in texts:
        assert text in html
    record = ImportRecord.objects.get()
    # The page shows the file's hash on purpose, but never the staged file's name or the server's paths.
    assert str(staging) not in html and f"{record.sha256}." not in html and "incoming-" not in html, html
    assert record.errors == 1 and not record.succeeded
    assert list(staging.iterdir()) == []  # the refused upload is not kept
    return html


DOCTYPES = {
    "an internal entity": b'<!DOCTYPE x [<!ENTITY a "b">]>',
    "an external entity": b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>',
    "a bare declaration": b"<!DOCTYPE office:document-content>",
}


@pytest.mark.parametrize("doctype", list(DOCTYPES))
def test_an_ods_targets_file_with_a_document_type_is_refused(client, tree, tmp_path, staging, doctype):
    path = write_ods(tmp_path / "targets.ods", TABLES["targets"], percent={(1, 3)})
    path = rewrite_member(path, "content.xml", lambda data: data.replace(b"?>", b"?>" + DOCTYPES[doctype], 1))
    response = upload(admin(client), path, "targets", name="chỉ tiêu.ods")
    assert_refused(response, "chỉ tiêu.ods cannot be read: its content.xml declares a document type", staging=staging)
    assert not Target.objects.exists()


def test_an_ods_targets_file_with_broken_xml_is_refused(client, tree, tmp_path, staging):
    path = write_ods(tmp_path / "targets.ods", TABLES["targets"], percent={(1, 3)})
    path = rewrite_member(path, "content.xml", lambda data: data[:-40])
    response = upload(admin(client), path, "targets", name="chỉ tiêu.ods")
    assert_refused(response, "chỉ tiêu.ods cannot be read:", staging=staging)


def test_the_same_ods_without_a_document_type_imports(client, tree, tmp_path):
    path = write_ods(tmp_path / "targets.ods", TABLES["targets"], percent={(1, 3)})
    response = upload(admin(client), path, "targets")
    assert response.status_code == 200 and 'id="count-created">2<' in response.content.decode()


def test_messages_about_a_csv_name_the_users_file_not_the_staged_one(client, tree, tmp_path, staging):
    path = tmp_path / "x.csv"
    path.write_bytes("Mã đơn vị;Năm\nĐông;2024\n".encode("cp1258", errors="replace"))
    response = upload(admin(client), path, "targets", name="báo cáo tháng.csv")
    assert_refused(response, "báo cáo tháng.csv is not UTF-8 text", staging=staging)


def test_messages_about_a_damaged_xlsx_for_targets_name_the_users_file(client, tree, tmp_path, staging):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("nothing.txt", "here")
    response = upload(admin(client), path, "targets", name="chỉ tiêu 2024.xlsx")
    assert_refused(response, "chỉ tiêu 2024.xlsx cannot be read", staging=staging)


# --- formulas without a saved result ----------------------------------------------------------------


def filings_with_formulas(tmp_path):
    """A filings sheet as a script writes it (openpyxl): the desk receipts are formulas, not values."""
    rows = [
        ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
        ["88101", "1.001193", "07/2024", 5, "=D2*2"],
        ["88102", "1.001193", "07/2024", 1, "=SUM(D2:D3)"],
    ]
    return write_xlsx(tmp_path / "filings.xlsx", rows)


def test_formula_cells_without_a_saved_result_are_refused(client, offered, tmp_path, staging):
    response = upload(admin(client), filings_with_formulas(tmp_path), "filings", name="số liệu.xlsx")
    assert_refused(
        response,
        "số liệu.xlsx: 2 formula cells have no saved result (Sheet1!E2, Sheet1!E3), which would read as 0",
        "open the file in Excel or LibreOffice, save it and import it again",
        staging=staging,
    )
    assert not MonthlyFiling.objects.exists()


def test_formula_cells_with_their_saved_results_import_as_those_results(client, offered, tmp_path):
    # What Excel writes: the formula and, beside it, its result.
    path = rewrite_member(
        filings_with_formulas(tmp_path),
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(b"<f>D2*2</f><v />", b"<f>D2*2</f><v>10</v>").replace(
            b"<f>SUM(D2:D3)</f><v />", b"<f>SUM(D2:D3)</f><v>6</v>"
        ),
    )
    response = upload(admin(client), path, "filings")
    assert response.status_code == 200, response.content.decode()[:2000]
    admin_client = client
    admin_client.post(reverse("imports:confirm", args=[ImportRecord.objects.get().pk]))
    assert sorted(MonthlyFiling.objects.values_list("unit__code", "received_direct")) == [
        ("88101", 10),
        ("88102", 6),
    ]


def test_ods_formula_cells_without_a_value_are_refused(client, offered, tmp_path, staging):
    path = write_ods(
        tmp_path / "filings.ods",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
            ["88101", "1.001193", "07/2024", 5, 7],
        ],
    )
    path = rewrite_member(
        path,
        "content.xml",
        lambda data: data.replace(
            b'office:value-type="float" office:value="7"><text:p>7</text:p>', b'table:formula="of:=[.D2]*2">'
        ),
    )
    response = upload(admin(client), path, "filings", name="số liệu.ods")
    assert_refused(response, "số liệu.ods: 1 formula cell has no saved result", "!E2)", staging=staging)


# --- one staged file per preview ----------------------------------------------------------------------


def test_a_refused_preview_of_the_same_bytes_leaves_anothers_preview_intact(client, django_user_model, tree, tmp_path):
    from django.test import Client

    path = write_csv(tmp_path / "targets.csv", TABLES["targets"], delimiter=";")
    first = admin(client, "admin1")
    assert upload(first, path, "targets").status_code == 200
    preview = ImportRecord.objects.get()

    # Another admin previews the very same bytes as another kind: refused, and their copy is removed ...
    second = admin(Client(), "admin2")
    assert upload(second, path, "units").status_code == 422
    # ... while the first admin's preview still confirms.
    response = first.post(reverse("imports:confirm", args=[preview.pk]))
    assert response.status_code == 302
    assert Target.objects.count() == 2


def test_two_previews_of_the_same_bytes_each_confirm_once(client, tree, tmp_path, staging):
    from django.test import Client

    path = write_csv(tmp_path / "targets.csv", TABLES["targets"], delimiter=";")
    first, second = admin(client, "admin1"), admin(Client(), "admin2")
    upload(first, path, "targets")
    upload(second, path, "targets")
    one, two = ImportRecord.objects.order_by("pk")
    assert len(list(staging.iterdir())) == 2
    assert first.post(reverse("imports:confirm", args=[one.pk])).status_code == 302
    assert second.post(reverse("imports:confirm", args=[two.pk])).status_code == 302  # unchanged rows, no 410
    assert first.post(reverse("imports:confirm", args=[one.pk])).status_code == 410
    assert list(staging.iterdir()) == []
