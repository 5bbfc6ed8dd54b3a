"""Reading files: every format, header detection under titles and across two rows, blank and totals rows,
and the guards that refuse a file before it is opened."""

import datetime
import zipfile

import pytest

from imports import tabular
from imports.tabular import FileProblem, Percent, data_rows, find_header, fold, read_sheets
from tests.imports.conftest import SAMPLES, XLS
from tests.imports.files import write_csv, write_ods, write_xlsx

LABELS = {
    fold(t): k
    for t, k in [
        ("Mã đơn vị", "unit_code"),
        ("Mã TTHC", "procedure_code"),
        ("Kỳ báo cáo", "period"),
        ("Tiếp nhận trực tuyến", "received_online"),
        ("Tiếp nhận trực tiếp", "received_direct"),
        ("Trả kết quả qua BCCI", "returned_postal"),
        ("Giải quyết trước hạn", "resolved_early"),
    ]
}


def first_sheet(path, **kwargs):
    return next(read_sheets(path, **kwargs))


def test_fold_ignores_case_and_runs_of_white_space():
    assert fold("  Tiếp nhận\n  TRỰC   tuyến ") == "tiếp nhận trực tuyến"
    assert fold("Mã đơn vị*:") == "mã đơn vị"


def test_folds_decomposed_unicode_to_the_same_text():
    decomposed = "Ma\u0303 đơn vi\u0323"  # combining tilde and dot below, as some systems export
    assert fold(decomposed) == fold("Mã đơn vị")


def test_two_row_header_of_report_form_06():
    sheet = first_sheet(SAMPLES / "sample_filings_report.xlsx")
    header = find_header(sheet, LABELS)
    assert (header.first_row, header.last_row) == (5, 6)
    # Key columns merged down both rows take the upper text; fields take the lower row's.
    assert header.columns == {
        "unit_code": 0,
        "procedure_code": 1,
        "period": 2,
        "received_online": 4,
        "received_direct": 5,
        "resolved_early": 8,
        "returned_postal": 13,
    }
    assert header.texts["received_online"] == "Tiếp nhận trực tuyến"
    rows = list(data_rows(sheet, header))
    assert [number for number, _cells in rows] == [7, 8, 9, 10, 11, 12]  # the totals row 13 is skipped


def test_header_below_titles_with_blank_and_totals_rows(tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["BÁO CÁO"],
            [],
            ["Mã đơn vị", "Tiếp nhận\ntrực tuyến"],
            ["A", 1],
            [],
            [None, "  "],
            ["  Tổng số: ", 1],
            ["B", 2],
            ["TOTAL", 3],
            ["cộng", 4],
        ],
        merges=["A1:B1"],
    )
    sheet = first_sheet(path)
    header = find_header(sheet, LABELS)
    assert header.last_row == 3 and header.texts["received_online"] == "Tiếp nhận trực tuyến"
    assert [(n, c[0]) for n, c in data_rows(sheet, header)] == [(4, "A"), (8, "B")]


def test_no_header_in_the_first_20_rows(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["x"]] * 20 + [["Mã đơn vị", "Mã TTHC"]])
    assert find_header(first_sheet(path), LABELS) is None


def test_data_starting_away_from_a1_keeps_spreadsheet_row_numbers(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [[], [], [None, None, "Mã đơn vị", "Mã TTHC"], [None, None, "A", "P"]])
    sheet = first_sheet(path)
    header = find_header(sheet, LABELS)
    assert header.last_row == 3
    assert [(n, c[header.columns["unit_code"]]) for n, c in data_rows(sheet, header)] == [(4, "A")]


@pytest.mark.parametrize("delimiter, bom", [(",", False), (";", False), (",", True), (";", True)])
def test_csv_utf8_with_or_without_bom_comma_or_semicolon(tmp_path, delimiter, bom):
    path = write_csv(
        tmp_path / "f.csv",
        [["Mã đơn vị", "Chỉ tiêu (%)"], ["881", "30,5%"], ["882", "1.204"]],
        delimiter=delimiter,
        bom=bom,
    )
    sheet = first_sheet(path)
    assert sheet.rows == [["Mã đơn vị", "Chỉ tiêu (%)"], ["881", "30,5%"], ["882", "1.204"]]


def test_csv_that_is_not_utf8_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"Ma don vi;T\xean\n")  # Windows-1258, as old Excel saves CSV
    with pytest.raises(FileProblem, match="not UTF-8"):
        first_sheet(path)


def test_ods_with_merged_two_row_header_dates_and_percentages(tmp_path):
    path = write_ods(
        tmp_path / "f.ods",
        [
            ["Tiêu đề", None, None, None],
            ["Mã đơn vị", "Số hồ sơ", None, "Kỳ báo cáo"],
            [None, "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp", None],
            ["A", 1, 0.305, datetime.date(2024, 7, 3)],
        ],
        merges=[(0, 0, 4, 1), (1, 1, 2, 1), (1, 0, 1, 2), (1, 3, 1, 2)],
        percent=[(3, 2)],
    )
    sheet = first_sheet(path, want_formats=True)
    header = find_header(sheet, LABELS)
    assert header.columns == {"unit_code": 0, "received_online": 1, "received_direct": 2, "period": 3}
    cells = next(data_rows(sheet, header))[1]
    assert isinstance(cells[2], Percent) and not isinstance(cells[1], Percent)
    assert cells[3] == datetime.date(2024, 7, 3)


