"""Every kind imports from .xlsx, .ods, .csv (written here, under a title row) and .xls (the committed
fixtures), with the same result; a file over the limit and a zip bomb are refused by the command too."""

import zipfile

import pytest

from imports.models import ImportRecord
from tests.imports.conftest import XLS, run_cli, summary
from tests.imports.files import write_csv, write_ods, write_xlsx

pytestmark = pytest.mark.django_db

TABLES = {
    "units": [
        ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"],
        ["88104", "Xã Bốn", "xã", "881"],
        ["881.VP", "Văn phòng", "phòng", "881"],
    ],
    "procedures": [
        ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Cấp thực hiện"],
        ["2.001", "Thủ tục A", "Tư pháp", "xã"],
        ["2.002", "Thủ tục B", "Tư pháp", "huyện"],
    ],
    "offerings": [
        ["Mã đơn vị", "Mã TTHC", "Mức độ", "Áp dụng từ"],
        ["88101", "1.001193", "Toàn trình", ""],
        ["88102", "1.001193", "Mức độ 3", "01/02/2024"],
    ],
    "filings": [
        ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
        ["88101", "1.001193", "07/2024", "1.204", 3],
        ["88102", "1.001193", "07/2024", 1, 0],
    ],
    "targets": [
        ["Mã đơn vị", "Năm", "Chỉ số", "Chỉ tiêu (%)"],
        ["881", 2024, "online_rate", "30,5%"],
        ["88101", 2024, "on_time_rate", 95],
    ],
}


def write(kind, suffix, tmp_path):
    rows = [["BẢNG KÊ"], [], *TABLES[kind], ["Tổng cộng"]]
    path = tmp_path / f"{kind}{suffix}"
    if suffix == ".xlsx":
        return write_xlsx(path, rows, merges=["A1:C1"])
    if suffix == ".ods":
        return write_ods(path, rows)
    return write_csv(path, rows, delimiter=";" if kind in ("filings", "targets") else ",", bom=kind == "units")


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".csv"])
@pytest.mark.parametrize("kind", list(TABLES))
def test_every_kind_from_every_written_format(tree, tmp_path, kind, suffix, request):
    if kind == "filings":
        request.getfixturevalue("offered")  # the figures' procedures are offered online: no warning
    path = write(kind, suffix, tmp_path)
    status, out, err = run_cli(kind, path)
    assert (status, summary(out), err) == (0, "created 2, updated 0, unchanged 0, errors 0", "")
    status, out, err = run_cli(kind, path)
    assert summary(out) == "created 0, updated 0, unchanged 2, errors 0"


@pytest.mark.parametrize(
    "kind, created", [("units", 0), ("procedures", 0), ("offerings", 2), ("filings", 2), ("targets", 4)]
)
def test_every_kind_from_xls(tree, kind, created):
    # The tree already holds the units and procedures of units.xls and procedures.xls but the names differ.
    status, out, err = run_cli(kind, XLS / f"{kind}.xls")
    assert status == 0, err
    assert summary(out).startswith(f"created {created}, ")


def test_the_command_refuses_a_file_over_the_limit(tree, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = write("filings", ".xlsx", tmp_path)
    status, out, err = run_cli("filings", path)
    assert status == 1 and summary(out) == "created 0, updated 0, unchanged 0, errors 1"
    assert err.strip() == f"filings.xlsx is {path.stat().st_size:,} bytes; files over 100 bytes are refused"
    assert ImportRecord.objects.get().first_error.startswith("filings.xlsx is")


def test_the_command_refuses_a_zip_bomb(tree, tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b" " * (8 * 1024 * 1024))
    status, out, err = run_cli("units", path)
    assert status == 1
    assert "would take 8,388,654 bytes once uncompressed; the limit is 1,048,576 bytes" in err
