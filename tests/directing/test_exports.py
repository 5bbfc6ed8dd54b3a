"""The .xlsx exports of directing: a directive's status table, the overdue assignments, the outreach
activities of a subtree (whose second sheet imports back unchanged), an inspection and the periodic
indicators' values. Each opens with openpyxl, holds the rows and labels expected and only the units of the
user's scope: another unit's directive, inspection or unit answers 404, an anonymous user is sent to log
in, a bad period is a 400 naming the parameter; text that looks like a formula is escaped."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from directing.exports import ratio
from directing.models import (
    Activity,
    ActivityKind,
    Finding,
    FindingResult,
    Indicator,
    IndicatorValue,
    Inspection,
    InspectionTopic,
    InspectionVisit,
    Periodicity,
    TaskAssignment,
    TaskStatus,
)
from directing.services.activities import activities_upsert
from directing.services.directives import (
    assignments_add,
    directive_save,
    report_confirm,
    report_return,
    report_submit,
    task_save,
)
from tests.commands import run_command
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2019, 7, 4)
DEADLINE = datetime.date(2019, 8, 9)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _vi(text):
    """A msgid as the pages and exports say it (in Vietnamese, the first language)."""
    with override("vi"):
        return gettext(text)


def _vi_label(label):
    with override("vi"):
        return str(label)


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content))


def table(sheet, first_header):
    """The rows under the header row that starts with `first_header`, as dicts by header, up to the first
    empty row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    header = rows[start]
    found = []
    for row in rows[start + 1 :]:
        if all(value is None for value in row):
            break
        found.append(dict(zip(header, row)))
    return found


def titles(sheet):
    return [row[0] for row in sheet.iter_rows(max_row=6, values_only=True) if row and row[0]]


@pytest.fixture
def world(city):
    """City T with wards A and C (B ended before the directive); T's directive 1/UBND assigned to A and C,
    reported in every way; 3/UBND assigned to A only; X's directive 9/XA-LA to X."""
    t, a, x = city["T"], city["A"], city["X"]
    c = UnitFactory(code="C", name="Phường C", parent=t)
    users = {
        "clerk_a": UserFactory(username="clerk_a", role="clerk", units=[a]),
        "clerk_c": UserFactory(username="clerk_c", role="clerk", units=[c]),
        "leader_t": UserFactory(username="leader_t", role="leader", units=[t]),
        "leader_x": UserFactory(username="leader_x", role="leader", units=[x]),
    }
    ours = directive_save(number="1/UBND", issued=ISSUED, issuer=t, title="Tuyên truyền DVC trực tuyến")
    pano = task_save(ours, title="Treo pano", deadline=DEADLINE)
    radio = task_save(ours, title="=Phát thanh 3 lần/tuần", deadline=DEADLINE)
    for task in (pano, radio):
        assignments_add(task, [a, c])

    def assignment(task, unit):
        return TaskAssignment.objects.get(task=task, unit=unit)

    on_time = report_submit(
        assignment(pano, a),
        user=users["clerk_a"],
        done_on=datetime.date(2019, 8, 1),
        note="Đã treo 2 pano",
        today=DEADLINE,
    )
    report_confirm(on_time, user=users["leader_t"])
    report_submit(
        assignment(pano, c), user=users["clerk_c"], done_on=datetime.date(2019, 8, 20), today=datetime.date(2019, 9, 1)
    )
    returned = report_submit(
        assignment(radio, a), user=users["clerk_a"], done_on=datetime.date(2019, 8, 5), note="@cmd", today=DEADLINE
    )
    report_return(returned, user=users["leader_t"], reason="Thiếu ảnh")
    only_a = directive_save(number="3/UBND", issued=ISSUED, issuer=t, title="Chỉ phường A")
    assignments_add(task_save(only_a, title="Việc riêng của A", deadline=DEADLINE), [a])
    theirs = directive_save(number="9/XA-LA", issued=ISSUED, issuer=x, title="Bí mật Xa Lạ")
    assignments_add(task_save(theirs, title="Việc bí mật", deadline=DEADLINE), [x])
    return {**city, "C": c, **users, "ours": ours, "only_a": only_a, "theirs": theirs}


# --- a directive --------------------------------------------------------------------------------------


