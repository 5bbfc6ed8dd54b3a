"""Report form 06 in its official layout (filings.form06): the sheet an office files, cell for cell; one
unit-month's figures in it, per field or per procedure summed per field; scope; the link on the history page,
and the history of figures per field."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from core import xlsx
from core.periods import Month
from filings.form06 import Form06Row, field_heading, form06_workbook
from filings.services import Source, field_filings_upsert, filings_upsert
from procedures.models import Field
from tests.factories import FieldFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "sample_form06_by_field.xlsx"


def reopened(workbook):
    return openpyxl.load_workbook(io.BytesIO(xlsx.to_bytes(workbook))).active


def values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def sample_rows(sheet):
    """The sample's field rows as Form06Rows (its columns 4 to 13 are the counts, the desk and the post
    together)."""
    rows = []
    for cells in sheet.iter_rows(min_row=11, max_row=14, values_only=True):
        online, desk, carried, _resolved, early, on_time, late, _pending, within, overdue = cells[3:]
        counts = {
            "carried_over": carried,
            "received_online": online,
            "received_direct": desk,
            "resolved_early": early,
            "resolved_on_time": on_time,
            "resolved_late": late,
            "pending_on_time": within,
            "pending_overdue": overdue,
        }
        rows.append(Form06Row(cells[1], counts))
    return rows


def test_the_layout_is_the_official_one_cell_for_cell():
    sample = openpyxl.load_workbook(SAMPLE).active
    sheet = reopened(
        form06_workbook(
            unit_name="UBND phường Mẫu Một",
            recipient="UBND thị xã Mẫu",
            month=Month(2024, 8),
            rows=sample_rows(sample),
            group="Cấp xã",
        )
    )
    assert values(sheet) == values(sample)
    assert sorted(map(str, sheet.merged_cells.ranges)) == sorted(map(str, sample.merged_cells.ranges))
    # The totals are numbers, never formulas; counts formatted, headings bold with borders.
    assert sheet["C11"].value == 112 and sheet["C11"].data_type == "n" and sheet["C11"].number_format == "#,##0"
    assert sheet["C15"].value == 352 and sheet["C15"].font.b
    assert sheet["A6"].font.b and sheet["A6"].border.left.style == "thin"
    assert sheet.column_dimensions["B"].width == 34


def test_text_is_escaped_and_blank_lines_are_left_to_write_on():
    sheet = reopened(form06_workbook(rows=[Form06Row("=HYPERLINK(1)", {"received_online": 2, "received_postal": 1})]))
    assert sheet["A2"].value.startswith("Đơn vị báo cáo: …")
    assert sheet["C4"].value.startswith("Kỳ báo cáo: tháng …")
    assert sheet["A10"].value == "1" and sheet["B10"].value == "'=HYPERLINK(1)"  # no group row
    assert [sheet.cell(10, col).value for col in range(3, 6)] == [3, 2, 1]  # total, online, desk and post
    assert sheet["B11"].value == "Tổng cộng"
    assert field_heading("Hộ  tịch") == "Lĩnh vực Hộ tịch" and field_heading("Lĩnh vực Đất đai") == "Lĩnh vực Đất đai"


@pytest.fixture
def ward():
    town = UnitFactory(code="881", name="UBND thị xã Mẫu", kind=UnitKind.DISTRICT)
    ward = UnitFactory(code="88101", name="UBND phường Mẫu Một", parent=town)
    UnitFactory(code="99", name="Tỉnh khác", kind=UnitKind.PROVINCE)
    return ward


def field_row(unit, field, **counts):
    return {"unit_id": unit.pk, "field_id": field.pk, "year": 2024, "month": 8, **counts}


def download(client, code, year=2024, month=8):
    response = client.get(reverse("filings:form06", kwargs={"code": code, "year": year, "month": month}))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == xlsx.XLSX_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="bieu_06_{code}_{year}-{month:02d}.xlsx"'
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_a_unit_month_per_field_in_the_form(client, ward):
    copies = Field.objects.create(code="G09.CT", name="Chứng thực")
    civil = FieldFactory()  # G09.HT, Hộ tịch
    field_filings_upsert(
        [
            field_row(ward, copies, received_online=5, received_direct=210, received_postal=2, resolved_early=217),
            field_row(ward, civil, carried_over=3, received_online=48, received_direct=61, resolved_on_time=110),
        ],
        source=Source.IMPORT,
    )
    client.force_login(UserFactory(role="clerk", units=[ward]))
    sheet = download(client, "88101")
    rows = values(sheet)
    assert rows[1][0] == "Đơn vị báo cáo: UBND phường Mẫu Một"
    assert rows[2][0] == "Đơn vị nhận báo cáo: UBND thị xã Mẫu"
    assert rows[3][2] == "Kỳ báo cáo: tháng 8/2024 (từ ngày 01/8/2024 đến ngày 31/8/2024)"
    assert rows[9][:2] == ["I", "Cấp xã"]
    # Fields by code: G09.CT before G09.HT.
    assert rows[10] == ["1", "Lĩnh vực Chứng thực", 217, 5, 212, 0, 217, 217, 0, 0, 0, 0, 0]
    assert rows[11] == ["2", "Lĩnh vực Hộ tịch", 112, 48, 61, 3, 110, 0, 110, 0, 0, 0, 0]
    assert rows[12] == [None, "Tổng cộng", 329, 53, 273, 3, 327, 217, 110, 0, 0, 0, 0]


def test_a_unit_month_per_procedure_summed_per_field(client, ward):
    civil = FieldFactory()
    birth = ProcedureFactory(code="1.001193", field=civil)
    death = ProcedureFactory(code="1.000656", field=civil)
    loose = ProcedureFactory(code="9.000001", field=None)
    elsewhere = UnitFactory(code="88102", parent=ward.parent)
    filings_upsert(
        [
            {"unit_id": ward.pk, "procedure_id": birth.pk, "year": 2024, "month": 8, "received_online": 4},
            {"unit_id": ward.pk, "procedure_id": death.pk, "year": 2024, "month": 8, "received_online": 1},
            {"unit_id": ward.pk, "procedure_id": loose.pk, "year": 2024, "month": 8, "received_direct": 2},
            {"unit_id": ward.pk, "procedure_id": birth.pk, "year": 2024, "month": 7, "received_online": 100},
            {"unit_id": elsewhere.pk, "procedure_id": birth.pk, "year": 2024, "month": 8, "received_online": 100},
        ],
        source=Source.IMPORT,
    )
    client.force_login(UserFactory(role="leader", units=[ward.parent]))
    rows = values(download(client, "88101"))
    assert rows[10][:5] == ["1", "Lĩnh vực Hộ tịch", 5, 5, 0]
    assert rows[11][:5] == ["2", "Chưa phân lĩnh vực", 2, 0, 2]
    assert rows[12][:5] == [None, "Tổng cộng", 7, 5, 2]
    # A month without figures: the form with its totals row only.
    empty = values(download(client, "88101", 2024, 6))
    assert empty[10][:3] == [None, "Tổng cộng", 0] and len(empty) == 11


def test_the_form_of_a_unit_outside_the_scope_or_a_bad_month_is_404(client, ward):
    client.force_login(UserFactory(role="clerk", units=[ward]))
    url = reverse("filings:form06", kwargs={"code": "99", "year": 2024, "month": 8})
    assert client.get(url).status_code == 404
    assert client.get(reverse("filings:form06", kwargs={"code": "88101", "year": 2024, "month": 13})).status_code == 404
    client.logout()
    assert client.get(reverse("filings:form06", kwargs={"code": "88101", "year": 2024, "month": 8})).status_code == 302


def test_the_history_page_shows_figures_per_field_and_links_the_form(client, ward):
    civil = FieldFactory()
    clerk = UserFactory(role="clerk", units=[ward])
    field_filings_upsert([field_row(ward, civil, received_online=48)], source=Source.IMPORT, note="bieu-06.xlsx")
    field_filings_upsert([field_row(ward, civil, received_online=50)], source=Source.FORM)  # (past the deadline)
    client.force_login(clerk)
    response = client.get(reverse("filings:history", kwargs={"code": "88101", "year": 2024, "month": 8}))
    assert response.status_code == 200
    history = response.context["entries"]
    assert [(entry.source, [(c.subject, c.old, c.new) for c in entry.changes]) for entry in history[:1]] == [
        ("form", [("Hộ tịch", 48, 50)])
    ]
    figures = [entry for entry in history if entry.kind == "figures"]
    assert [entry.source for entry in figures] == ["form", "import: bieu-06.xlsx"]
    assert [(c.subject, c.old, c.new) for c in figures[1].changes] == [("Hộ tịch", None, 48)]
    html = response.content.decode()
    assert "Hộ tịch" in html and "bieu-06.xlsx" in html
    assert 'id="form06-link"' in html and reverse("filings:form06", args=["88101", 2024, 8]) in html
