"""import_data filings as CONTRACT.md fixes it: every format, form 06's two-row header, text numbers,
periods, each bad cell named by row and column, all or nothing, re-import, partial columns, warnings."""

import datetime

import pytest

from filings.models import MonthlyFiling
from imports.models import ImportRecord
from procedures.models import Procedure
from tests.factories import FilingFactory
from tests.imports.conftest import XLS, run_cli, summary
from tests.imports.files import write_csv, write_ods, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"]


def figures(unit="881.TTHCC", procedure="1.009994", year=2024, month=7):
    return MonthlyFiling.objects.get(unit__code=unit, procedure__code=procedure, year=year, month=month)


def test_sample_report_form_06(offered, sample):
    status, out, err = run_cli("filings", sample("sample_filings_report.xlsx"))
    assert (status, summary(out), err) == (0, "created 6, updated 0, unchanged 0, errors 0", "")
    row = figures(unit="881.TTHCC", procedure="2.000720")
    assert (row.received_direct, row.resolved_early, row.pending_on_time) == (1204, 1150, 14)
    assert figures().returned_postal == 3
    history = MonthlyFiling.history.filter(id=row.pk).get()
    assert history.history_change_reason == "import: sample_filings_report.xlsx"


def test_reimport_of_the_same_file_changes_nothing(offered, sample):
    path = sample("sample_filings_report.xlsx")
    run_cli("filings", path)
    history = MonthlyFiling.history.count()
    status, out, _ = run_cli("filings", path)
    assert (status, summary(out)) == (0, "created 0, updated 0, unchanged 6, errors 0")
    assert MonthlyFiling.history.count() == history


def test_xls_with_merged_header_text_numbers_totals_and_a_warning(offered):
    status, out, err = run_cli("filings", XLS / "filings.xls")
    assert (status, summary(out)) == (0, "created 2, updated 0, unchanged 0, errors 0, warnings 1")
    assert err.strip() == (
        "row 8, column Số hồ sơ nhận giải quyết > Kỳ trước chuyển qua: warning: carried over + received = "
        "resolved + pending does not balance: 1239 ≠ 1234"
    )
    assert figures(unit="88101", procedure="1.001193").received_direct == 1204


def test_ods_with_two_row_header(offered, tmp_path):
    path = write_ods(
        tmp_path / "f.ods",
        [
            ["BÁO CÁO", None, None, None, None],
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Số hồ sơ nhận", None],
            [None, None, None, "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
            ["88101", "1.001193", datetime.date(2024, 7, 15), 5, "1.234"],
        ],
        merges=[(0, 0, 5, 1), (1, 0, 1, 2), (1, 1, 1, 2), (1, 2, 1, 2), (1, 3, 2, 1)],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out), err) == (0, "created 1, updated 0, unchanged 0, errors 0", "")
    row = figures(unit="88101", procedure="1.001193")
    assert (row.received_online, row.received_direct) == (5, 1234)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_with_year_and_month_columns_and_grouped_text_numbers(offered, tmp_path, delimiter):
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["unit_code", "procedure_code", "Năm", "Tháng", "received_online", "received_direct"],
            ["88101", "1.001193", "2024", "7", "3,553", "10 717"],
        ],
        delimiter=delimiter,
        bom=True,
    )
    status, out, err = run_cli("filings", path)
    assert (status, err) == (0, "")
    row = figures(unit="88101", procedure="1.001193")
    assert (row.received_online, row.received_direct) == (3553, 10717)


@pytest.mark.parametrize(
    "period, month",
    [
        ("07/2024", 7),
        ("7/2024", 7),
        ("2024-07", 7),
        ("15/03/2024", 3),
        (datetime.date(2024, 5, 31), 5),
        (datetime.datetime(2024, 6, 1), 6),
    ],
)
def test_periods_in_every_accepted_form(offered, tmp_path, period, month):
    path = write_xlsx(tmp_path / "f.xlsx", [HEADER, ["88101", "1.001193", period, 1, 2]])
    status, out, err = run_cli("filings", path)
    assert (status, err) == (0, "")
    assert figures(unit="88101", procedure="1.001193", month=month).received_direct == 2


