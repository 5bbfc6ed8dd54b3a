"""Figures as offices and one-stop systems have them: report form 06 per field as filed (three-row header,
fields by name, the unit from --unit, the month from the title), and OpenCPS's statistics JSON."""

import json

import pytest

from core.periods import Period
from filings.models import FieldFiling, MonthlyFiling
from procedures.models import Field, Procedure
from reports.selectors import kpis_for
from tests.factories import FilingFactory, OfferingFactory
from tests.imports.conftest import run_cli, summary
from tests.imports.files import write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(tree):
    for code, name in (
        ("G09.HT", "Hộ tịch"),
        ("G09.CT", "Chứng thực"),
        ("G09.DD", "Đất đai"),
        ("G09.BTXH", "Bảo trợ xã hội"),
    ):
        Field.objects.update_or_create(code=code, defaults={"name": name})
    return tree


def test_the_official_form_06_as_an_office_files_it(fields, sample):
    status, out, err = run_cli("field_filings", sample("sample_form06_by_field.xlsx"), "--unit", "88101")
    assert (status, summary(out), err) == (0, "created 4, updated 0, unchanged 0, errors 0", "")
    civil = FieldFiling.objects.get(field__code="G09.HT")
    assert (civil.year, civil.month, civil.unit.code) == (2024, 8, "88101")  # the month of the title row
    # Under "Tiếp nhận": online, desk and post together, carried over; "Quá hạn" by its group.
    assert (civil.carried_over, civil.received_online, civil.received_direct, civil.received_postal) == (3, 48, 61, 0)
    assert (civil.resolved_early, civil.resolved_on_time, civil.resolved_late) == (37, 72, 1)
    assert (civil.pending_on_time, civil.pending_overdue) == (2, 0)
    # The group row "I Cấp xã" and the totals row are not fields.
    assert FieldFiling.objects.count() == 4
    again = run_cli("field_filings", sample("sample_form06_by_field.xlsx"), "--unit", "88101")
    assert summary(again[1]) == "created 0, updated 0, unchanged 4, errors 0"


def form06(tmp_path, rows, *, title="Kỳ báo cáo: tháng 8/2024"):
    header = [
        [
            "TT",
            "Lĩnh vực, công việc giải quyết theo cấp",
            "Tiếp nhận",
            "",
            "",
            "",
            "Số lượng hồ sơ đã giải quyết",
            "",
            "",
            "",
            "Số lượng hồ sơ đang giải quyết",
            "",
            "",
        ],
        [
            "",
            "",
            "Tổng số",
            "Trong đó",
            "",
            "Từ kỳ trước",
            "Tổng số",
            "Trước hạn",
            "Đúng hạn",
            "Quá hạn",
            "Tổng số",
            "Trong hạn",
            "Quá hạn",
        ],
        ["", "", "", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "", "", "", "", "", "", "", ""],
        list(range(1, 14)),
    ]
    return write_xlsx(
        tmp_path / "bieu06.xlsx",
        [[title], [], *header, *rows],
        merges=["C3:F3", "G3:J3", "K3:M3", "D4:E4", "A3:A5", "B3:B5"],
    )


def test_fields_by_code_or_any_spelling_of_their_name_and_unknown_ones(fields, tmp_path):
    path = form06(
        tmp_path,
        [
            ["1", "LĨNH VỰC  hộ tịch", 10, 4, 6, 0, 10, 5, 5, 0, 0, 0, 0],
            ["2", "G09.CT", 5, 1, 4, 0, 5, 5, 0, 0, 0, 0, 0],
            ["3", "Lĩnh vực Thủy lợi", 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0],
        ],
    )
    status, out, err = run_cli("field_filings", path, "--unit", "88101")
    assert status == 1 and err.strip() == (
        "row 9, column Lĩnh vực, công việc giải quyết theo cấp: unknown field "
        "'Lĩnh vực Thủy lợi' (a field's code or name)"
    )
    assert not FieldFiling.objects.exists()


def test_a_total_that_differs_from_its_parts_is_a_warning(fields, tmp_path):
    path = form06(tmp_path, [["1", "Hộ tịch", 11, 4, 6, 0, 10, 5, 5, 0, 0, 0, 0]])
    status, out, err = run_cli("field_filings", path, "--unit", "88101")
    assert status == 0 and summary(out).endswith("warnings 1")
    assert err.startswith(
        "row 7, column Tiếp nhận > Tổng số: warning: the total 11 differs from the sum of its parts, 10"
    )


