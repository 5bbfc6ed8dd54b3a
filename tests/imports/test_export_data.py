"""`manage.py export_data KIND FILE [--unit CODE] [--period PERIOD]`: for every kind import_data takes, an
.xlsx or .csv in the import's layout that imports back with every row unchanged (and carries every value:
the import's columns are all there); the limits to a subtree and a period; the Decision 766 counts that
only some rows report, left out with a warning; text that would start a formula, escaped and read back
as it was; one-line usage errors (exit status 2) naming the bad parameter; the demo's data round trip."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction

from demo.seeding import seed_demo
from directing.models import Activity
from directing.services.activities import activities_upsert
from directing.services.directives import assignments_add, directive_save, task_save
from directing.services.indicators import indicator_save, indicator_values_upsert
from filings.models import SCORE_FIELDS, UnitMonth, UnitMonthStatus
from filings.services import Source, field_filings_upsert, filings_upsert
from imports import tabular
from imports.exports import export_data
from imports.registry import get_importer, kinds
from procedures.models import ServiceLevel
from reports.services import targets_upsert
from tests.commands import run_command
from tests.factories import FieldFactory, OfferingFactory, ProcedureFactory, UnitFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

KINDS = (
    "units",
    "procedures",
    "fields",
    "offerings",
    "filings",
    "field_filings",
    "targets",
    "activities",
    "indicator_values",
    "task_assignments",
)
# The import's columns an export does not write: for figures, another way to say the month (period is
# written) and form 06's totals; for assignments, every commune under a unit (each unit is written).
NOT_WRITTEN = {
    "filings": {"year", "month", "received_total", "resolved_total", "pending_total"},
    "task_assignments": {"all_communes_under"},
}
NOT_WRITTEN["field_filings"] = NOT_WRITTEN["filings"]
COUNTS = dict(
    carried_over=2,
    received_online=35,
    received_direct=15,
    received_postal=0,
    resolved_early=40,
    resolved_on_time=10,
    resolved_late=0,
    pending_on_time=2,
    pending_overdue=0,
    returned_postal=1,
)


def export(*argv):
    return run_command("imports", "export_data", *map(str, argv))


def import_back(kind, path, *options):
    return run_command("imports", "import_data", kind, str(path), *options)


def last_line(text):
    return text.strip().splitlines()[-1]


def sheet_rows(path, kind):
    """{key: value} of each data row of an exported file, as the import reads it (its header, its keys)."""
    importer = get_importer(kind)
    sheet = next(tabular.read_sheets(path))
    header = tabular.find_header(sheet, importer.labels())
    assert header is not None
    return header, [
        {key: cells[col] for key, col in header.columns.items()} for _number, cells in tabular.data_rows(sheet, header)
    ]


@pytest.fixture
def stored():
    """Of every kind: province P with district D (a department D.TP, the communes A, B and C, and OLD,
    merged into A in 2023), province X with commune X1; two procedures, one field; offerings (A's level
    changes on 1 March 2024); figures per procedure (A, B, X1; A's synchronised count reported in every
    row, its ratings in one row only) and per field (C); targets, activities, indicator values and a task
    of a directive assigned to A and B. A's name and an activity's note look like formulas."""
    p = UnitFactory(code="P", name="Tỉnh P", kind=UnitKind.PROVINCE)
    d = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT, parent=p)
    tp = UnitFactory(code="D.TP", name="Phòng Tư pháp D", kind=UnitKind.DEPARTMENT, parent=d)
    a = UnitFactory(code="A", name='=HYPERLINK("http://x")', parent=d, valid_from=datetime.date(2023, 7, 1))
    b = UnitFactory(code="B", name="Phường B", parent=d)
    c = UnitFactory(code="C", name="Phường C", parent=d)
    old = UnitFactory(code="OLD", name="Xã Cũ", parent=d, valid_to=datetime.date(2023, 6, 30))
    old.successors.add(a)
    x = UnitFactory(code="X", name="Tỉnh X", kind=UnitKind.PROVINCE)
    x1 = UnitFactory(code="X1", name="Xã X1", parent=x)
    field = FieldFactory(code="G09.HT", name="Hộ tịch")
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=field, level="commune")
    other = ProcedureFactory(code="2.000528", name="Thủ tục khác", field=None, level="")
    OfferingFactory(unit=a, procedure=birth, service_level=ServiceLevel.FULL)
    OfferingFactory(
        unit=a, procedure=birth, service_level=ServiceLevel.PARTIAL, valid_from=datetime.date(2024, 3, 1), department=tp
    )
    OfferingFactory(unit=b, procedure=other, service_level=ServiceLevel.NONE)
    OfferingFactory(unit=x1, procedure=birth, service_level=ServiceLevel.FULL)
    rows = [
        {"unit_id": a.pk, "procedure_id": birth.pk, "year": 2024, "month": 7, **COUNTS, "synced": 40, "ratings": 9},
        {"unit_id": a.pk, "procedure_id": birth.pk, "year": 2023, "month": 12, **COUNTS, "synced": 30},
        {"unit_id": b.pk, "procedure_id": other.pk, "year": 2024, "month": 7, **COUNTS, "synced": 0},
        {"unit_id": x1.pk, "procedure_id": birth.pk, "year": 2024, "month": 7, **COUNTS, "synced": 5},
    ]
    for row in rows[1:]:
        row["ratings"] = None
    filings_upsert(rows, fields=[*COUNTS, "synced", "ratings"], source=Source.DEMO)
    field_filings_upsert(
        [{"unit_id": c.pk, "field_id": field.pk, "year": 2024, "month": 7, **COUNTS}],
        fields=list(COUNTS),
        source=Source.DEMO,
    )
    targets_upsert(
        [
            {"unit_id": a.pk, "year": 2024, "kpi": "online_rate", "target": Decimal("30.5")},
            {"unit_id": a.pk, "year": 2024, "kpi": "postal_returns", "target": Decimal("848")},
            {"unit_id": d.pk, "year": 2023, "kpi": "on_time_rate", "target": Decimal("95")},
        ],
        reason="test",
    )
    activities_upsert(
        [
            {
                "unit_id": a.pk,
                "date": datetime.date(2024, 3, 15),
                "kind": "conference",
                "participants": 70,
                "note": "- Tuyên truyền DVC trực tuyến",
            },
            {"unit_id": b.pk, "date": datetime.date(2024, 5, 1), "kind": "other", "participants": None, "note": ""},
        ]
    )
    mail = indicator_save(
        code="official_mail", name="Thư", measure="tài khoản", periodicity="year", denominator="được cấp"
    )
    kiosks = indicator_save(code="kiosks", name="Ki-ốt", measure="ki-ốt", periodicity="month")
    indicator_values_upsert(
        [
            {
                "indicator_id": mail.pk,
                "unit_id": d.pk,
                "period_start": datetime.date(2023, 1, 1),
                "value": Decimal("701"),
                "denominator": Decimal("907"),
                "note": "Thư công vụ",
            },
            {
                "indicator_id": kiosks.pk,
                "unit_id": a.pk,
                "period_start": datetime.date(2024, 7, 1),
                "value": Decimal("3.5"),
                "denominator": None,
                "note": "",
            },
        ]
    )
    directive = directive_save(number="1/UBND", issued=datetime.date(2024, 7, 4), issuer=d, title="Tuyên truyền")
    assignments_add(task_save(directive, title="Treo pano", deadline=datetime.date(2024, 8, 9)), [a, b])
    return {"D": d, "A": a}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_imports_back_unchanged(stored, tmp_path, kind, suffix):
    path = tmp_path / f"{kind}{suffix}"
    status, out, err = export(kind, path)
    assert status == 0, err
    written = int(last_line(out).split()[1])
    assert last_line(out) == f"wrote {written} rows to {path}" and written > 0
    status, out, err = import_back(kind, path)
    assert status == 0, err
    created, updated, unchanged, errors = (int(part.split()[-1]) for part in last_line(out).split(", ")[:4])
    assert (created, updated, errors) == (0, 0, 0), out + err
    # Task assignments count the tasks whose deadline is given again too.
    assert unchanged == written if kind != "task_assignments" else unchanged > written


def test_every_kind_is_exported():
    assert set(kinds()) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_the_file_has_every_column_the_import_reads(stored, tmp_path, kind):
    """So that "unchanged" is not an import leaving absent columns alone: the columns that hold values are
    all in the file (the Decision 766 counts that some rows report only, left out, are tested below)."""
    path = tmp_path / f"{kind}.xlsx"
    assert export(kind, path)[0] == 0
    header, rows = sheet_rows(path, kind)
    expected = {column.key for column in get_importer(kind).columns} - NOT_WRITTEN.get(kind, set())
    if kind in ("filings", "field_filings"):
        expected -= set(SCORE_FIELDS) - ({"synced"} if kind == "filings" else set())
    assert set(header.columns) == expected


def test_values_and_formats_of_the_file(stored, tmp_path):
    path = tmp_path / "activities.xlsx"
    export("activities", path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Outreach activities"
    assert sheet["A2"].value == "Every unit · every period"
    assert [c.value for c in sheet[4]] == ["Mã đơn vị", "Ngày", "Hình thức", "Số người tham dự", "Ghi chú"]
    assert sheet.freeze_panes == "A5"
    assert [c.value for c in sheet[5]] == [
        "A",
        datetime.datetime(2024, 3, 15),
        "hội nghị",
        70,
        "'- Tuyên truyền DVC trực tuyến",  # escaped, and read back without the apostrophe
    ]
    assert sheet["B5"].number_format == "dd/mm/yyyy" and sheet["D5"].number_format == "#,##0"
    assert [c.value for c in sheet[6]][3:] == [None, None]  # participants not counted: no value
    path = tmp_path / "units.csv"
    export("units", path)
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffMã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên,Hiệu lực từ,Hiệu lực đến")
    assert '\r\nA,"\'=HYPERLINK(""http://x"")",commune,D,01/07/2023,,\r\n' in text
    assert "\r\nOLD,Xã Cũ,commune,D,,30/06/2023,A\r\n" in text
    _header, rows = sheet_rows(tmp_path / "units.csv", "units")
    assert [row["code"] for row in rows] == ["P", "D", "D.TP", "A", "B", "C", "OLD", "X", "X1"]


def test_targets_as_the_import_reads_them(stored, tmp_path):
    for suffix in (".xlsx", ".csv"):
        path = tmp_path / f"targets{suffix}"
        export("targets", path)
        _header, rows = sheet_rows(path, "targets")
        assert [(r["unit_code"], r["kpi"], str(r["target"])) for r in rows] == [
            ("D", "on_time_rate", "95.0" if suffix == ".xlsx" else "95.00"),
            ("A", "online_rate", "30.5" if suffix == ".xlsx" else "30.50"),
            ("A", "postal_returns", "848.0" if suffix == ".xlsx" else "848"),
        ]


def test_unit_limits_the_export_to_the_subtree(stored, tmp_path):
    path = tmp_path / "filings.xlsx"
    status, out, _err = export("filings", path, "--unit", "D")
    assert status == 0 and last_line(out) == f"wrote 3 rows to {path}"
    _header, rows = sheet_rows(path, "filings")
    assert sorted((r["unit_code"], r["period"]) for r in rows) == [("A", "07/2024"), ("A", "12/2023"), ("B", "07/2024")]
    openpyxl_sheet = openpyxl.load_workbook(path).active
    assert openpyxl_sheet["A2"].value == "D – Thành phố D and the units below it · every period"
    path = tmp_path / "units.csv"
    export("units", path, "--unit", "X")
    assert [row["code"] for row in sheet_rows(path, "units")[1]] == ["X", "X1"]
    path = tmp_path / "task_assignments.csv"
    export("task_assignments", path, "--unit", "B")
    assert [(r["directive"], r["unit_code"]) for r in sheet_rows(path, "task_assignments")[1]] == [("1/UBND", "B")]


@pytest.mark.parametrize(
    "kind, period, expected",
    [
        ("filings", "2024-07", [("A", "07/2024"), ("B", "07/2024"), ("X1", "07/2024")]),
        ("filings", "2023", [("A", "12/2023")]),
        ("field_filings", "2024-Q3", [("C", "07/2024")]),
        ("field_filings", "2024-01..2024-06", []),
        ("activities", "2024-03", [("A", datetime.date(2024, 3, 15))]),
        ("targets", "2023-12", [("D", 2023)]),
        ("indicator_values", "2024", [("A", "2024-07")]),
        ("task_assignments", "2024-08", [("A", datetime.date(2024, 8, 9)), ("B", datetime.date(2024, 8, 9))]),
        ("task_assignments", "2024-07", []),
        (
            "units",
            "2023-01..2023-06",
            [
                ("P", None),
                ("D", None),
                ("D.TP", None),
                ("B", None),
                ("C", None),
                ("OLD", None),
                ("X", None),
                ("X1", None),
            ],
        ),
    ],
)
def test_period_limits_the_export(stored, tmp_path, kind, period, expected):
    path = tmp_path / f"{kind}.csv"
    status, out, _err = export(kind, path, "--period", period)
    assert status == 0 and last_line(out) == f"wrote {len(expected)} rows to {path}"
    second = {
        "filings": "period",
        "field_filings": "period",
        "activities": "date",
        "targets": "year",
        "indicator_values": "period",
        "task_assignments": "deadline",
        "units": None,
    }[kind]
    got = (
        [
            (r["unit_code" if kind != "units" else "code"], tabular_value(r.get(second)) if second else None)
            for r in sheet_rows(path, kind)[1]
        ]
        if expected
        else []
    )
    assert got == expected


def tabular_value(value):
    """A .csv cell as the test compares it: dates and years as values."""
    if isinstance(value, str) and value.count("/") == 2:
        day, month, year = value.split("/")
        return datetime.date(int(year), int(month), int(day))
    return int(value) if isinstance(value, str) and value.isdigit() else value


@pytest.mark.parametrize(
    "period, levels",
    [("2024-02", ["full"]), ("2024-01..2024-03", ["full", "partial"]), ("2024-07", ["partial"])],
)
def test_offerings_in_force_in_the_period(stored, tmp_path, period, levels):
    path = tmp_path / "offerings.csv"
    export("offerings", path, "--unit", "A", "--period", period)
    assert [row["service_level"] for row in sheet_rows(path, "offerings")[1]] == levels


def test_counts_that_only_some_rows_report_are_left_out(stored, tmp_path):
    path = tmp_path / "filings.xlsx"
    status, out, err = export("filings", path)
    assert status == 0
    assert err.strip().splitlines() == [
        "warning: column Lượt đánh giá left out: 1 of the 4 rows report it, the others do not, and an empty cell "
        "would import as 0; export the units or months that report it on their own"
    ]
    header, rows = sheet_rows(path, "filings")
    assert "ratings" not in header.columns and "synced" in header.columns
    assert sorted(r["synced"] for r in rows) == [0, 5, 30, 40]
    # Each month's own file has it: A's month of July 2024 is the only row.
    status, out, err = export("filings", path, "--unit", "A", "--period", "2024-07")
    assert err == "" and sheet_rows(path, "filings")[1][0]["ratings"] == 9


def test_an_approved_month_imports_back_unchanged_without_force(stored, tmp_path):
    """The lock refuses only the rows that would change an approved month (docs/workflow.md): the file
    exported imports back as it is; once a figure of that month is edited in it, only --force writes it."""
    assert UnitMonth.objects.filter(unit=stored["A"], year=2024, month=7).update(status=UnitMonthStatus.APPROVED) == 1
    path = tmp_path / "filings.csv"
    export("filings", path, "--unit", "A")
    status, out, err = import_back("filings", path)
    assert status == 0 and last_line(out).startswith("created 0, updated 0, unchanged 2, errors 0")
    lines = path.read_text(encoding="utf-8").splitlines()
    july = next(i for i, line in enumerate(lines) if "07/2024" in line or "2024-07" in line)
    cells = lines[july].split(",")
    cells[-1] = str(int(cells[-1] or 0) + 1)
    lines[july] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = import_back("filings", path)
    assert status == 1 and "approved" in err
    status, out, _err = import_back("filings", path, "--force")
    assert status == 0 and last_line(out).startswith("created 0, updated 1, unchanged 1, errors 0")


@pytest.mark.parametrize(
    "argv, parameter",
    [
        (["filing", "{tmp}/x.xlsx"], "KIND: unknown kind 'filing'"),
        (["filings", "{tmp}/x.txt"], "FILE: x.txt: write .xlsx or .csv"),
        (["filings", "{tmp}/missing/x.xlsx"], "FILE: "),
        (["filings", "{tmp}/x.xlsx", "--unit", "NOPE"], "--unit: unknown unit code 'NOPE'"),
        (["filings", "{tmp}/x.xlsx", "--unit", " "], "--unit: "),
        (["filings", "{tmp}/x.xlsx", "--period", "2024-13"], "--period: "),
        (["procedures", "{tmp}/x.xlsx", "--unit", "D"], "--unit: procedures are not kept per unit"),
        (["fields", "{tmp}/x.csv", "--period", "2024"], "--period: fields have no dates"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(stored, tmp_path, argv, parameter):
    status, out, err = export(*(arg.format(tmp=tmp_path) for arg in argv))
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.removeprefix("CommandError: ").startswith(parameter), err
    assert not list(tmp_path.rglob("*"))


def test_a_failed_export_leaves_no_file(stored, tmp_path, monkeypatch):
    from units.importers import UnitImporter

    def broken(rows):
        yield from rows
        raise RuntimeError("the database went away")

    table = UnitImporter.export_table
    monkeypatch.setattr(
        UnitImporter, "export_table", classmethod(lambda cls, **limits: _with_rows(table(**limits), broken))
    )
    with pytest.raises(RuntimeError):
        export("units", tmp_path / "units.xlsx")
    assert not list(tmp_path.rglob("*"))


def _with_rows(table, wrap):
    table.rows = wrap(table.rows)
    return table


@pytest.mark.parametrize("kind", KINDS)
def test_rows_are_streamed_not_held(stored, kind):
    """The rows come from a generator over the database (queryset.iterator()), read as the file is
    written; and the function writes to any binary file, as a background job would."""
    table = get_importer(kind).export_table()
    assert iter(table.rows) is table.rows
    buffer = io.BytesIO()
    report = export_data(kind, buffer, file_format=".xlsx")
    assert report.rows > 0 and buffer.getvalue()[:2] == b"PK"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's data, loaded once for this module's demo tests in a transaction rolled back after them."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed_demo(with_users=False)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("kind", KINDS)
def test_the_demo_imports_back_unchanged(demo, tmp_path, kind):
    """Real-looking data of every kind: most of the demo's months are approved, hence --force."""
    path = tmp_path / f"{kind}.xlsx"
    status, out, _err = export(kind, path)
    assert status == 0
    written = int(last_line(out).split()[1])
    status, out, err = import_back(kind, path, "--force")
    assert status == 0, err[:500]
    assert last_line(out).startswith("created 0, updated 0, unchanged"), out
    assert written > 0 and Activity.objects.exists()
