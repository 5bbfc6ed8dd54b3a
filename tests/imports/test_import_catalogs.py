"""import_data units, procedures, offerings and targets: samples and fixtures in every format, the tree's
paths, Vietnamese wordings, keys, re-import, partial columns, history of offerings and targets."""

import datetime
from decimal import Decimal

import pytest

from procedures.models import Offering, Procedure, ServiceLevel
from reports.models import Target
from tests.factories import OfferingFactory, TargetFactory, UnitFactory
from tests.imports.conftest import XLS, run_cli, summary
from tests.imports.files import write_csv, write_ods, write_xlsx
from units.models import Unit

pytestmark = pytest.mark.django_db


# --- units ------------------------------------------------------------------------------------------


def test_sample_units_build_the_tree(db, sample):
    status, out, err = run_cli("units", sample("sample_units.xlsx"))
    assert (status, summary(out), err) == (0, "created 6, updated 0, unchanged 0, errors 0", "")
    town = Unit.objects.get(code="881")
    assert town.kind == "district" and town.parent.code == "88"
    assert set(Unit.objects.subtree(town).values_list("code", flat=True)) == {
        "881",
        "881.TTHCC",
        "88101",
        "88102",
        "88103",
    }
    assert Unit.objects.get(code="881.TTHCC").kind == "center"
    status, out, _ = run_cli("units", sample("sample_units.xlsx"))
    assert summary(out) == "created 0, updated 0, unchanged 6, errors 0"


def test_units_xls_fixture(db):
    status, out, err = run_cli("units", XLS / "units.xls")
    assert (status, summary(out), err) == (0, "created 4, updated 0, unchanged 0, errors 0", "")
    assert Unit.objects.get(code="88101").path.startswith(Unit.objects.get(code="881").path)


def test_parents_and_successors_named_before_they_are_defined(db, tmp_path):
    UnitFactory(code="OLD1", name="Xã Cũ")
    path = write_ods(
        tmp_path / "u.ods",
        [
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Loại đơn vị",
                "Mã đơn vị cấp trên",
                "Hiệu lực từ",
                "Hiệu lực đến",
                "Mã đơn vị kế thừa",
            ],
            ["C1", "Xã Một", "xã", "P", None, "30/06/2025", "C2"],
            ["C2", "Phường Hai", "Phường", "P", datetime.date(2025, 7, 1), None, None],
            ["P", "Tỉnh P", "TỈNH", None, None, None, None],
            ["OLD1", "Xã Cũ", "xã", "P", None, "30/06/2025", "C2; C1"],
        ],
    )
    status, out, err = run_cli("units", path)
    assert (status, summary(out), err) == (0, "created 3, updated 1, unchanged 0, errors 0", "")
    c1 = Unit.objects.get(code="C1")
    assert c1.parent.code == "P" and c1.valid_to == datetime.date(2025, 6, 30)
    assert list(c1.successors.values_list("code", flat=True)) == ["C2"]
    assert set(Unit.objects.get(code="OLD1").successors.values_list("code", flat=True)) == {"C1", "C2"}
    assert all(u.path == (u.parent.path if u.parent else "") + f"{u.pk:09d}/" for u in Unit.objects.all())