def test_the_unit_comes_from_a_column_or_from_unit_never_both(fields, tmp_path):
    path = form06(tmp_path, [["1", "Hộ tịch", 10, 4, 6, 0, 10, 5, 5, 0, 0, 0, 0]])
    status, _out, err = run_cli("field_filings", path)
    assert status == 1 and "--unit" in err
    status, _out, err = run_cli("field_filings", path, "--unit", "99999")
    assert status == 1 and err.strip() == "--unit: unknown unit code '99999'"
    csv = write_csv(
        tmp_path / "f.csv",
        [
            ["Mã đơn vị", "Lĩnh vực", "Kỳ báo cáo", "Tiếp nhận trực tuyến"],
            ["88102", "Hộ tịch", "08/2024", "7"],
            ["88103", "Chứng thực", "08/2024", ""],
        ],
    )
    status, out, err = run_cli("field_filings", csv)
    assert (status, summary(out)) == (0, "created 1, updated 0, unchanged 0, errors 0"), err  # the empty row skipped


def test_a_unit_month_is_reported_one_way_only_whatever_the_file(fields, tmp_path):
    FilingFactory(
        unit=fields["88101"],
        procedure=Procedure.objects.get(code="1.001193"),
        year=2024,
        month=8,
        received_online=1,
        resolved_early=1,
    )
    path = form06(tmp_path, [["1", "Hộ tịch", 10, 4, 6, 0, 10, 5, 5, 0, 0, 0, 0]])
    status, _out, err = run_cli("field_filings", path, "--unit", "88101")
    assert status == 1 and err.startswith(
        "row 7, column Lĩnh vực, công việc giải quyết theo cấp: this unit-month is reported per procedure"
    )
    assert not FieldFiling.objects.exists()


def opencps(tmp_path, objects, wrap=True):
    path = tmp_path / "thong-ke.json"
    path.write_text(
        json.dumps({"total": len(objects), "data": objects} if wrap else objects, ensure_ascii=False), encoding="utf-8"
    )
    return path


def test_opencps_statistics_per_procedure_and_per_field(fields, sample):
    OfferingFactory(unit=fields["881.TTHCC"], procedure=Procedure.objects.get(code="1.001193"))
    status, out, err = run_cli("filings", sample("sample_opencps_statistics.json"))
    assert (status, summary(out), err) == (0, "created 2, updated 0, unchanged 0, errors 0", "")
    birth = MonthlyFiling.objects.get(unit__code="881.TTHCC", procedure__code="1.001193", year=2024, month=8)
    assert (birth.carried_over, birth.received_online, birth.received_direct, birth.received_postal) == (2, 29, 11, 0)
    assert (birth.resolved_early, birth.resolved_on_time, birth.resolved_late) == (25, 13, 1)
    assert (birth.pending_on_time, birth.pending_overdue) == (3, 0)
    # No onegateCount: the desk is what was received less online and post (212 - 5 - 0).
    copies = FieldFiling.objects.get(unit__code="88101", field__code="G09.CT")
    assert (copies.received_online, copies.received_direct, copies.resolved_early) == (5, 207, 150)
    # The KPIs of the town count both; the eligible rate says it left the ward's month out.
    kpis = kpis_for(fields["881"], Period.parse("2024-08"))
    assert (kpis["online_rate"].numerator, kpis["online_rate"].denominator) == (34, 252)
    assert kpis["online_rate_eligible"].as_json()["field_level_unit_months"] == 1