def test_the_directive_export_has_each_task_and_unit_with_its_status(client, world):
    client.force_login(world["leader_t"])
    response = client.get(reverse("directing:directive_export", args=[world["ours"].pk]))
    book = workbook(response)
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = book.worksheets[0]
    assert titles(sheet)[0] == "1/UBND: Tuyên truyền DVC trực tuyến"
    rows = table(sheet, "Số văn bản")
    status, done_on, report, note, reason = map(_vi, ("Status", "Done on", "Report", "Note", "Reason for returning"))
    labels = {s: _vi_label(TaskStatus(s).label) for s in TaskStatus.values}
    states = {"confirmed": _vi("Confirmed"), "pending": _vi("Waiting for confirmation"), "returned": _vi("Returned")}
    got = [(r["Nhiệm vụ"], r["Mã đơn vị"], r[status], r[done_on], r[report], r[note], r[reason]) for r in rows]
    assert got == [
        ("Treo pano", "A", labels["done"], datetime.datetime(2019, 8, 1), states["confirmed"], "Đã treo 2 pano", None),
        ("Treo pano", "C", labels["done_late"], datetime.datetime(2019, 8, 20), states["pending"], None, None),
        # Text that a spreadsheet would run as a formula is escaped.
        ("'=Phát thanh 3 lần/tuần", "A", labels["not_done"], None, states["returned"], "'@cmd", "Thiếu ảnh"),
        ("'=Phát thanh 3 lần/tuần", "C", labels["not_done"], None, None, None, None),
    ]
    assert {r["Số văn bản"] for r in rows} == {"1/UBND"} and rows[0]["Tên đơn vị"] == "Phường A"
    assert rows[0]["Hạn"] == datetime.datetime(2019, 8, 9)
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str))


def test_a_ward_gets_its_own_rows_only(client, world):
    client.force_login(world["clerk_a"])
    rows = table(
        workbook(client.get(reverse("directing:directive_export", args=[world["ours"].pk]))).active, "Số văn bản"
    )
    assert {r["Mã đơn vị"] for r in rows} == {"A"} and len(rows) == 2


