"""import_data filings / field_filings with the optional Decision 766 columns of CONTRACT.md, by key or
Vietnamese label: a column absent leaves the count as stored (not reported, None, for a new row); an empty
cell of a present column is 0; a bad cell is an error naming its row and column; a count more than what
it counts a part of is a warning; the preview shows them; the blank template lists them as optional."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from filings.importers import SCORE_LABELS
from filings.models import SCORE_FIELDS, FieldFiling, MonthlyFiling
from filings.services import Source, filings_upsert
from imports.runner import run_import
from procedures.models import Field, Procedure
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.imports.conftest import run_cli, summary
from tests.imports.files import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp", "Đúng hạn"]
LABELS = [SCORE_LABELS[name][0] for name in SCORE_FIELDS]


def scores(unit="88101", procedure="1.001193"):
    row = MonthlyFiling.objects.get(unit__code=unit, procedure__code=procedure, year=2024, month=7)
    return [getattr(row, name) for name in SCORE_FIELDS]


def assert_totals_are_a_rebuild():
    columns = [f.name for f in UnitMonthTotal._meta.fields if f.name != "id"]
    before = sorted(UnitMonthTotal.objects.values_list(*columns))
    totals_rebuild()
    assert sorted(UnitMonthTotal.objects.values_list(*columns)) == before


def test_the_labels_of_the_contract_and_the_keys_are_recognised(offered, tmp_path):
    assert LABELS == [
        "Đồng bộ Cổng DVCQG",
        "Phải nộp phí, lệ phí",
        "Thanh toán trực tuyến",
        "Số hóa hồ sơ",
        "Kết quả điện tử",
        "Lượt đánh giá",
        "Đánh giá hài lòng",
    ]
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tiếp", "Giải quyết đúng hạn", *LABELS],
            ["88101", "1.001193", "07/2024", 10, 9, 10, 4, 2, 8, 7, 5, 5],
        ],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out), err) == (0, "created 1, updated 0, unchanged 0, errors 0", "")
    assert scores() == [10, 4, 2, 8, 7, 5, 5]
    # By their keys (a CSV), in another order and case.
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["unit_code", "procedure_code", "period", "RATINGS_SATISFIED", "ratings", "synced"],
            ["88101", "1.001193", "2024-07", "3", "4", "9"],
        ],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out), err) == (0, "created 0, updated 1, unchanged 0, errors 0", "")
    assert scores() == [9, 4, 2, 8, 7, 4, 3]
    assert_totals_are_a_rebuild()


def test_an_absent_column_keeps_the_stored_count_and_a_new_row_has_it_not_reported(offered, tmp_path):
    filings_upsert(
        [
            {
                "unit_id": offered["88101"].pk,
                "procedure_id": Procedure.objects.get(code="1.001193").pk,
                "year": 2024,
                "month": 7,
                "received_direct": 10,
                "synced": 9,
                "ratings": 2,
            }
        ],
        fields=["received_direct", "synced", "ratings"],
        source=Source.IMPORT,
    )
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            [*HEADER, "Đồng bộ Cổng DVCQG"],
            ["88101", "1.001193", "07/2024", 0, 12, 12, 12],  # synced 9 -> 12; ratings absent: stays 2
            ["88102", "1.001193", "07/2024", 0, 5, 5, 5],  # new: the absent counts not reported
        ],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out), err) == (0, "created 1, updated 1, unchanged 0, errors 0", "")
    assert scores() == [12, None, None, None, None, 2, None]
    assert scores(unit="88102") == [5, None, None, None, None, None, None]
    # A file without any of them changes none of them.
    path = write_xlsx(tmp_path / "g.xlsx", [HEADER, ["88101", "1.001193", "07/2024", 1, 12, 13]])
    assert summary(run_cli("filings", path)[1]) == "created 0, updated 1, unchanged 0, errors 0"
    assert scores() == [12, None, None, None, None, 2, None]
    assert_totals_are_a_rebuild()


def test_an_empty_cell_of_a_present_column_is_zero(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [[*HEADER, "Lượt đánh giá", "Đánh giá hài lòng"], ["88101", "1.001193", "07/2024", 2, 3, 5, None, ""]],
    )
    status, out, err = run_cli("filings", path)
    assert (status, err) == (0, "")
    assert scores() == [None, None, None, None, None, 0, 0]
    assert UnitMonthTotal.objects.get(unit=offered["88101"]).ratings == 0  # reported: zero ratings


def test_a_bad_value_is_an_error_naming_its_row_and_column_and_nothing_is_written(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            [*HEADER, "Thanh toán trực tuyến", "Số hóa hồ sơ", "Kết quả điện tử"],
            ["88101", "1.001193", "07/2024", 2, 3, 5, 1, 2, 3],
            ["88102", "1.001193", "07/2024", 2, 3, 5, "-1", 2.5, "ba"],
            ["88103", "1.001193", "07/2024", 2, 3, 5, 10_000_001, 0, 0],
        ],
    )
    with translation.override("en"):
        status, out, err = run_cli("filings", path)
    assert status == 1 and summary(out).startswith("created 0, updated 0, unchanged 0, errors 4")
    assert err.strip().splitlines() == [
        "row 3, column Thanh toán trực tuyến: -1 is negative; counts cannot be below 0",
        "row 3, column Số hóa hồ sơ: 2.5 is not a whole number",
        "row 3, column Kết quả điện tử: 'ba' is not a whole number",
        "row 4, column Thanh toán trực tuyến: 10.000.001 is more than 10.000.000, the most one unit can receive "
        "for one procedure in a month; check for a typing error",
    ]
    assert not MonthlyFiling.objects.exists()


def test_a_count_more_than_what_it_counts_a_part_of_is_a_warning_naming_row_and_column(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            [
                *HEADER,
                "Tiếp nhận qua BCCI",
                "Phải nộp phí, lệ phí",
                "Thanh toán trực tuyến",
                "Đồng bộ Cổng DVCQG",
                "Kết quả điện tử",
            ],
            ["88101", "1.001193", "07/2024", 2, 3, 5, 0, 4, 5, 6, 0],  # paid 5 > fee 4; synced 6 > received 5
            # Results issued electronically against resolved: the file lacks the early and late columns.
            ["88102", "1.001193", "07/2024", 2, 3, 5, 0, 4, 4, 5, 50],
        ],
    )
    with translation.override("en"):
        status, out, err = run_cli("filings", path)
    assert (status, summary(out)) == (0, "created 2, updated 0, unchanged 0, errors 0, warnings 2")
    assert err.strip().splitlines() == [
        "row 2, column Đồng bộ Cổng DVCQG: warning: 6 synchronised to the national portal, more than the 5 received",
        "row 2, column Thanh toán trực tuyến: warning: 5 fees paid online, more than the 4 filings with a fee",
    ]
    assert scores()[:3] == [6, 4, 5]


def test_field_filings_take_them_too(tree, tmp_path):
    Field.objects.create(code="G09.CT", name="Chứng thực")
    path = write_xlsx(
        tmp_path / "mau06.xlsx",
        [
            ["Kỳ báo cáo: tháng 8/2024"],
            ["Lĩnh vực", "Tiếp nhận trực tuyến", "Trực tiếp", "Số hóa hồ sơ", "Lượt đánh giá", "Đánh giá hài lòng"],
            ["Hộ tịch", 48, 61, 100, 20, 19],
            ["Chứng thực", 5, 212, "", 0, 0],
        ],
    )
    status, out, err = run_cli("field_filings", path, "--unit", "88101")
    assert (status, summary(out), err) == (0, "created 2, updated 0, unchanged 0, errors 0", "")
    rows = dict(FieldFiling.objects.values_list("field__code", "digitised"))
    assert rows == {"G09.HT": 100, "G09.CT": 0}
    assert FieldFiling.objects.filter(synced__isnull=True).count() == 2
    total = UnitMonthTotal.objects.get(unit=tree["88101"])
    assert (total.digitised, total.digitised_base, total.ratings_satisfied, total.ratings) == (100, 326, 19, 20)
    assert_totals_are_a_rebuild()


def test_the_preview_shows_them(tree, tmp_path):
    filings_upsert(
        [
            {
                "unit_id": tree["88101"].pk,
                "procedure_id": Procedure.objects.get(code="1.001193").pk,
                "year": 2024,
                "month": 7,
                "received_direct": 5,
            }
        ],
        source=Source.IMPORT,
    )
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tiếp", "Đồng bộ Cổng DVCQG"],
            ["88101", "1.001193", "07/2024", 5, 4],  # synced: not reported -> 4
            ["88102", "1.001193", "07/2024", 3, ""],  # new, synced 0
        ],
    )
    with translation.override("vi"):
        report = run_import("filings", path, dry_run=True, preview_changes=10)
    changes = [(c.row, c.created, c.values) for c in report.changes]
    assert changes == [
        (2, False, (("Đồng bộ Cổng DVCQG", "—", "4"),)),
        (3, True, (("Tiếp nhận trực tiếp", "", "3"), ("Đồng bộ Cổng DVCQG", "", "0"))),
    ]
    assert MonthlyFiling.objects.get().synced is None  # a dry run


def test_the_blank_template_lists_them_as_optional_columns(admin_client):
    response = admin_client.get(reverse("imports:template", args=["filings"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[4]]
    assert headers[-7:] == LABELS  # no "*": optional
    assert "Đồng bộ Cổng DVCQG" in sheet["A2"].value  # the note: delete those not reported
    example = dict(zip(headers, [c.value for c in sheet[5]]))
    assert example["Thanh toán trực tuyến"] <= example["Phải nộp phí, lệ phí"]


def test_the_export_imports_back_unchanged_when_every_row_reports_them(client, offered, tmp_path):
    from tests.factories import UserFactory

    procedure = Procedure.objects.get(code="1.001193")
    filings_upsert(
        [
            {
                "unit_id": offered[code].pk,
                "procedure_id": procedure.pk,
                "year": 2024,
                "month": 7,
                "received_direct": 10,
                "resolved_on_time": 10,
                "synced": 9,
                "ratings": 0,
                "ratings_satisfied": 0,
            }
            for code in ("88101", "88102")
        ],
        fields=["received_direct", "resolved_on_time", "synced", "ratings", "ratings_satisfied"],
        source=Source.IMPORT,
    )
    client.force_login(UserFactory(role="leader", units=[offered["881"]]))
    path = tmp_path / "export.xlsx"
    path.write_bytes(client.get(reverse("filings:export"), {"unit": "881", "period": "2024-07"}).content)
    status, out, err = run_cli("filings", path)
    assert (status, summary(out)) == (0, "created 0, updated 0, unchanged 2, errors 0")
    assert scores() == [9, None, None, None, None, 0, 0]