def test_opencps_aggregates_are_skipped_and_bad_objects_named(fields, tmp_path):
    base = {
        "govAgencyCode": "88102",
        "domainCode": "G09.HT",
        "year": 2024,
        "month": 8,
        "receivedCount": 3,
        "onlineCount": 1,
        "betimesCount": 3,
        "ontimeCount": 0,
        "overtimeCount": 0,
        "undueCount": 0,
        "overdueCount": 0,
        "remainingCount": 0,
        "somethingNew": {"nested": True},
    }
    objects = [
        {**base, "govAgencyCode": ""},
        {**base, "govAgencyCode": "total"},
        {**base, "domainCode": "ALL"},
        {k: v for k, v in base.items() if k not in ("domainCode",)} | {"domainName": ""},  # the agency's total
        {**base, "govAgencyCode": "X9"},
        {**base, "domainCode": "G99", "domainName": ""},
        {k: v for k, v in base.items() if k != "month"},
        {**base, "onlineCount": -1},
        {**base, "serviceCode": "9.999999"},
        {**base, "domainCode": "G09.CT", "onlineCount": 2},
    ]
    status, out, err = run_cli("filings", opencps(tmp_path, objects))
    assert status == 1 and summary(out).endswith("errors 5")
    lines = err.strip().splitlines()
    assert lines[0] == "row 5, column govAgencyCode: unknown unit code 'X9'"
    assert lines[1] == "row 6, column domainCode: unknown field 'G99'"
    assert lines[2] == "row 7, column month: required value is missing"
    assert lines[3].startswith("row 8, column onlineCount: -1 is negative")
    assert lines[4] == "row 9, column serviceCode: unknown procedure code '9.999999'"
    assert not FieldFiling.objects.exists() and not MonthlyFiling.objects.exists()
    # The good objects alone, as a bare list: imported, with the extra keys ignored.
    status, out, err = run_cli("filings", opencps(tmp_path, objects[:4] + objects[-1:], wrap=False))
    assert (status, summary(out)) == (0, "created 1, updated 0, unchanged 0, errors 0"), err


def test_a_json_file_that_is_not_statistics_is_one_clear_error(fields, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"rows": 3}', encoding="utf-8")
    status, _out, err = run_cli("filings", path)
    assert status == 1 and "x.json: expected the statistics API" in err
    path.write_text("{not json", encoding="utf-8")
    status, _out, err = run_cli("filings", path)
    assert status == 1 and err.startswith("x.json cannot be read")
    status, _out, err = run_cli("units", opencps(tmp_path, []))
    assert status == 1 and "imported as filings" in err


def test_the_combined_desk_and_post_column_leaves_nothing_by_post_apart(fields, tmp_path):
    """A file with its own postal column said 1 by post; form 06 counts desk and post together (61): the
    month then has 61 new filings at the desk or by post, not 62."""
    separate = write_csv(
        tmp_path / "f.csv",
        [
            ["Mã đơn vị", "Lĩnh vực", "Kỳ báo cáo", "Tiếp nhận trực tiếp", "Tiếp nhận qua BCCI"],
            ["88101", "Hộ tịch", "08/2024", "60", "1"],
        ],
    )
    assert run_cli("field_filings", separate)[0] == 0
    path = form06(tmp_path, [["1", "Hộ tịch", 112, 48, 61, 3, 110, 37, 72, 1, 2, 2, 0]])
    status, out, err = run_cli("field_filings", path, "--unit", "88101")
    assert (status, summary(out)) == (0, "created 0, updated 1, unchanged 0, errors 0"), err
    stored = FieldFiling.objects.get(unit=fields["88101"], field__code="G09.HT")
    assert (stored.received_direct, stored.received_postal) == (61, 0)


def test_a_group_row_with_its_subtotals_is_skipped(fields, tmp_path):
    path = form06(
        tmp_path,
        [
            ["I", "Cấp xã", 112, 48, 61, 3, 110, 37, 72, 1, 2, 2, 0],
            ["1", "Lĩnh vực Hộ tịch", 112, 48, 61, 3, 110, 37, 72, 1, 2, 2, 0],
            ["II", "CẤP HUYỆN", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ],
    )
    status, out, err = run_cli("field_filings", path, "--unit", "88101")
    assert (status, summary(out)) == (0, "created 1, updated 0, unchanged 0, errors 0"), err
    # A field that only looks like a level is still an unknown field.
    path = form06(tmp_path, [["1", "Cấp xã phường", 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]])
    status, _out, err = run_cli("field_filings", path, "--unit", "88101")
    assert status == 1 and "unknown field 'Cấp xã phường'" in err


def test_unit_and_json_are_refused_where_they_do_not_apply(fields, tmp_path, sample):
    units = write_csv(tmp_path / "u.csv", [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["88109", "Xã Mới", "xã"]])
    status, _out, err = run_cli("units", units, "--unit", "88101")
    assert status == 1 and "--unit: only figures (filings, field_filings)" in err
    statistics = sample("sample_opencps_statistics.json")
    status, _out, err = run_cli("filings", statistics, "--unit", "88101")
    assert status == 1 and "--unit: a .json file names the unit of each row (govAgencyCode)" in err
    status, _out, err = run_cli("field_filings", statistics)
    assert status == 1 and "a .json file holds one-stop statistics, imported as filings" in err
    assert not FieldFiling.objects.exists() and not MonthlyFiling.objects.exists()