@pytest.mark.parametrize(
    "cells, column, reason",
    [
        (["X9", "1.001193", "07/2024", 1, 1], "Mã đơn vị", "unknown unit code 'X9'"),
        (["88101", "9.999999", "07/2024", 1, 1], "Mã TTHC", "unknown procedure code '9.999999'"),
        (["", "1.001193", "07/2024", 1, 1], "Mã đơn vị", "required value is empty"),
        (["88101", "1.001193", "13/2024", 1, 1], "Kỳ báo cáo", "month 13 is not between 1 and 12"),
        (["88101", "1.001193", "tháng bảy", 1, 1], "Kỳ báo cáo", "'tháng bảy' is not a month"),
        (["88101", "1.001193", "12/2099", 1, 1], "Kỳ báo cáo", "12/2099 is in the future"),
        (["88101", "1.001193", "31/02/2024", 1, 1], "Kỳ báo cáo", "'31/02/2024' is not a real date"),
        (["88101", "1.001193", "07/2024", -3, 1], "Tiếp nhận trực tuyến", "-3 is negative"),
        (["88101", "1.001193", "07/2024", "-3", 1], "Tiếp nhận trực tuyến", "-3 is negative"),
        (["88101", "1.001193", "07/2024", 2.5, 1], "Tiếp nhận trực tuyến", "2.5 is not a whole number"),
        (["88101", "1.001193", "07/2024", "1.23", 1], "Tiếp nhận trực tuyến", "'1.23' is not a whole number"),
        (["88101", "1.001193", "07/2024", "12.34.567", 1], "Tiếp nhận trực tuyến", "not a whole number"),
        (["88101", "1.001193", "07/2024", "n/a", 1], "Tiếp nhận trực tuyến", "'n/a' is not a whole number"),
        (["88101", "1.001193", "07/2024", 1, "1,2"], "Tiếp nhận trực tiếp", "'1,2' is not a whole number"),
    ],
)
def test_each_bad_cell_is_named_and_nothing_is_written(offered, tmp_path, cells, column, reason):
    path = write_xlsx(tmp_path / "f.xlsx", [["Báo cáo tháng"], HEADER, ["88102", "1.001193", "07/2024", 1, 1], cells])
    status, out, err = run_cli("filings", path)
    assert status == 1
    assert summary(out) == "created 0, updated 0, unchanged 0, errors 1"
    assert err.startswith(f"row 4, column {column}: ") and reason in err
    assert len(err.strip().splitlines()) == 1
    assert MonthlyFiling.objects.count() == 0


def test_every_error_is_listed_not_only_the_first(offered, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [HEADER, ["X", "1.001193", "07/2024", "a", 1], ["88101", "Y", "x", 1, -1]])
    status, out, err = run_cli("filings", path)
    assert status == 1 and summary(out).endswith("errors 5")
    assert err.splitlines() == [
        "row 2, column Mã đơn vị: unknown unit code 'X'",
        "row 2, column Tiếp nhận trực tuyến: 'a' is not a whole number",
        "row 3, column Mã TTHC: unknown procedure code 'Y'",
        "row 3, column Kỳ báo cáo: 'x' is not a month (write 07/2019 or 2019-07)",
        "row 3, column Tiếp nhận trực tiếp: -1 is negative; counts cannot be below 0",
    ]


def test_duplicate_key_in_one_file(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            HEADER,
            ["88101", "1.001193", "07/2024", 1, 1],
            ["88102", "1.001193", "07/2024", 1, 1],
            [" 88101 ", "1.001193", "2024-07", 2, 2],
        ],
    )
    status, out, err = run_cli("filings", path)
    assert status == 1
    assert err.strip() == "row 4, column Mã đơn vị: duplicate of row 2 (same unit, procedure and month)"
    assert MonthlyFiling.objects.count() == 0


