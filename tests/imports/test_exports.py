"""Exports to .xlsx: filings in the import's layout (round trip), KPI tables and rankings from the
selectors, number formats, frozen header, scope, and no formula ever runs from exported text."""

import io

import openpyxl
import pytest
from django.urls import reverse

from core import xlsx
from filings.models import MonthlyFiling
from tests.factories import FilingFactory, ProcedureFactory, TargetFactory, UnitFactory, UserFactory
from tests.imports.conftest import run_cli
from units.models import UnitKind

pytestmark = pytest.mark.django_db


def sheet_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == xlsx.XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def values(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def district():
    district = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT)
    a = UnitFactory(code="A", name='=HYPERLINK("http://x")', parent=district)
    b = UnitFactory(code="B", name="Phường B", parent=district)
    UnitFactory(code="OTHER", name="Tỉnh khác", kind=UnitKind.PROVINCE)
    procedure = ProcedureFactory(code="1.001193")
    FilingFactory(unit=a, procedure=procedure, year=2024, month=7, received_online=1234, received_direct=766)
    FilingFactory(unit=b, procedure=procedure, year=2024, month=7, received_online=1, received_direct=3)
    TargetFactory(unit=a, year=2024, kpi="online_rate", target=60)
    return district


def test_text_that_starts_a_formula_is_escaped():
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title="t",
        titles=["=1+1"],
        columns=[xlsx.Col("h"), xlsx.Col("n", xlsx.COUNT)],
        rows=[[v, 1] for v in ("=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx", "ok", "a=b")],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.to_bytes(workbook))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=4)]
    # (XML turns the carriage return into a line feed; what matters is the apostrophe before it.)
    assert [c.value for c in cells] == ["'=SUM(A1)", "'+1", "'-2", "'@cmd", "'\tx", "'\nx", "ok", "a=b"]
    assert all(c.data_type == "s" for c in cells)
    assert sheet["A1"].value == "'=1+1"


def test_filings_export_round_trips_through_the_import(client, district, tmp_path):
    client.force_login(UserFactory(role="leader", units=[district]))
    sheet = sheet_of(client.get(reverse("filings:export"), {"unit": "D", "period": "2024"}))
    rows = values(sheet)
    assert rows[3][:6] == [
        "Mã đơn vị",
        "Tên đơn vị",
        "Mã TTHC",
        "Kỳ báo cáo",
        "Kỳ trước chuyển qua",
        "Tiếp nhận trực tuyến",
    ]
    assert rows[4][:6] == ["A", '\'=HYPERLINK("http://x")', "1.001193", "07/2024", 0, 1234]
    assert sheet["F5"].number_format == "#,##0"
    assert sheet.freeze_panes == "A5"
    path = tmp_path / "export.xlsx"
    path.write_bytes(client.get(reverse("filings:export"), {"period": "2024-07"}).content)
    status, out, err = run_cli("filings", path)
    assert status == 0
    assert out.strip().splitlines()[-1].startswith("created 0, updated 0, unchanged 2, errors 0")


def test_filings_export_only_holds_the_users_scope(client, district):
    other = UnitFactory(code="X1", parent=UnitFactory(code="X"))
    FilingFactory(unit=other, year=2024, month=7, received_online=5)
    client.force_login(UserFactory(role="clerk", units=[district]))
    rows = values(sheet_of(client.get(reverse("filings:export"), {"period": "2024"})))
    assert sorted(r[0] for r in rows[4:] if r[0]) == ["A", "B"]
    assert client.get(reverse("filings:export"), {"unit": "X", "period": "2024"}).status_code == 404
    assert client.get(reverse("filings:export"), {"period": "2024-13"}).status_code == 400
    assert MonthlyFiling.objects.count() == 3


def test_kpi_table_export(client, district):
    client.force_login(UserFactory(role="leader", units=[district]))
    sheet = sheet_of(client.get(reverse("reports:export_kpis"), {"unit": "D", "period": "2024-07"}))
    rows = values(sheet)
    assert rows[4][2] == "Tỷ lệ hồ sơ trực tuyến"  # in the language of the page, under the title rows
    col = 2
    by_code = {r[0]: r for r in rows[5:] if r[1]}  # (the note below the table has no second cell)
    assert set(by_code) == {"D", "A", "B"}
    assert by_code["D"][col] == pytest.approx(0.6163)  # 1235 / 2004 = 61,63% as Excel stores it
    assert sheet.cell(row=6, column=col + 1).number_format == "0.00%"
    assert client.get(reverse("reports:export_kpis"), {"unit": "OTHER", "period": "2024"}).status_code == 404
    assert client.get(reverse("reports:export_kpis"), {"unit": "D", "period": "2024-13"}).status_code == 400
    # Without a period, the current year so far, as on every page.
    assert client.get(reverse("reports:export_kpis"), {"unit": "D"}).status_code == 200


def test_ranking_export(client, district):
    client.force_login(UserFactory(role="leader", units=[district]))
    sheet = sheet_of(
        client.get(reverse("reports:export_ranking"), {"parent": "D", "period": "2024", "kpi": "online_rate"})
    )
    rows = [r for r in values(sheet)[5:] if r[0] is not None]
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [(1, "A", 1234, 2000), (2, "B", 1, 4)]
    assert rows[0][5] == pytest.approx(0.617) and rows[0][6] == pytest.approx(0.6) and rows[0][7] == pytest.approx(1.7)
    assert (
        client.get(
            reverse("reports:export_ranking"), {"parent": "OTHER", "period": "2024", "kpi": "online_rate"}
        ).status_code
        == 404
    )
    assert client.get(reverse("reports:export_ranking"), {"period": "2024", "kpi": "speed"}).status_code == 400
    top = values(sheet_of(client.get(reverse("reports:export_ranking"), {"period": "2024", "kpi": "online_rate"})))
    assert [r[1] for r in top[5:] if r[0] is not None or r[1]] == ["D"]  # the top of the leader's scope only


def test_exports_need_a_login(client):
    assert client.get(reverse("filings:export")).status_code == 302
    assert client.get(reverse("reports:export_kpis"), {"period": "2024"}).status_code == 302