def test_xlsx_percent_format_is_seen_only_when_asked_for(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["Mã đơn vị", "Chỉ tiêu"], ["A", 0.305], ["B", 30]], formats={"B2": "0.0%"})
    rows = first_sheet(path, want_formats=True).rows
    assert isinstance(rows[1][1], Percent) and not isinstance(rows[2][1], Percent)
    assert not isinstance(first_sheet(path).rows[1][1], Percent)


def test_xls_percent_format_is_seen_only_when_asked_for():
    rows = first_sheet(XLS / "targets.xls", want_formats=True).rows
    # Rows 7-9 of the sheet: 0.95 formatted 0% (built in), 0.305 formatted 0.0%, 30.5 unformatted.
    assert [(type(r[3]), r[3]) for r in rows[6:9]] == [(Percent, 0.95), (Percent, 0.305), (float, 30.5)]
    assert not isinstance(rows[6][1], Percent)  # the year beside it
    assert not any(isinstance(r[3], Percent) for r in first_sheet(XLS / "targets.xls").rows[6:9])


def test_xls_that_only_the_format_reader_fails_on_is_refused_with_a_reason(monkeypatch):
    import xlrd

    def broken(*args, **kwargs):
        raise IndexError("list index out of range")

    monkeypatch.setattr(xlrd, "open_workbook", broken)
    with pytest.raises(FileProblem, match=r"^targets.xls cannot be read: list index out of range$"):
        first_sheet(XLS / "targets.xls", want_formats=True)
    assert first_sheet(XLS / "targets.xls").rows  # without formats xlrd is not used


def test_xls_fixture_with_merged_header_is_read():
    sheet = first_sheet(XLS / "filings.xls")
    header = find_header(sheet, LABELS)
    assert (header.first_row, header.last_row) == (5, 6)
    assert [n for n, _ in data_rows(sheet, header)] == [7, 8]


def test_first_sheet_with_a_header_is_the_one_read(tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["Mã đơn vị", "Mã TTHC"], ["A", "P"]],
        before=[("Ghi chú", [["Hướng dẫn"], ["..."]])],
    )
    sheets = list(read_sheets(path))
    assert [s.name for s in sheets] == ["Ghi chú", "Sheet1"]
    assert find_header(sheets[0], LABELS) is None and find_header(sheets[1], LABELS) is not None


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", [["Mã đơn vị", "x" * 2000]])
    with pytest.raises(FileProblem, match="big.csv is 2.0.. bytes; files over 1,000 bytes are refused"):
        first_sheet(path)


def test_zip_bomb_is_refused_from_its_directory_without_inflating(tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10 * 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    with pytest.raises(FileProblem, match="once uncompressed; the limit is 10,485,760 bytes"):
        first_sheet(path)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("f.txt", b"a,b", "unsupported file type"),
        ("f.xlsx", b"a,b\n1,2", "not a valid .xlsx file"),
        ("f.xls", b"PK\x03\x04....", "not a valid .xls file"),
        ("f.ods", b"PK\x03\x04 broken", "damaged"),
    ],
)
def test_wrong_or_damaged_files_are_refused_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=reason):
        first_sheet(path)


def test_guards_read_settings_at_call_time(settings):
    settings.IMPORT_MAX_BYTES = 5
    assert tabular.max_bytes() == 5


@pytest.mark.parametrize(
    "numbering",
    [["(1)", "(2)", "(3)", "(4)"], ["A", "B", 1, 2], [1, 2, 3, 4], ["1", "2", "3", None]],
)
def test_the_forms_row_of_column_numbers_under_the_header_is_skipped(tmp_path, numbering):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến"], numbering, ["A1", "P", "07/2024", 5]],
    )
    sheet = first_sheet(path)
    assert [(n, c[0]) for n, c in data_rows(sheet, find_header(sheet, LABELS))] == [(3, "A1")]


def test_a_data_row_is_not_taken_for_column_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến"],
            ["88101", "1.001193", "07/2024", 5],
            [1, 2, 3, 5],
        ],
    )
    sheet = first_sheet(path)
    assert [n for n, _ in data_rows(sheet, find_header(sheet, LABELS))] == [2, 3]


def test_a_value_merged_over_several_data_rows_applies_to_each(tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Tiếp nhận trực tuyến"],
            ["88101", "P1", 1],
            [None, "P2", 2],
            [None, "P3", 3],
            ["88102", "P1", 4],
        ],
        merges=["A2:A4"],
    )
    sheet = first_sheet(path)
    header = find_header(sheet, LABELS)
    assert [(n, c[0], c[1]) for n, c in data_rows(sheet, header)] == [
        (2, "88101", "P1"),
        (3, "88101", "P2"),
        (4, "88101", "P3"),
        (5, "88102", "P1"),
    ]