def test_period_and_year_month_that_disagree(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Năm", "Tháng"], ["88101", "1.001193", "07/2024", 2024, 8]],
    )
    status, _, err = run_cli("filings", path)
    assert status == 1
    assert err.strip() == "row 2, column Kỳ báo cáo: 07/2024 disagrees with year 2024 and month 8"


def test_missing_columns_are_named(offered, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["Mã đơn vị", "Tiếp nhận trực tuyến"], ["88101", 1]])
    status, out, err = run_cli("filings", path)
    assert status == 1
    assert err.splitlines() == [
        "row 1, column Mã TTHC: required column is missing (header “Mã TTHC” or “procedure_code”)",
        "row 1, column Kỳ báo cáo: the file needs a period column (Kỳ báo cáo) or year and month columns (Năm, Tháng)",
    ]


def test_a_column_absent_from_the_file_keeps_its_stored_value(offered, tmp_path):
    FilingFactory(
        unit=offered["88101"],
        procedure__code="1.001193",
        year=2024,
        month=7,
        received_online=9,
        received_direct=9,
        returned_postal=4,
    )
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến"],
            ["88101", "1.001193", "07/2024", 10],
            ["88102", "1.001193", "07/2024", ""],
        ],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out)) == (0, "created 1, updated 1, unchanged 0, errors 0")
    row = figures(unit="88101", procedure="1.001193")
    assert (row.received_online, row.received_direct, row.returned_postal) == (10, 9, 4)
    new = figures(unit="88102", procedure="1.001193")
    assert (new.received_online, new.received_direct) == (0, 0)  # an empty cell in a present column means 0


def test_balance_is_checked_only_when_all_its_columns_are_there(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Giải quyết đúng hạn"],
            ["88101", "1.001193", "07/2024", 10, 3],
        ],
    )
    status, out, err = run_cli("filings", path)
    assert (status, err) == (0, "") and "warnings" not in out


def test_dry_run_reports_the_real_counts_and_writes_nothing(offered, sample):
    path = sample("sample_filings_report.xlsx")
    status, out, err = run_cli("filings", path, "--dry-run")
    assert (status, summary(out)) == (0, "created 6, updated 0, unchanged 0, errors 0")
    assert MonthlyFiling.objects.count() == 0 and MonthlyFiling.history.count() == 0
    record = ImportRecord.objects.get()
    assert (record.kind, record.file_name, record.dry_run, record.created) == ("filings", path.name, True, 6)
    assert len(record.sha256) == 64


def test_every_run_is_recorded_even_a_refused_one(offered, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [HEADER, ["X", "1.001193", "07/2024", 1, 1]])
    run_cli("filings", path)
    record = ImportRecord.objects.get()
    assert (record.succeeded, record.errors, record.created) == (False, 1, 0)
    assert record.first_error == "row 2, column Mã đơn vị: unknown unit code 'X'"


def test_a_file_without_a_header_is_one_clear_error(offered, tmp_path):
    path = write_xlsx(tmp_path / "notes.xlsx", [["Ghi chú"], ["..."]])
    status, out, err = run_cli("filings", path)
    assert status == 1 and summary(out) == "created 0, updated 0, unchanged 0, errors 1"
    assert err.startswith("notes.xlsx: no sheet has a recognisable header in its first 20 rows")
    assert "Traceback" not in err


def test_missing_file_and_unknown_kind(offered, tmp_path):
    status, _, err = run_cli("filings", tmp_path / "nope.xlsx")
    assert status == 1 and "nope.xlsx: no such file" in err
    status, _, err = run_cli("widgets", tmp_path / "nope.xlsx")
    assert status == 2 or "invalid choice" in err