def test_moving_a_unit_moves_its_subtree(db, tmp_path):
    a, b = UnitFactory(code="A"), UnitFactory(code="B")
    child = UnitFactory(code="A1", parent=a)
    UnitFactory(code="A11", parent=child)
    path = write_csv(tmp_path / "u.csv", [["code", "name", "kind", "parent_code"], ["A1", "Moved", "commune", "B"]])
    status, out, err = run_cli("units", path)
    assert (status, summary(out)) == (0, "created 0, updated 1, unchanged 0, errors 0")
    assert Unit.objects.get(code="A11").path.startswith(b.path)


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["X", "Tên", "làng", ""]], "row 2, column Loại đơn vị: 'làng' is not a known unit kind"),
        (
            [["X Y", "Tên", "xã", ""]],
            "row 2, column Mã đơn vị: 'X Y': A unit code starts with a letter or a digit and has no spaces or slashes.",
        ),
        ([["X", "", "xã", ""]], "row 2, column Tên đơn vị: required value is empty"),
        ([["X", "Tên", "xã", "NOPE"]], "row 2, column Mã đơn vị cấp trên: unknown unit code 'NOPE'"),
        ([["X", "Tên", "xã", "X"]], "row 2, column Mã đơn vị cấp trên: a unit cannot be its own parent"),
        (
            [["X", "Tên", "xã", "Y"], ["Y", "Tên", "xã", "X"]],
            "row 2, column Mã đơn vị cấp trên: 'Y' would put this unit below itself",
        ),
        (
            [["X", "Tên", "xã", ""], ["X", "Khác", "xã", ""]],
            "row 3, column Mã đơn vị: duplicate of row 2 (same unit code)",
        ),
    ],
)
def test_bad_unit_rows(db, tmp_path, rows, message):
    path = write_xlsx(tmp_path / "u.xlsx", [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"], *rows])
    status, out, err = run_cli("units", path)
    assert status == 1 and err.splitlines()[0].startswith(message)
    assert Unit.objects.count() == 0


def test_validity_that_ends_before_it_starts(db, tmp_path):
    path = write_xlsx(
        tmp_path / "u.xlsx",
        [
            ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Hiệu lực từ", "Hiệu lực đến"],
            ["X", "Tên", "xã", "01/07/2025", "30/06/2025"],
        ],
    )
    status, _, err = run_cli("units", path)
    assert status == 1
    assert (
        err.strip() == "row 2, column Hiệu lực đến: the end of validity (30/06/2025) is before its start (01/07/2025)"
    )


def test_units_without_a_parent_column_keep_their_parent(db, tmp_path):
    parent = UnitFactory(code="P")
    UnitFactory(code="C", name="Cũ", parent=parent)
    path = write_xlsx(tmp_path / "u.xlsx", [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["C", "Mới", "xã"]])
    status, out, _ = run_cli("units", path)
    assert summary(out) == "created 0, updated 1, unchanged 0, errors 0"
    unit = Unit.objects.get(code="C")
    assert (unit.name, unit.parent.code) == ("Mới", "P")


# --- procedures and offerings ---------------------------------------------------------------------------


def test_sample_procedures_with_levels_in_vietnamese(db, sample):
    status, out, err = run_cli("procedures", sample("sample_procedures.xlsx"))
    assert (status, summary(out), err) == (0, "created 5, updated 0, unchanged 0, errors 0", "")
    assert Procedure.objects.get(code="1.009994").level == "district"
    assert Procedure.objects.get(code="2.000720").field.name == "Thành lập và hoạt động của hộ kinh doanh"
    assert (
        summary(run_cli("procedures", sample("sample_procedures.xlsx"))[1])
        == "created 0, updated 0, unchanged 5, errors 0"
    )


def test_procedures_xls_and_partial_columns(db, tmp_path):
    assert run_cli("procedures", XLS / "procedures.xls")[0] == 0
    path = write_csv(tmp_path / "p.csv", [["Mã TTHC", "Tên TTHC"], ["1.001193", "Khai sinh (mới)"]], delimiter=";")
    status, out, _ = run_cli("procedures", path)
    assert summary(out) == "created 0, updated 1, unchanged 0, errors 0"
    procedure = Procedure.objects.get(code="1.001193")
    assert (procedure.name, procedure.field.name, procedure.level) == ("Khai sinh (mới)", "Hộ tịch", "commune")


def test_bad_procedure_level(db, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["Mã TTHC", "Tên TTHC", "Cấp thực hiện"], ["1.1", "A", "trung ương"]])
    status, _, err = run_cli("procedures", path)
    assert status == 1 and err.startswith("row 2, column Cấp thực hiện: 'trung ương' is not a known authority level")


@pytest.mark.parametrize(
    "wording, level",
    [
        ("Toàn trình", "full"),
        ("MỘT PHẦN", "partial"),
        ("Mức độ 4", "full"),
        ("Mức độ 3", "partial"),
        ("Mức độ 2", "none"),
        (4, "full"),
        ("3", "partial"),
        ("1", "none"),
        ("none", "none"),
    ],
)
def test_service_levels_in_legacy_and_current_wording(tree, tmp_path, wording, level):
    path = write_xlsx(tmp_path / "o.xlsx", [["Mã đơn vị", "Mã TTHC", "Mức độ"], ["88101", "1.001193", wording]])
    status, out, err = run_cli("offerings", path)
    assert (status, err) == (0, "")
    assert Offering.objects.get().service_level == level


def test_offerings_xls_with_history_and_later_level_change(tree, tmp_path):
    status, out, err = run_cli("offerings", XLS / "offerings.xls")
    assert (status, summary(out), err) == (0, "created 2, updated 0, unchanged 0, errors 0", "")
    assert Offering.objects.get(unit__code="881.TTHCC").valid_from == datetime.date(2024, 3, 1)
    path = write_ods(
        tmp_path / "o.ods",
        [
            ["Mã đơn vị", "Mã TTHC", "Mức độ", "Áp dụng từ"],
            ["88101", "1.001193", "Một phần", None],
            ["88101", "1.001193", "Toàn trình", datetime.date(2025, 1, 1)],
        ],
    )
    status, out, err = run_cli("offerings", path)
    assert (status, summary(out)) == (0, "created 1, updated 1, unchanged 0, errors 0")
    changed = Offering.objects.get(unit__code="88101", valid_from=None)
    assert changed.service_level == ServiceLevel.PARTIAL
    assert [
        (h.history_type, h.service_level, h.history_change_reason) for h in changed.history.order_by("history_id")
    ] == [("+", "full", "import: offerings.xls"), ("~", "partial", "import: o.ods")]


def test_offering_errors_and_duplicates(tree, tmp_path):
    OfferingFactory(unit=tree["88102"], procedure=Procedure.objects.get(code="1.001193"))
    path = write_xlsx(
        tmp_path / "o.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Mức độ", "Áp dụng từ"],
            ["88101", "1.001193", "Mức độ 5", None],
            ["88101", "1.000894", "4", "01/01/2024"],
            ["88101", "1.000894", "3", "2024-01-01"],
            ["NOPE", "1.000894", "3", "1/13/2024"],
        ],
    )
    status, out, err = run_cli("offerings", path)
    assert status == 1
    assert err.splitlines() == [
        "row 2, column Mức độ: 'Mức độ 5' is not a known online service level (expected one of: full, partial, "
        "none, toàn trình, dvc trực tuyến toàn trình, dịch vụ công "
        "trực tuyến toàn trình, một phần, dvc trực tuyến một phần, dịch vụ công trực tuyến một phần, không, không "
        "trực tuyến, 4, mức độ 4, mức 4, mức độ dvc 4, 3, mức độ 3, mức 3, mức độ dvc 3, 2, mức độ 2, mức 2, mức độ "
        "dvc 2, 1, mức độ 1, mức 1, mức độ dvc 1)",
        "row 4, column Mã đơn vị: duplicate of row 3 (same unit, procedure and start date)",
        "row 5, column Áp dụng từ: '1/13/2024' is not a date (write it as dd/mm/yyyy)",
    ]
    assert Offering.objects.count() == 1


