"""The import of task assignments (`import_data task_assignments`): tasks of directives assigned to one unit
or to every commune and ward under a unit, a task created or its deadline changed when the row gives one;
every bad row named by row and column with nothing written; the preview; the blank template; a directive's
export imports back unchanged."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from directing.models import Directive, Task, TaskAssignment
from directing.services.directives import assignments_add, directive_save, task_save
from imports.runner import run_import
from tests.commands import run_command
from tests.factories import UnitFactory, UserFactory
from tests.imports.files import write_csv, write_xlsx
from units.models import UnitKind

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2019, 7, 4)
DEADLINE = datetime.date(2019, 8, 9)
HEADER = ["Số văn bản", "Nhiệm vụ", "Mã đơn vị", "Tất cả xã, phường thuộc", "Hạn"]


@pytest.fixture
def directive(city):
    """T's directive 1/UBND with the task Treo pano (assigned to A) and the weekly broadcast; T has the
    wards A and C (B ended before the day of issue) and an office T.VP."""
    UnitFactory(code="C", name="Phường C", parent=city["T"])
    UnitFactory(code="T.VP", name="Văn phòng T", kind=UnitKind.DEPARTMENT, parent=city["T"])
    found = directive_save(number="1/UBND", issued=ISSUED, issuer=city["T"], title="Tuyên truyền")
    assignments_add(task_save(found, title="Treo pano", deadline=DEADLINE), [city["A"]])
    task_save(found, title="Phát thanh", deadline=DEADLINE, recurrence="3 lần/tuần", times_per_week=3)
    return found


def run(path, *options):
    status, out, err = run_command("imports", "import_data", "task_assignments", str(path), *options)
    return status, out.strip().splitlines()[-1], err.strip().splitlines()


def assignments():
    return sorted(TaskAssignment.objects.values_list("task__directive__number", "task__title", "unit__code").order_by())


def snapshot():
    return assignments(), sorted(Task.objects.values_list("title", "deadline", "recurrence", "times_per_week"))


def test_a_good_file(directive, tmp_path):
    path = write_xlsx(
        tmp_path / "giao_nhiem_vu.xlsx",
        [
            ["DANH SÁCH GIAO NHIỆM VỤ"],
            [],
            HEADER,
            ["1/UBND", "Treo pano", "C", "", ""],
            ["1/UBND", "  treo   PANO ", "A", "", ""],  # the stored task, already assigned to A
            ["1/UBND", "Niêm yết danh mục TTHC", "", "T", datetime.datetime(2019, 8, 30)],  # a new task
            ["1/UBND", "Niêm yết danh mục TTHC", "T.VP", "", ""],
        ],
        merges=["A1:E1"],
    )
    status, summary, err = run(path)
    assert (status, err) == (0, [])
    # Created: the new task and four assignments (C; A and C under T, B having ended; T.VP); unchanged: A.
    assert summary == "created 5, updated 0, unchanged 1, errors 0"
    assert assignments() == [
        ("1/UBND", "Niêm yết danh mục TTHC", "A"),
        ("1/UBND", "Niêm yết danh mục TTHC", "C"),
        ("1/UBND", "Niêm yết danh mục TTHC", "T.VP"),
        ("1/UBND", "Treo pano", "A"),
        ("1/UBND", "Treo pano", "C"),
    ]
    assert Task.objects.get(title="Niêm yết danh mục TTHC").deadline == datetime.date(2019, 8, 30)
    assert Task.objects.filter(directive=directive).count() == 3  # "treo PANO" is Treo pano
    status, summary, _err = run(path)
    assert summary == "created 0, updated 0, unchanged 6, errors 0"


def test_a_deadline_changes_the_task_and_keeps_its_recurrence(directive, tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [["directive", "task", "all_communes_under", "deadline"], ["1/UBND", "Phát thanh", "T", "31/08/2019"]],
    )
    status, summary, err = run(path)
    assert (status, summary, err) == (0, "created 2, updated 1, unchanged 0, errors 0", [])
    task = Task.objects.get(title="Phát thanh")
    assert (task.deadline, task.recurrence, task.times_per_week) == (datetime.date(2019, 8, 31), "3 lần/tuần", 3)
    assert sorted(task.assignments.values_list("unit__code", flat=True)) == ["A", "C"]


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(directive, tmp_path):
    before = snapshot()
    path = write_csv(
        tmp_path / "f.csv",
        [
            HEADER,
            ["1/UBND", "Treo pano", "C", "", ""],  # fine, but the others are not
            ["99/KHONG", "Treo pano", "C", "", ""],
            ["1/UBND", "Việc chưa có", "C", "", ""],
            ["1/UBND", "Treo pano", "ZZ", "", ""],
            ["1/UBND", "Treo pano", "", "YY", ""],
            ["1/UBND", "Treo pano", "C", "T", ""],
            ["1/UBND", "Treo pano", "", "", ""],
            ["1/UBND", "Treo pano", "C", "", ""],
            ["1/UBND", "Việc mới", "A", "", "01/09/2019"],
            ["1/UBND", "Việc mới", "C", "", "02/09/2019"],
            ["1/UBND", "Việc mới", "T.VP", "", "31/02/2019"],
            ["", "Treo pano", "C", "", ""],
        ],
    )
    status, summary, err = run(path)
    assert status == 1 and summary == "created 0, updated 0, unchanged 0, errors 10"
    assert [line.split(":")[0] for line in err] == [
        "row 3, column Số văn bản",
        "row 4, column Nhiệm vụ",
        "row 5, column Mã đơn vị",
        "row 6, column Tất cả xã, phường thuộc",
        "row 7, column Tất cả xã, phường thuộc",
        "row 8, column Mã đơn vị",
        "row 9, column Mã đơn vị",
        "row 11, column Hạn",
        "row 12, column Hạn",
        "row 13, column Số văn bản",
    ], err
    text = "\n".join(err)
    assert "unknown directive '99/KHONG'" in text
    assert "directive 1/UBND has no task 'Việc chưa có': give its deadline (Hạn) to add it" in text
    assert "unknown unit code 'ZZ'" in text and "unknown unit code 'YY'" in text
    assert "duplicate of row 2" in text
    assert "row 10 gives this task another deadline (01/09/2019)" in text
    assert snapshot() == before


def test_the_services_refusals_are_named_by_row_and_column(directive, tmp_path):
    before = snapshot()
    path = write_csv(
        tmp_path / "f.csv",
        [
            HEADER,
            ["1/UBND", "Treo pano", "C", "", ""],
            ["1/UBND", "Treo pano", "B", "", ""],  # B ended on 30/06/2019, before the day of issue
            ["1/UBND", "Việc sớm", "A", "", "01/07/2019"],  # before the day of issue
        ],
    )
    status, summary, err = run(path)
    assert status == 1 and summary == "created 0, updated 0, unchanged 0, errors 2"
    assert err == [
        "row 3, column Mã đơn vị: B ended on 30/06/2019, before 04/07/2019",
        "row 4, column Hạn: the deadline 01/07/2019 is before the directive was issued (04/07/2019)",
    ]
    assert snapshot() == before


def test_a_file_needs_a_unit_column(directive, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["Số văn bản", "Nhiệm vụ", "Hạn"], ["1/UBND", "Treo pano", "09/08/2019"]])
    status, _summary, err = run(path)
    assert status == 1 and len(err) == 1
    assert err[0].startswith("row 1, column Mã đơn vị: required column is missing")
    assert "Tất cả xã, phường thuộc" in err[0]


def test_all_communes_under_a_unit_without_communes_on_the_day_is_a_warning(directive, city, tmp_path):
    UnitFactory(code="N", name="Phường Mới", parent=city["X"], valid_from=datetime.date(2020, 1, 1))
    path = write_csv(tmp_path / "f.csv", [HEADER, ["1/UBND", "Treo pano", "", "X", ""]])
    status, summary, err = run(path)
    assert (status, summary) == (0, "created 0, updated 0, unchanged 0, errors 0, warnings 1")
    assert err == [
        "row 2, column Tất cả xã, phường thuộc: warning: no commune or ward under X existed on 04/07/2019: "
        "nothing is assigned"
    ]


def test_the_preview_lists_the_changes_and_writes_nothing(directive, tmp_path):
    before = snapshot()
    path = write_csv(
        tmp_path / "f.csv",
        [
            HEADER,
            ["1/UBND", "Treo pano", "", "T", "20/08/2019"],
            ["1/UBND", "Phát thanh", "C", "", ""],
            ["1/UBND", "Treo pano", "A", "", ""],
        ],
    )
    report = run_import("task_assignments", path, dry_run=True, preview_changes=10, record=False)
    assert report.ok and (report.created, report.updated, report.unchanged) == (2, 1, 1)
    changes = {change.key: (change.created, change.values) for change in report.changes}
    assert changes == {
        "1/UBND · Treo pano · Tất cả xã, phường thuộc T": (
            False,
            (("Hạn", "09/08/2019", "20/08/2019"), ("Mã đơn vị", "A", "A, C")),
        ),
        "1/UBND · Phát thanh · C": (True, (("Hạn", "", "09/08/2019"), ("Mã đơn vị", "", "C"))),
        "1/UBND · Treo pano · A": (False, (("Hạn", "09/08/2019", "20/08/2019"),)),
    }
    assert snapshot() == before


def test_the_directive_export_imports_back_unchanged(client, directive, city, tmp_path):
    client.force_login(UserFactory(username="leader_t", role="leader", units=[city["T"]]))
    response = client.get(reverse("directing:directive_export", args=[directive.pk]))
    assert response.status_code == 200
    path = tmp_path / "van_ban.xlsx"
    path.write_bytes(response.content)
    before = snapshot()
    status, summary, err = run(path)
    assert (status, summary, err) == (0, "created 0, updated 0, unchanged 2, errors 0", [])  # Treo pano's task and A
    assert snapshot() == before
    TaskAssignment.objects.all().delete()
    status, summary, _err = run(path)
    assert summary == "created 1, updated 0, unchanged 1, errors 0" and snapshot() == before


def test_the_blank_template_imports_once_filled_in(client, city, tmp_path):
    issuer = UnitFactory(code="436", name="Thành phố Hà Tĩnh", kind=UnitKind.DISTRICT)
    for code in ("436.VANYEN", "436.DAINAI"):
        UnitFactory(code=code, parent=issuer)
    Directive.objects.create(number="1574/UBND-VHTT", issued=ISSUED, issuer=issuer, title="Tuyên truyền")
    client.force_login(UserFactory(username="admin", role="admin"))
    response = client.get(reverse("imports:template", args=["task_assignments"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[4]]
    assert headers == ["Số văn bản *", "Nhiệm vụ *", "Mã đơn vị", "Tất cả xã, phường thuộc", "Hạn"]
    path = tmp_path / "mau.xlsx"
    path.write_bytes(response.content)
    status, summary, err = run(path)
    assert (status, summary, err) == (0, "created 3, updated 0, unchanged 0, errors 0", [])
    assert sorted(TaskAssignment.objects.values_list("unit__code", flat=True)) == ["436.DAINAI", "436.VANYEN"]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".csv"])
def test_every_written_format(directive, tmp_path, suffix):
    from tests.imports.files import write_ods

    rows = [["GIAO NHIỆM VỤ"], [], HEADER, ["1/UBND", "Treo pano", "", "T", "09/08/2019"], ["Tổng cộng"]]
    path = tmp_path / f"f{suffix}"
    {".xlsx": write_xlsx, ".ods": write_ods, ".csv": write_csv}[suffix](path, rows)
    status, summary, err = run(path)
    assert (status, summary, err) == (0, "created 1, updated 0, unchanged 2, errors 0", [])
