"""The .xlsx of the unit page and of the procedure page: every table of the page, a sheet each, with the
figures the page shows; scope and bad parameters."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client, town):
    client.force_login(UserFactory(username="lanhdao", role=Role.LEADER, units=[town]))
    return client


def sheets(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def table(rows, first_header):
    """The rows below the header row that starts with `first_header`, up to the first empty row."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    body = []
    for row in rows[start + 1 :]:
        if not any(cell is not None for cell in row):
            break
        body.append(row)
    return body


def test_the_unit_page_links_a_workbook_of_all_its_tables(leader, town):
    page = leader.get(reverse("reports:unit", args=["T"]), {"period": "2019-06..2019-07", "kpi": "online_rate"})
    export = page.context["export_url"]
    assert export.startswith(reverse("reports:export_unit", args=["T"]))
    with_names = sheets(leader.get(export))
    with translation.override("vi"):
        index_sheet = gettext("Decision 766")  # the Decision 766 KPIs, apart from form 06's
    assert list(with_names) == [
        "Chỉ số",
        index_sheet,
        "Xếp hạng",
        "Theo từng tháng",
        "Thủ tục theo số hồ sơ",
        "Ưu tiên đưa lên trực tuyến",
        "Lĩnh vực theo số hồ sơ",
    ]
    months = table(with_names["Theo từng tháng"], "Tháng")
    # June: 50+9+1+0 = 60 online of 100+10+10+0 = 120 new; July: 20+1+9+8 = 38 of 100+10+10+10 = 130.
    assert [row[:4] for row in months] == [["06/2019", 60, 120, 0.5], ["07/2019", 38, 130, pytest.approx(0.2923)]]
    ranked = table(with_names["Xếp hạng"], "Hạng")
    assert [row[:3] for row in ranked] == [
        [1, "X3", "Xã Ba"],  # 8 / 10
        [2, "X1", "Xã Một"],  # 10 / 20: a tie shares the rank
        [2, "X2", "Xã Hai"],
        [4, "T.TTHCC", "Trung tâm HCC"],
        [None, None, "Các đơn vị này gộp lại (tổng chia tổng)"],
    ]
    procedures = table(with_names["Thủ tục theo số hồ sơ"], "Mã")
    assert procedures == [["1.001193", "Đăng ký khai sinh", 250, 98, 152, 0.392, None]]


def test_the_procedure_page_links_its_months_and_units(leader, town):
    page = leader.get(reverse("reports:procedure", args=["T", "1.001193"]), {"period": "2019-07"})
    export = page.context["export_url"]
    assert export.startswith(reverse("reports:export_procedure", args=["T", "1.001193"]))
    book = sheets(leader.get(export))
    assert list(book) == ["Theo từng tháng", "Theo đơn vị"]
    assert table(book["Theo từng tháng"], "Tháng") == [
        ["07/2019", 130, 38, pytest.approx(38 / 130, abs=1e-4), 0, 0, None]
    ]
    by_unit = table(book["Theo đơn vị"], "Mã")
    assert [row[:4] for row in by_unit] == [
        ["T.TTHCC", "Trung tâm HCC", 100, 20],
        ["X1", "Xã Một", 10, 1],
        ["X2", "Xã Hai", 10, 9],
        ["X3", "Xã Ba", 10, 8],
    ]


def test_bad_parameters_name_the_parameter(leader, town):
    response = leader.get(reverse("reports:export_unit", args=["T"]), {"period": "2019-13"})
    assert response.status_code == 400 and "period" in response.content.decode()
    response = leader.get(reverse("reports:export_unit", args=["T"]), {"period": "2019", "kpi": "speed"})
    assert response.status_code == 400 and "speed" in response.content.decode()
    response = leader.get(reverse("reports:export_procedure", args=["T", "9.999"]), {"period": "2019"})
    assert response.status_code == 404


def test_a_unit_outside_the_scope_is_not_exported(client, town):
    from tests.factories import UnitFactory

    elsewhere = UnitFactory(code="Z")
    client.force_login(UserFactory(username="other", role=Role.LEADER, units=[elsewhere]))
    assert client.get(reverse("reports:export_unit", args=["T"]), {"period": "2019"}).status_code == 404
    assert (
        client.get(reverse("reports:export_procedure", args=["T", "1.001193"]), {"period": "2019"}).status_code == 404
    )