# --- targets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("30", "30.00"),
        ("30%", "30.00"),
        ("30,5%", "30.50"),
        ("30.5", "30.50"),
        (30, "30.00"),
        (30.5, "30.50"),
        (" 30,5 % ", "30.50"),
    ],
)
def test_target_percentages_as_written(tree, tmp_path, value, expected):
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [["Mã đơn vị", "Năm", "Chỉ số", "Chỉ tiêu (%)"], ["881", 2024, "online_rate", value]],
    )
    status, out, err = run_cli("targets", path)
    assert (status, err) == (0, "")
    assert Target.objects.get().target == Decimal(expected)


def test_percent_formatted_cells_in_xlsx_and_ods(tree, tmp_path):
    xlsx = write_xlsx(
        tmp_path / "t.xlsx",
        [["Mã đơn vị", "Năm", "Chỉ số", "Chỉ tiêu"], ["881", 2024, "online_rate", 0.305]],
        formats={"D2": "0.0%"},
    )
    assert run_cli("targets", xlsx)[0] == 0
    assert Target.objects.get().target == Decimal("30.50")
    ods = write_ods(
        tmp_path / "t.ods",
        [["Mã đơn vị", "Năm", "Chỉ số", "Chỉ tiêu"], ["881", 2024, "online_rate", 0.4]],
        percent=[(1, 3)],
    )
    status, out, _ = run_cli("targets", ods)
    assert summary(out) == "created 0, updated 1, unchanged 0, errors 0"
    target = Target.objects.get()
    assert target.target == Decimal("40.00")
    assert [h.history_change_reason for h in target.history.order_by("history_id")] == [
        "import: t.xlsx",
        "import: t.ods",
    ]