def test_locked_months_are_row_errors_unless_forced(offered, tmp_path):
    """An approved month of a unit refuses its rows (named by row), unless an admin forces the import."""
    from filings.workflow import unit_month_approve, unit_month_submit
    from imports.runner import run_import

    FilingFactory(
        unit=offered["88101"],
        procedure=Procedure.objects.get(code="1.001193"),
        year=2024,
        month=7,
        received_online=1,
        resolved_early=1,
    )
    unit_month_submit(unit=offered["88101"], year=2024, month=7, user=None)
    unit_month_approve(unit=offered["88101"], year=2024, month=7, user=None)
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [HEADER, ["88102", "1.001193", "07/2024", 1, 1], ["88101", "1.001193", "07/2024", 2, 1]],
    )
    report = run_import("filings", path)
    assert len(report.errors) == 1 and str(report.errors[0]).startswith("row 3, column Mã đơn vị: 88101 07/2024:")
    assert MonthlyFiling.objects.count() == 1  # the approved month's own row, untouched
    assert run_import("filings", path, force=True).created == 1
    assert MonthlyFiling.objects.get(unit=offered["88101"]).received_online == 2


def test_the_balance_prefilter_never_hides_a_warning_of_the_rule():
    """The importer runs filings.rules.balance_warnings only on rows a cheap test lets through; every row
    the rule flags must get through."""
    import random

    from filings.importers import FilingImporter
    from filings.models import COUNT_FIELDS
    from filings.rules import balance_warnings

    rng = random.Random(7)
    for fields in (
        list(COUNT_FIELDS),
        [f for f in COUNT_FIELDS if f != "carried_over"],
        ["returned_postal", "resolved_early", "resolved_on_time", "resolved_late"],
    ):
        importer = FilingImporter()
        importer.fields = fields
        may_warn = importer._balance_prefilter()
        for _ in range(3000):
            row = {f: rng.choice([0, 0, 1, 2, 3, 5]) for f in fields}
            if balance_warnings(row, fields):
                assert may_warn(row), row


def test_a_refusal_by_the_database_is_one_clear_error(offered, tmp_path, monkeypatch):
    from django.db import IntegrityError

    import filings.importers

    def refuse(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "filing_unique_unit_procedure_month"')

    monkeypatch.setattr(filings.importers, "filings_upsert", refuse)
    path = write_xlsx(tmp_path / "f.xlsx", [HEADER, ["88101", "1.001193", "07/2024", 1, 1]])
    status, out, err = run_cli("filings", path)
    assert (status, summary(out)) == (1, "created 0, updated 0, unchanged 0, errors 1")
    assert err.strip() == (
        "f.xlsx: the database refused the import: duplicate key value violates unique "
        'constraint "filing_unique_unit_procedure_month"'
    )
    assert "Traceback" not in err


def test_a_period_named_only_in_a_title_row_applies_to_every_row(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["BÁO CÁO"],
            ["Kỳ báo cáo: tháng 7/2024"],
            [],
            ["Mã đơn vị", "Mã TTHC", "Tiếp nhận trực tuyến"],
            ["88101", "1.001193", 4],
            ["88102", "1.001193", 2],
        ],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out), err) == (0, "created 2, updated 0, unchanged 0, errors 0", "")
    assert figures(unit="88101", procedure="1.001193", month=7).received_online == 4


def test_a_future_month_in_the_title_is_an_error_on_every_row(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["Tháng 12/2099"], ["Mã đơn vị", "Mã TTHC", "Tiếp nhận trực tuyến"], ["88101", "1.001193", 4]],
    )
    status, _, err = run_cli("filings", path)
    assert status == 1 and err.strip() == "row 3, column Kỳ báo cáo: 12/2099 is in the future"


def test_a_unit_code_merged_down_over_its_procedures(offered, tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            HEADER,
            ["88101", "1.001193", "07/2024", 1, 1],
            [None, "1.000894", "07/2024", 2, 2],
            ["88102", "1.001193", "07/2024", 3, 3],
        ],
        merges=["A2:A3"],
    )
    status, out, err = run_cli("filings", path)
    assert (status, summary(out), err) == (0, "created 3, updated 0, unchanged 0, errors 0", "")
    assert figures(unit="88101", procedure="1.000894").received_online == 2