def test_another_units_directive_answers_404(client, world):
    client.force_login(world["clerk_c"])  # a sibling of A
    assert client.get(reverse("directing:directive_export", args=[world["only_a"].pk])).status_code == 404
    assert client.get(reverse("directing:directive_export", args=[world["theirs"].pk])).status_code == 404
    client.force_login(world["leader_x"])
    response = client.get(reverse("directing:directive_export", args=[world["ours"].pk]))
    assert response.status_code == 404 and "Tuyên truyền" not in response.content.decode()


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in [
        reverse("directing:directive_export", args=[world["ours"].pk]),
        reverse("directing:overdue_export"),
        reverse("directing:activities_export") + "?unit=T&period=2019",
        reverse("directing:inspection_export", args=[1]),
        reverse("directing:indicators_export") + "?unit=T&period=2019",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_the_directive_page_links_to_its_export(client, world):
    client.force_login(world["leader_t"])
    page = client.get(reverse("directing:directive", args=[world["ours"].pk])).content.decode()
    assert reverse("directing:directive_export", args=[world["ours"].pk]) in page


# --- overdue ------------------------------------------------------------------------------------------


def test_the_overdue_export_lists_what_is_not_done_in_scope(client, world):
    client.force_login(world["leader_t"])
    sheet = workbook(client.get(reverse("directing:overdue_export"))).active
    rows = table(sheet, "Số văn bản")
    assert sorted((r["Số văn bản"], r["Mã đơn vị"]) for r in rows) == [
        ("1/UBND", "A"),
        ("1/UBND", "C"),
        ("3/UBND", "A"),
    ]
    days, returned = _vi("Days overdue"), _vi("Returned")
    today = timezone.localdate()
    assert all(r[days] == (today - DEADLINE).days for r in rows)
    assert [r for r in rows if r[_vi("Report")] == returned][0]["Mã đơn vị"] == "A"
    rows = table(workbook(client.get(reverse("directing:overdue_export"), {"unit": "C"})).active, "Số văn bản")
    assert [(r["Số văn bản"], r["Mã đơn vị"]) for r in rows] == [("1/UBND", "C")]
    assert client.get(reverse("directing:overdue_export"), {"unit": "X"}).status_code == 404
    page = client.get(reverse("directing:overdue"), {"unit": "C"}).content.decode()
    assert reverse("directing:overdue_export") + "?unit=C" in page


def test_the_overdue_export_of_a_ward_leaves_the_others_out(client, world):
    client.force_login(world["clerk_c"])
    rows = table(workbook(client.get(reverse("directing:overdue_export"))).active, "Số văn bản")
    assert {r["Mã đơn vị"] for r in rows} == {"C"}
    assert "9/XA-LA" not in {r["Số văn bản"] for r in rows}


# --- activities ---------------------------------------------------------------------------------------


@pytest.fixture
def activities(world):
    a, b, t, x = world["A"], world["B"], world["T"], world["X"]

    def row(unit, day, kind="conference", participants=None, note=""):
        return {"unit_id": unit.pk, "date": day, "kind": kind, "participants": participants, "note": note}

    activities_upsert(
        [
            row(a, datetime.date(2019, 3, 1), participants=50, note="Hội nghị, tuyên truyền"),
            row(a, datetime.date(2019, 9, 1), participants=70),
            row(b, datetime.date(2019, 4, 2), participants=30),
            row(b, datetime.date(2019, 4, 2), "training", 12),
            row(t, datetime.date(2019, 5, 5), "broadcast"),
            row(t, datetime.date(2019, 5, 6), "panel", note="=2+3"),
            row(t, datetime.date(2019, 5, 7), "guide_team", 4),
            row(t, datetime.date(2019, 5, 8), "other"),
            row(a, datetime.date(2018, 12, 31), participants=1000),  # another year
            row(x, datetime.date(2019, 3, 1), participants=999),  # another city
        ],
        today=datetime.date(2020, 1, 15),
    )
    return world


def test_the_activities_export_has_the_totals_and_every_activity(client, activities):
    client.force_login(activities["leader_t"])
    book = workbook(client.get(reverse("directing:activities_export"), {"unit": "T", "period": "2019"}))
    totals, listing = book.worksheets
    assert "T – Thành phố T · 2019" in titles(totals)
    kind = _vi("Kind of activity")
    conference = _vi_label(ActivityKind.CONFERENCE.label)
    counted = {r[kind]: (r[_vi("Activities")], r[_vi("Participants")]) for r in table(totals, kind)}
    assert counted[conference] == (3, 150)
    assert counted[_vi("Total")] == (8, 166)
    rows = table(listing, "Ngày")
    assert [(r["Ngày"].date(), r["Mã đơn vị"], r["Hình thức"], r["Số người tham dự"]) for r in rows][:3] == [
        (datetime.date(2019, 3, 1), "A", "hội nghị", 50),
        (datetime.date(2019, 4, 2), "B", "hội nghị", 30),
        (datetime.date(2019, 4, 2), "B", "tập huấn", 12),
    ]
    assert len(rows) == 8 and {r["Mã đơn vị"] for r in rows} == {"A", "B", "T"}
    assert rows[0]["Tên đơn vị"] == "Phường A" and rows[0]["Ghi chú"] == "Hội nghị, tuyên truyền"
    assert [r["Ghi chú"] for r in rows if r["Hình thức"] == "pano/khẩu hiệu"] == ["'=2+3"]


def test_the_activities_sheet_imports_back_unchanged(client, activities, tmp_path):
    client.force_login(activities["leader_t"])
    response = client.get(reverse("directing:activities_export"), {"unit": "A", "period": "2019"})
    path = tmp_path / "hoat_dong.xlsx"
    path.write_bytes(response.content)
    before = list(Activity.objects.order_by("pk").values())
    status, out, err = run_command("imports", "import_data", "activities", str(path))
    assert (status, err) == (0, "")
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 2, errors 0"
    assert list(Activity.objects.order_by("pk").values()) == before


def test_the_activities_export_of_every_kind_imports_back(client, activities, tmp_path):
    client.force_login(activities["leader_t"])
    response = client.get(reverse("directing:activities_export"), {"unit": "T", "period": "2019-05"})
    path = tmp_path / "hoat_dong.xlsx"
    path.write_bytes(response.content)
    Activity.objects.filter(unit=activities["T"]).delete()
    status, out, _err = run_command("imports", "import_data", "activities", str(path))
    assert status == 0 and out.strip().splitlines()[-1] == "created 4, updated 0, unchanged 0, errors 0"
    assert sorted(Activity.objects.filter(unit=activities["T"]).values_list("kind", flat=True)) == [
        "broadcast",
        "guide_team",
        "other",
        "panel",
    ]


def test_the_activities_export_in_scope_and_with_a_bad_period(client, activities):
    client.force_login(activities["clerk_a"])
    rows = table(workbook(client.get(reverse("directing:activities_export"), {"period": "2019"})).worksheets[1], "Ngày")
    assert {r["Mã đơn vị"] for r in rows} == {"A"} and len(rows) == 2  # the whole scope: A
    assert client.get(reverse("directing:activities_export"), {"unit": "T", "period": "2019"}).status_code == 404
    assert client.get(reverse("directing:activities_export"), {"unit": "X", "period": "2019"}).status_code == 404
    for bad in ("2019-13", "next year"):
        response = client.get(reverse("directing:activities_export"), {"unit": "A", "period": bad})
        # "period: ..." as reports' exports word it (kỳ báo cáo in Vietnamese), with the value and the reason.
        text = response.content.decode()
        assert response.status_code == 400 and text.startswith(_vi("period: %(reason)s").split(":")[0] + ":")
        assert f"invalid period {bad!r}" in text


# --- an inspection ------------------------------------------------------------------------------------


@pytest.fixture
def inspection(world):
    t, a, c, x = world["T"], world["A"], world["C"], world["X"]
    found = Inspection.objects.create(
        number="KT-01/2019",
        title="Kiểm tra cải cách hành chính",
        inspector=t,
        start=datetime.date(2019, 9, 1),
        end=datetime.date(2019, 9, 30),
        team="Nguyễn Văn An, trưởng đoàn\nTrần Thị Bình, thành viên",
        report_due=datetime.date(2019, 10, 15),
    )
    equipment = InspectionTopic.objects.create(inspection=found, position=1, title="Cơ sở vật chất")
    outreach = InspectionTopic.objects.create(inspection=found, position=2, title="Tuyên truyền")
    visit_a = InspectionVisit.objects.create(inspection=found, unit=a, date=datetime.date(2019, 9, 5))
    visit_c = InspectionVisit.objects.create(inspection=found, unit=c, date=datetime.date(2019, 9, 6))
    Finding.objects.create(visit=visit_a, topic=equipment, result=FindingResult.MEETS, note="Đủ máy tính")
    Finding.objects.create(visit=visit_a, topic=outreach, result=FindingResult.FAILS, note="=chưa có pano")
    Finding.objects.create(visit=visit_c, topic=equipment, result=FindingResult.PARTLY)
    conclusion = directive_save(number="KL-01/2019", issued=datetime.date(2019, 10, 20), issuer=t, title="Kết luận")
    task = task_save(conclusion, title="Bổ sung pano", deadline=datetime.date(2019, 11, 30))
    assignments_add(task, [a, c])
    report_submit(
        TaskAssignment.objects.get(task=task, unit=a),
        user=world["clerk_a"],
        done_on=datetime.date(2019, 11, 1),
        today=datetime.date(2019, 11, 1),
    )
    found.conclusion = conclusion
    found.save()
    theirs = Inspection.objects.create(
        number="KT-X", title="Bí mật Xa Lạ", inspector=x, start=datetime.date(2019, 9, 1), end=datetime.date(2019, 9, 2)
    )
    InspectionVisit.objects.create(inspection=theirs, unit=x)
    return {
        **world,
        "inspection": found,
        "theirs": theirs,
        "inspector_user": UserFactory(username="inspector", role="clerk", units=[t]),
    }


def _inspection_sheets(client, inspection):
    book = workbook(client.get(reverse("directing:inspection_export", args=[inspection.pk])))
    plan, findings, recommendations = book.worksheets
    return plan, findings, recommendations


def test_the_inspection_export_for_the_inspector(client, inspection):
    client.force_login(inspection["inspector_user"])  # a clerk of the inspecting city: every visit
    plan, findings, recommendations = _inspection_sheets(client, inspection["inspection"])
    heads = titles(plan)
    assert heads[0] == "KT-01/2019: Kiểm tra cải cách hành chính"
    assert any("Nguyễn Văn An, trưởng đoàn; Trần Thị Bình, thành viên" in h for h in heads)
    assert any("01/09/2019" in h and "30/09/2019" in h for h in heads)
    unit_code = _vi("Unit code")
    assert [(r[unit_code], r[_vi("Planned day")].date()) for r in table(plan, unit_code)] == [
        ("A", datetime.date(2019, 9, 5)),
        ("C", datetime.date(2019, 9, 6)),
    ]
    meets, fails, partly = (_vi_label(FindingResult(r).label) for r in ("meets", "fails", "partly"))
    note = f"Tuyên truyền: {_vi('note')}"
    statuses = {s: _vi_label(TaskStatus(s).label) for s in TaskStatus.values}
    rows = table(findings, unit_code)
    assert [(r[unit_code], r["Cơ sở vật chất"], r["Tuyên truyền"], r[note]) for r in rows] == [
        ("A", meets, fails, "'=chưa có pano"),
        ("C", partly, None, None),
    ]
    assert rows[0][f"Cơ sở vật chất: {_vi('note')}"] == "Đủ máy tính"
    recommendation = _vi("Recommendation")
    rows = table(recommendations, recommendation)
    today = timezone.localdate()
    late = statuses["not_done"] if today > datetime.date(2019, 11, 30) else statuses["open"]
    assert [(r[recommendation], r[unit_code], r[_vi("Status")]) for r in rows] == [
        ("Bổ sung pano", "A", statuses["done"]),
        ("Bổ sung pano", "C", late),
    ]
    assert any("KL-01/2019" in h for h in titles(recommendations))


def test_a_visited_ward_gets_its_own_findings_and_recommendations(client, inspection):
    client.force_login(inspection["clerk_c"])
    plan, findings, recommendations = _inspection_sheets(client, inspection["inspection"])
    unit_code = _vi("Unit code")
    assert [r[unit_code] for r in table(plan, unit_code)] == ["C"]
    assert [r[unit_code] for r in table(findings, unit_code)] == ["C"]
    assert [r[unit_code] for r in table(recommendations, _vi("Recommendation"))] == ["C"]
    client.force_login(inspection["leader_t"])  # the inspecting city's leader: everything
    plan, _findings, _recommendations = _inspection_sheets(client, inspection["inspection"])
    assert [r[unit_code] for r in table(plan, unit_code)] == ["A", "C"]


def test_another_units_inspection_answers_404(client, inspection):
    client.force_login(inspection["clerk_a"])
    response = client.get(reverse("directing:inspection_export", args=[inspection["theirs"].pk]))
    assert response.status_code == 404 and "Bí mật" not in response.content.decode()
    assert client.get(reverse("directing:inspection_export", args=[999999])).status_code == 404
    client.force_login(inspection["leader_x"])
    assert client.get(reverse("directing:inspection_export", args=[inspection["inspection"].pk])).status_code == 404


# --- periodic indicators ------------------------------------------------------------------------------


@pytest.fixture
def indicators(world):
    a, c, t, x = world["A"], world["C"], world["T"], world["X"]
    mail = Indicator.objects.create(
        code="hop-thu",
        name="Hộp thư công vụ được sử dụng",
        measure="tài khoản",
        denominator="tài khoản được cấp",
        periodicity=Periodicity.QUARTER,
        position=1,
    )
    lines = Indicator.objects.create(
        code="bang-rong", name="Đường truyền băng rộng", measure="đường", periodicity=Periodicity.YEAR, position=2
    )
    visits = Indicator.objects.create(
        code="luot-truy-cap", name="Lượt truy cập", measure="lượt", periodicity=Periodicity.MONTH, position=3
    )

    def value(indicator, unit, start, number, denominator=None, note=""):
        IndicatorValue.objects.create(
            indicator=indicator,
            unit=unit,
            period_start=start,
            value=Decimal(number),
            denominator=None if denominator is None else Decimal(denominator),
            note=note,
        )

    value(mail, a, datetime.date(2019, 7, 1), "45", "60", note="=SUM(A1:A3)")
    value(mail, c, datetime.date(2019, 7, 1), "1", "800")
    value(mail, c, datetime.date(2019, 4, 1), "3", "0")
    value(lines, t, datetime.date(2019, 1, 1), "12.5")
    value(visits, a, datetime.date(2019, 8, 1), "3000")
    value(mail, a, datetime.date(2018, 10, 1), "40", "60")  # another year
    value(mail, x, datetime.date(2019, 7, 1), "9", "9")  # another city
    return world


def test_ratio_rounds_half_up():
    assert ratio(Decimal("1"), Decimal("800")) == Decimal("0.13")
    assert ratio(Decimal("45"), Decimal("60")) == Decimal("75.00")
    assert ratio(Decimal("2"), Decimal("3")) == Decimal("66.67")
    assert ratio(Decimal("3"), Decimal("0")) is None and ratio(Decimal("3"), None) is None


def test_the_indicators_export_in_the_imports_layout(client, indicators):
    client.force_login(indicators["leader_t"])
    sheet = workbook(client.get(reverse("directing:indicators_export"), {"unit": "T", "period": "2019"})).active
    rows = table(sheet, "Mã chỉ tiêu")
    assert {"Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị", "Mẫu số", "Ghi chú"} <= set(rows[0])
    got = [(r["Mã chỉ tiêu"], r["Mã đơn vị"], r["Kỳ"], r["Giá trị"], r["Mẫu số"], r["Tỷ lệ (%)"]) for r in rows]
    assert got == [
        ("hop-thu", "A", "2019-Q3", 45, 60, 0.75),
        ("hop-thu", "C", "2019-Q2", 3, 0, None),
        ("hop-thu", "C", "2019-Q3", 1, 800, 0.0013),
        ("bang-rong", "T", "2019", 12.5, None, None),
        ("luot-truy-cap", "A", "2019-08", 3000, None, None),
    ]
    assert rows[0]["Ghi chú"] == "'=SUM(A1:A3)" and rows[0]["Tên đơn vị"] == "Phường A"
    ratio_cell = next(row for row in sheet.iter_rows() if row[0].value == "hop-thu")[8]
    assert ratio_cell.number_format == "0.00%"


def test_the_indicators_export_takes_the_periods_inside_the_period_asked(client, indicators):
    client.force_login(indicators["leader_t"])

    def periods(period):
        response = client.get(reverse("directing:indicators_export"), {"unit": "T", "period": period})
        return [(r["Mã chỉ tiêu"], r["Mã đơn vị"], r["Kỳ"]) for r in table(workbook(response).active, "Mã chỉ tiêu")]

    assert periods("2019-Q3") == [
        ("hop-thu", "A", "2019-Q3"),
        ("hop-thu", "C", "2019-Q3"),
        ("luot-truy-cap", "A", "2019-08"),
    ]
    assert periods("2019-07") == []
    assert periods("2019-07..2019-09") == periods("2019-Q3")
    assert periods("2018-10..2019-06") == [("hop-thu", "A", "2018-Q4"), ("hop-thu", "C", "2019-Q2")]


def test_the_indicators_export_in_scope_and_with_a_bad_period(client, indicators):
    client.force_login(indicators["clerk_c"])
    response = client.get(reverse("directing:indicators_export"), {"period": "2019"})
    assert {r["Mã đơn vị"] for r in table(workbook(response).active, "Mã chỉ tiêu")} == {"C"}
    assert client.get(reverse("directing:indicators_export"), {"unit": "A", "period": "2019"}).status_code == 404
    response = client.get(reverse("directing:indicators_export"), {"unit": "C", "period": "2019-Q5"})
    assert response.status_code == 400 and "period" in response.content.decode()


def test_the_indicators_export_imports_back_unchanged(client, indicators, tmp_path):
    # (A note that looks like a formula comes back with its leading apostrophe: it is changed.)
    IndicatorValue.objects.filter(note__startswith="=").update(note="Số liệu quý 3, đã kiểm tra")
    client.force_login(indicators["leader_t"])
    response = client.get(reverse("directing:indicators_export"), {"unit": "T", "period": "2019-07..2019-12"})
    path = tmp_path / "chi_tieu.xlsx"
    path.write_bytes(response.content)
    before = list(IndicatorValue.objects.order_by("pk").values("value", "denominator", "note", "period_start"))
    status, out, err = run_command("imports", "import_data", "indicator_values", str(path))
    assert (status, err) == (0, "")
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 3, errors 0"
    assert list(IndicatorValue.objects.order_by("pk").values("value", "denominator", "note", "period_start")) == before


def test_a_recurring_tasks_export_has_the_weeks_met(client, world):
    weekly = directive_save(number="5/UBND", issued=ISSUED, issuer=world["T"], title="Phát thanh")
    task = task_save(weekly, title="Phát thanh 3 lần/tuần", deadline=DEADLINE, times_per_week=3)
    assignments_add(task, [world["A"]])
    for monday in (datetime.date(2019, 7, 8), datetime.date(2019, 7, 15)):
        report_submit(
            TaskAssignment.objects.get(task=task), user=None, done_on=monday, times=3, today=datetime.date(2019, 9, 1)
        )
    client.force_login(world["leader_t"])
    rows = table(workbook(client.get(reverse("directing:directive_export", args=[weekly.pk]))).active, "Số văn bản")
    assert [(r["Mã đơn vị"], r[_vi("Weeks done / due (in all)")]) for r in rows] == [("A", "2/5 (5)")]
    # A directive of tasks done once has no such column.
    ours = workbook(client.get(reverse("directing:directive_export", args=[world["ours"].pk]))).active
    assert _vi("Weeks done / due (in all)") not in table(ours, "Số văn bản")[0]