def test_targets_xls_with_kpi_names_in_vietnamese(tree):
    status, out, err = run_cli("targets", XLS / "targets.xls")
    assert (status, summary(out), err) == (0, "created 4, updated 0, unchanged 0, errors 0", "")
    assert Target.objects.get(unit__code="88101").kpi == "on_time_rate"
    assert Target.objects.get(unit__code="881").target == Decimal("30.50")


def test_percent_formatted_cells_in_xls(tree):
    """An office's legacy .xls whose target cell shows 30,5% (0.305 with a percent number format) stores
    30.5, not 0.305; a plain 30.5 in a cell without a percent format is 30.5 as written. Both a custom
    format (0.0%) and Excel's built-in 0% are seen; re-importing the file changes nothing."""
    status, out, err = run_cli("targets", XLS / "targets.xls")
    assert (status, summary(out), err) == (0, "created 4, updated 0, unchanged 0, errors 0", "")
    stored = {t.unit.code: (t.kpi, t.target) for t in Target.objects.select_related("unit")}
    assert stored == {
        "881": ("online_rate", Decimal("30.50")),  # the text 30,5%
        "88101": ("on_time_rate", Decimal("95.00")),  # 0.95 formatted 0%
        "88102": ("online_rate", Decimal("30.50")),  # 0.305 formatted 0.0%
        "88103": ("online_rate", Decimal("30.50")),  # 30.5, no percent format
    }
    status, out, err = run_cli("targets", XLS / "targets.xls")
    assert (status, summary(out), err) == (0, "created 0, updated 0, unchanged 4, errors 0", "")


def test_damaged_xls_of_targets_is_refused_with_one_line(tree, tmp_path):
    """A damaged .xls brought as targets (the reader that sees percent formats runs too) gives the same
    one-line file error as for any other kind, and writes nothing."""
    path = tmp_path / "t.xls"
    path.write_bytes((XLS / "targets.xls").read_bytes()[:1500])
    for kind in ("targets", "units"):
        status, out, err = run_cli(kind, path)
        assert (status, summary(out)) == (1, "created 0, updated 0, unchanged 0, errors 1")
        assert err.startswith("t.xls cannot be read: ") and len(err.strip().splitlines()) == 1
    assert not Target.objects.exists()


