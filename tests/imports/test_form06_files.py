"""Files of figures per field that the portal hands out and takes back: the blank file of `field_filings` is
report form 06 in its official layout and imports back with --unit; the export's sheet of figures per field
is in the import's layout of `field_filings`."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from core.periods import Month
from filings.models import FieldFiling
from filings.services import Source, field_filings_upsert
from procedures.models import Field
from tests.factories import FieldFactory, UnitFactory, UserFactory
from tests.imports.conftest import run_cli, summary
from units.models import UnitKind

pytestmark = pytest.mark.django_db


def test_the_form_06_template_imports_back_with_the_unit(admin_client, tree, tmp_path):
    civil = FieldFactory()  # Hộ tịch
    FieldFactory(code="G09.CT", name="Chứng thực")
    FieldFactory(code="G09.DD", name="Đất đai")
    response = admin_client.get(reverse("imports:template", args=["field_filings"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "mau_bieu_06.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Biểu số II.06a/VPCP/KSTT"
    assert sheet["A2"].value.startswith("Đơn vị báo cáo: …")  # to write in
    assert [sheet["B6"].value, sheet["C6"].value, sheet["D8"].value] == [
        "Lĩnh vực, công việc giải quyết theo cấp",
        "Tiếp nhận",
        "Trực tuyến",
    ]
    assert [sheet["A10"].value, sheet["B10"].value, sheet["B11"].value] == ["I", "Cấp xã", "Lĩnh vực Hộ tịch"]

    status, out, err = run_cli("field_filings", path, "--unit", "88101")
    assert (status, summary(out), err) == (0, "created 3, updated 0, unchanged 0, errors 0", "")
    last_month = Month.of(timezone.localdate()).shift(-1)
    stored = FieldFiling.objects.get(field=civil)
    assert (stored.unit.code, stored.year, stored.month) == ("88101", last_month.year, last_month.month)
    assert (stored.carried_over, stored.received_online, stored.received_direct, stored.received_postal) == (
        3,
        48,
        61,
        0,
    )
    assert (stored.resolved_early, stored.resolved_on_time, stored.resolved_late) == (37, 72, 1)
    assert (stored.pending_on_time, stored.pending_overdue) == (2, 0)
    assert sorted(FieldFiling.objects.values_list("field__code", "received_direct")) == [
        ("G09.CT", 212),
        ("G09.DD", 7),
        ("G09.HT", 61),
    ]


def test_other_templates_keep_the_generic_layout(admin_client, tree):
    response = admin_client.get(reverse("imports:template", args=["filings"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [sheet["A4"].value, sheet["B4"].value] == ["Mã đơn vị", "Mã TTHC *"]


def test_the_export_lists_figures_per_field_in_the_import_layout(client, tree, tmp_path):
    """The export has a sheet per procedure and a sheet per field; imported back as `field_filings`, the
    whole file is read from its sheet per field (the first whose header has every required column)."""
    civil = FieldFactory()
    copies = Field.objects.create(code="G09.CT", name="Chứng thực")
    ward, other = tree["88101"], tree["88102"]
    month = {"year": 2024, "month": 8}
    field_filings_upsert(
        [
            {
                "unit_id": ward.pk,
                "field_id": civil.pk,
                **month,
                "carried_over": 3,
                "received_online": 48,
                "resolved_early": 51,
            },
            {"unit_id": ward.pk, "field_id": copies.pk, **month, "received_direct": 212, "resolved_on_time": 212},
            {
                "unit_id": other.pk,
                "field_id": civil.pk,
                "year": 2024,
                "month": 7,
                "received_online": 9,
                "pending_on_time": 9,
            },
        ],
        source=Source.IMPORT,
    )
    outside = UnitFactory(code="889", name="Huyện ngoài", kind=UnitKind.DISTRICT, parent=tree["88"])
    field_filings_upsert(
        [{"unit_id": outside.pk, "field_id": civil.pk, "year": 2024, "month": 8, "received_online": 1}],
        source=Source.IMPORT,
    )
    client.force_login(UserFactory(role="leader", units=[tree["881"]]))
    response = client.get(reverse("filings:export"), {"unit": "881", "period": "2024"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 2
    sheet = workbook.worksheets[1]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[3][:7] == [
        "Mã đơn vị",
        "Tên đơn vị",
        "Lĩnh vực",
        "Tên lĩnh vực",
        "Kỳ báo cáo",
        "Kỳ trước chuyển qua",
        "Tiếp nhận trực tuyến",
    ]
    data = [row for row in rows[4:] if row[0]]
    assert [row[:7] for row in data] == [
        ["88101", ward.name, "G09.CT", "Chứng thực", "08/2024", 0, 0],
        ["88101", ward.name, "G09.HT", "Hộ tịch", "08/2024", 3, 48],
        ["88102", other.name, "G09.HT", "Hộ tịch", "07/2024", 0, 9],
    ]  # the unit outside the leader's scope left out
    assert sheet["G6"].number_format == "#,##0" and sheet.freeze_panes == "A5"

    path = tmp_path / "so_lieu.xlsx"
    path.write_bytes(response.content)
    status, out, err = run_cli("field_filings", path)
    assert (status, summary(out), err) == (0, "created 0, updated 0, unchanged 3, errors 0", "")
    FieldFiling.objects.filter(unit=ward, field=civil).update(received_online=0)
    status, out, err = run_cli("field_filings", path)
    assert (status, summary(out)) == (0, "created 0, updated 1, unchanged 2, errors 0"), err
    assert FieldFiling.objects.get(unit=ward, field=civil).received_online == 48