def test_bad_targets(tree, tmp_path):
    TargetFactory(unit=tree["881"], year=2024, kpi="online_rate", target=20)
    path = write_csv(
        tmp_path / "t.csv",
        [
            ["unit_code", "year", "kpi", "target"],
            ["881", "2024", "online_rate", "120%"],
            ["881", "24", "online_rate", "30"],
            ["881", "2024", "speed", "30"],
            ["881", "2024", "postal_returns", "12,5"],
            ["881", "2024", "on_time_rate", "ba mươi"],
            ["881", "2024", "on_time_rate", "30"],
            ["881", "2024", "on_time_rate", "31"],
        ],
    )
    status, out, err = run_cli("targets", path)
    assert status == 1
    assert err.splitlines() == [
        "row 2, column target: 120.00% is over 100%",
        "row 3, column year: year 24 is not between 2000 and 2100",
        "row 4, column kpi: 'speed' is not a known KPI (expected one of: online_rate, online_rate_eligible, "
        "procedures_online_rate, procedures_full_online_rate, on_time_rate, postal_returns, postal_received, "
        "sync_rate, online_payment_rate, digitisation_rate, e_result_rate, satisfaction_rate, "
        "procedures_with_online_filings_rate, "
        "Tỷ lệ hồ sơ trực tuyến, Tỷ lệ hồ sơ trực tuyến trên số hồ sơ của TTHC có DVC trực "
        "tuyến, Tỷ lệ TTHC cung cấp DVC trực tuyến, Tỷ lệ TTHC cung cấp DVC toàn trình, Tỷ lệ giải quyết đúng hạn, "
        "Số hồ sơ trả kết quả qua BCCI, Số hồ sơ tiếp nhận qua BCCI, Tỷ lệ hồ sơ đồng bộ lên Cổng DVC quốc gia, "
        "Tỷ lệ thanh toán trực tuyến, Tỷ lệ số hóa hồ sơ, Tỷ lệ cấp kết quả điện tử, Tỷ lệ hài lòng, "
        "Tỷ lệ DVC trực tuyến có phát sinh hồ sơ trực tuyến)",
        "row 5, column target: '12,5' is not a whole number",
        "row 6, column target: 'ba mươi' is not a percentage (write 30, 30% or 30,5%)",
        "row 8, column unit_code: duplicate of row 7 (same unit, year and KPI)",
    ]
    assert Target.objects.get().target == 20


def test_fields_with_their_codes_and_procedures_that_name_them(db, tmp_path):
    """Fields come on their own (code and name) or with the procedures (by code, or by name, found
    whatever the case, spacing or a leading "Lĩnh vực"); a new name adds a field with a code made from it."""
    fields = write_csv(
        tmp_path / "f.csv", [["Mã lĩnh vực", "Tên lĩnh vực"], ["G09.HT", "Hộ tịch"], ["G09.CT", "Chứng thực"]]
    )
    assert summary(run_cli("fields", fields)[1]) == "created 2, updated 0, unchanged 0, errors 0"
    procedures = write_csv(
        tmp_path / "p.csv",
        [
            ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Mã lĩnh vực"],
            ["1.001193", "Đăng ký khai sinh", "", "G09.HT"],
            ["2.000908", "Chứng thực bản sao", "Lĩnh vực  chứng THỰC", ""],
            ["1.003005", "Giao đất", "Đất đai", ""],
        ],
    )
    status, out, err = run_cli("procedures", procedures)
    assert (status, summary(out)) == (0, "created 3, updated 0, unchanged 0, errors 0"), err
    codes = {p.code: p.field.code for p in Procedure.objects.select_related("field")}
    assert codes == {"1.001193": "G09.HT", "2.000908": "G09.CT", "1.003005": "DAT-DAI"}
    unknown = write_csv(
        tmp_path / "u.csv", [["Mã TTHC", "Tên TTHC", "Mã lĩnh vực"], ["1.001193", "Khai sinh", "G99.XX"]]
    )
    status, out, err = run_cli("procedures", unknown)
    assert status == 1 and err.startswith("row 2, column Mã lĩnh vực: unknown field code 'G99.XX'")
