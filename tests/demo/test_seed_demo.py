"""seed_demo: the demo carries the field figures of DOMAIN.md exactly, in a tree that survives the 2025
reform, and loading it again changes nothing."""

import datetime
import json
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from core.periods import Month, Period
from demo import status_plan
from demo.arithmetic import split_by_weights, split_capped
from demo.plan import build_plan
from demo.seeding import seed_demo
from demo.tree import NEW_COMMUNES
from filings.forms import default_month
from filings.locks import entry_deadline
from filings.models import COUNT_FIELDS, FieldFiling, MonthlyFiling, ReportingMode, UnitMonth, UnitMonthStatus
from filings.workflow import allowed_actions
from procedures.models import Offering, Procedure, ServiceLevel
from reports.models import Target
from reports.projection import with_projections
from reports.selectors import kpis_for, kpis_for_units
from units.models import Unit, UnitKind, path_segment

pytestmark = pytest.mark.django_db

CAM_PHA_WARDS = {
    "06760": "Phường Mông Dương",
    "06763": "Phường Cửa Ông",
    "06766": "Phường Cẩm Sơn",
    "06769": "Phường Cẩm Đông",
    "06772": "Phường Cẩm Phú",
    "06775": "Phường Cẩm Tây",
    "06778": "Phường Quang Hanh",
    "06781": "Phường Cẩm Thịnh",
    "06784": "Phường Cẩm Thủy",
    "06787": "Phường Cẩm Thạch",
    "06790": "Phường Cẩm Thành",
    "06793": "Phường Cẩm Trung",
    "06796": "Phường Cẩm Bình",
    "06799": "Xã Cộng Hòa",
    "06802": "Xã Cẩm Hải",
    "06805": "Xã Dương Huy",
}
DISTRICT_LEVEL = ["195", "196", "502", "436", "303", "305"]


def kpis(code, period, *, own=False, approved_only=False):
    """The KPIs as `manage.py kpi --unit CODE --period PERIOD [--own] [--approved-only] --json` prints
    them: the field figures are checked through the command line, as the contract gives them."""
    out = StringIO()
    options = [*(["--own"] if own else []), *(["--approved-only"] if approved_only else [])]
    call_command("kpi", "--unit", code, "--period", period, *options, "--json", stdout=out)
    figures = json.loads(out.getvalue())
    unit = Unit.objects.get(code=code)
    # The command adds the year-end projections (reports.projection) to a year that has not ended.
    expected = with_projections(kpis_for(unit, Period.parse(period), own=own, approved_only=approved_only))
    assert figures == expected.as_json()
    return figures["kpis"]


def rate(numerator, denominator, value, target=None):
    """The parts of a rate's JSON that a figure pins."""
    return {"numerator": numerator, "denominator": denominator, "value": value, "target": target}


def pick(kpi_json):
    return {key: kpi_json[key] for key in ("numerator", "denominator", "value", "target")}


# --- the field figures -------------------------------------------------------------------------------


def test_cam_pha_centre_gives_the_published_figures(seeded):
    figures = kpis("195.TTHCC", "2019-01..2019-07")
    assert figures["online_rate_eligible"] == {
        **rate(929, 3553, "26.15", "30.00"),
        "gap": "-3.85",
        "met": False,
    }
    assert figures["procedures_online_rate"] == {
        **rate(248, 301, "82.39", "80.00"),
        "gap": "2.39",
        "met": True,
    }


def test_cam_pha_city_adds_its_wards_to_its_centre(seeded):
    wards = Unit.objects.filter(parent__code="195", kind=UnitKind.COMMUNE)
    own = kpis_for_units(wards, Period.parse("2019-01..2019-07"), own=True).values()
    assert sum(k["online_rate_eligible"].numerator for k in own) == 2916
    assert sum(k["online_rate_eligible"].denominator for k in own) == 10717

    figures = kpis("195", "2019-01..2019-07")
    assert pick(figures["online_rate_eligible"]) == rate(3845, 14270, "26.94", "30.00")
    assert figures["postal_returns"]["value"] == 848
    # The 848 returns are spread over the centre and the wards, not put on one of them.
    centre_returns = kpis("195.TTHCC", "2019-01..2019-07", own=True)["postal_returns"]["value"]
    assert 0 < centre_returns < 848


def test_cam_pha_has_its_16_wards_each_offering_96_procedures_40_to_50_online(seeded):
    wards = Unit.objects.filter(parent__code="195", kind=UnitKind.COMMUNE)
    assert dict(wards.values_list("code", "name")) == CAM_PHA_WARDS
    values = kpis_for_units(wards, Period.parse("2019-01..2019-07"), own=True)
    for unit_kpis in values.values():
        offered = unit_kpis["procedures_online_rate"]
        assert offered.denominator == 96, unit_kpis.unit.code
        assert 40 <= offered.numerator <= 50, unit_kpis.unit.code
        assert unit_kpis["procedures_online_rate"].target == 80
        assert unit_kpis["online_rate_eligible"].target == 30


def test_the_field_figures_are_approved_figures(seeded):
    """Every month of the field figures was approved: counting approved months only changes nothing."""
    for code, period in [("195", "2019-01..2019-07"), ("196", "2018"), ("502", "2023")]:
        assert kpis(code, period, approved_only=True) == kpis(code, period), (code, period)


def test_uong_bi_gives_the_published_figures(seeded):
    assert pick(kpis("196.TTHCC", "2018")["procedures_online_rate"]) == rate(282, 300, "94.00", "80.00")
    figures = kpis("196", "2018")
    assert figures["online_rate"] == {**rate(1500, 7400, "20.27", "20.00"), "gap": "0.27", "met": True}


def test_tam_ky_online_filings_collapse_in_june_2023(seeded):
    assert pick(kpis("502", "2023-Q1")["online_rate"]) == rate(6705, 13796, "48.60", "50.00")
    assert kpis("502", "2023-Q2")["online_rate"]["numerator"] == 1373
    assert pick(kpis("502", "2023-06")["online_rate"]) == rate(43, 2150, "2.00", "50.00")
    for month in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12):
        value = float(kpis("502", f"2023-{month:02d}")["online_rate"]["value"])
        assert 45 <= value <= 52, month


def test_other_units_have_plausible_figures(seeded):
    period = Period.parse("2024-07..2025-06")
    units = Unit.objects.filter(code__in=["436", "303", "305", "31"])
    for unit_kpis in kpis_for_units(units, period).values():
        online = unit_kpis["online_rate"].exact
        on_time = unit_kpis["on_time_rate"].exact
        assert 15 <= online <= 60, unit_kpis.unit.code
        assert 90 <= on_time < 100, unit_kpis.unit.code
        assert unit_kpis["postal_returns"].value > 0, unit_kpis.unit.code
    sums = MonthlyFiling.objects.filter(unit__path__startswith=Unit.objects.get(code="436").path).aggregate(
        opened=Sum(F("carried_over") + F("received_online") + F("received_direct") + F("received_postal")),
        pending=Sum(F("pending_on_time") + F("pending_overdue")),
    )
    assert 0.04 <= sums["pending"] / sums["opened"] <= 0.10


def test_targets_are_set_where_the_field_reports_set_them(seeded):
    cam_pha = ["195", "195.TTHCC", *CAM_PHA_WARDS]
    targets = {(t.unit.code, t.year, t.kpi): t.target for t in Target.objects.select_related("unit")}
    for code in cam_pha:
        assert targets[code, 2019, "online_rate_eligible"] == 30
        assert targets[code, 2019, "procedures_online_rate"] == 80
    assert targets["196", 2018, "online_rate"] == 20
    assert targets["502", 2023, "online_rate"] == 50
    for code, _name, _old in NEW_COMMUNES:
        assert (code, 2026, "online_rate_eligible") in targets


# --- the rows themselves -----------------------------------------------------------------------------

RECEIVED = F("carried_over") + F("received_online") + F("received_direct") + F("received_postal")
SETTLED = F("resolved_early") + F("resolved_on_time") + F("resolved_late") + F("pending_on_time") + F("pending_overdue")
RESOLVED = F("resolved_early") + F("resolved_on_time") + F("resolved_late")


def test_every_seeded_filing_balances_and_returns_no_more_than_it_resolved(seeded):
    rows = MonthlyFiling.objects.annotate(received=RECEIVED, settled=SETTLED, resolved=RESOLVED)
    assert rows.count() > 5000
    assert rows.filter(~Q(received=F("settled")) | Q(returned_postal__gt=F("resolved"))).count() == 0


def test_a_cell_carries_over_last_months_pending(seeded):
    previous = {}
    mismatches = checked = 0
    for row in MonthlyFiling.objects.order_by("unit_id", "procedure_id", "year", "month").values():
        key = (row["unit_id"], row["procedure_id"])
        month = Month(row["year"], row["month"])
        before = previous.get(key)
        if before and before[0].shift(1) == month:
            checked += 1
            mismatches += row["carried_over"] != before[1]
        previous[key] = (month, row["pending_on_time"] + row["pending_overdue"])
    assert checked > 5000
    assert mismatches == 0


def test_no_month_after_the_current_one(seeded):
    today = timezone.localdate()
    later = Q(year__gt=today.year) | Q(year=today.year, month__gt=today.month)
    assert not MonthlyFiling.objects.filter(later).exists()
    assert seeded.last_month <= Month.of(today)


def test_procedures_not_offered_online_have_no_online_filings(seeded):
    starts = defaultdict(list)
    for o in Offering.objects.values("unit_id", "procedure_id", "valid_from", "service_level"):
        start = (o["valid_from"].year, o["valid_from"].month) if o["valid_from"] else (0, 0)
        starts[o["unit_id"], o["procedure_id"]].append((start, o["service_level"]))
    offline_rows = 0
    for row in MonthlyFiling.objects.values("unit_id", "procedure_id", "year", "month", "received_online"):
        in_force = [
            level
            for start, level in sorted(starts[row["unit_id"], row["procedure_id"]])
            if start <= (row["year"], row["month"])
        ]
        assert in_force, row  # every filing is on a procedure the unit offers
        if in_force[-1] == ServiceLevel.NONE:
            offline_rows += 1
            assert row["received_online"] == 0, row
    assert offline_rows > 100


def test_a_procedure_goes_online_in_april_2019_at_cam_pha(seeded):
    switched = [o for o in Offering.objects.filter(unit__code="195.TTHCC", valid_from=datetime.date(2019, 4, 15))]
    assert len(switched) == 1 and switched[0].service_level == ServiceLevel.FULL
    procedure = switched[0].procedure
    assert Offering.objects.get(unit__code="195.TTHCC", procedure=procedure, valid_from=None).service_level == "none"
    online = dict(
        MonthlyFiling.objects.filter(unit__code="195.TTHCC", procedure=procedure, year=2019, month__lte=7).values_list(
            "month", "received_online"
        )
    )
    assert sorted(online) == [1, 2, 3, 4, 5, 6, 7]
    assert [online[m] for m in (1, 2, 3)] == [0, 0, 0]
    assert sum(online[m] for m in (4, 5, 6, 7)) > 0


def test_departments_have_no_filings(seeded):
    for code in DISTRICT_LEVEL:
        departments = Unit.objects.filter(parent__code=code, kind=UnitKind.DEPARTMENT)
        assert sorted(departments.values_list("code", flat=True)) == [
            f"{code}.TP",
            f"{code}.VHTT",
            f"{code}.YT",
        ]
    assert Unit.objects.get(code="195.VHTT").name == "Phòng Văn hóa và Thông tin thành phố Cẩm Phả"
    assert not MonthlyFiling.objects.filter(unit__kind=UnitKind.DEPARTMENT).exists()


# --- the tree ----------------------------------------------------------------------------------------


def test_the_tree_has_real_names_codes_and_correct_paths(seeded):
    names = dict(Unit.objects.values_list("code", "name"))
    assert names["22"] == "Tỉnh Quảng Ninh" and names["195"] == "Thành phố Cẩm Phả"
    assert names["196"] == "Thành phố Uông Bí" and names["502"] == "Thành phố Tam Kỳ"
    assert names["436"] == "Thành phố Hà Tĩnh" and names["31"] == "Thành phố Hải Phòng"
    assert names["195.TTHCC"] == "Trung tâm Hành chính công thành phố Cẩm Phả"
    assert names["31.TTHCC"].startswith("Trung tâm")
    assert {"436.NAMHA", "436.VANYEN", "436.DAINAI"} <= set(names)
    for code in DISTRICT_LEVEL:
        unit = Unit.objects.get(code=code)
        assert unit.kind == UnitKind.DISTRICT
        assert Unit.objects.get(code=f"{code}.TTHCC", parent=unit).kind == UnitKind.CENTER
        assert unit.children.filter(kind=UnitKind.COMMUNE).count() >= 4
    for unit in Unit.objects.select_related("parent"):
        assert unit.path == (unit.parent.path if unit.parent else "") + path_segment(unit.pk), unit.code


def test_the_2025_reform_keeps_history(seeded):
    reform_end, reform_start = datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)
    for code in DISTRICT_LEVEL:
        district = Unit.objects.get(code=code)
        assert district.valid_to == reform_end
        assert not Unit.objects.subtree(district).exclude(valid_to=reform_end).exists()
    cam_pha = Unit.objects.get(code="22.CAMPHA")
    assert (cam_pha.parent.code, cam_pha.kind, cam_pha.valid_from) == ("22", UnitKind.COMMUNE, reform_start)
    assert set(cam_pha.predecessors.values_list("name", flat=True)) == {
        "Phường Cẩm Thành",
        "Phường Cẩm Trung",
        "Phường Cẩm Bình",
        "Phường Cẩm Tây",
        "Phường Cẩm Đông",
    }
    # Several old wards into one, and one old ward split between two new ones.
    assert set(Unit.objects.get(code="06820").successors.values_list("code", flat=True)) == {
        "22.UONGBI",
        "22.VANGDANH",
    }
    old = Q(unit__valid_to=reform_end)
    assert not MonthlyFiling.objects.filter(old, Q(year__gt=2025) | Q(year=2025, month__gt=6)).exists()
    new = Q(unit__valid_from=reform_start)
    assert not MonthlyFiling.objects.filter(new, Q(year__lt=2025) | Q(year=2025, month__lt=7)).exists()
    assert MonthlyFiling.objects.filter(new).exists()


def test_the_current_year_has_figures(seeded):
    year = str(seeded.last_month.year)
    figures = kpis("22", year)
    assert figures["online_rate"]["denominator"] > 0
    assert figures["online_rate_eligible"]["target"] is not None
    assert figures["procedures_online_rate"]["value"] is not None
    # Only units that exist at the end of the year count their offerings.
    assert kpis("196", year)["procedures_online_rate"]["value"] is None


def test_the_catalog_has_real_procedures_and_marks_the_illustrative_ones(seeded):
    names = dict(Procedure.objects.values_list("code", "name"))
    assert names["1.001193"] == "Đăng ký khai sinh"
    assert names["1.000894"] == "Đăng ký kết hôn"
    assert names["2.000815"].startswith("Chứng thực bản sao từ bản chính")
    assert names["1.009994"] == "Cấp giấy phép xây dựng"
    assert names["2.000720"].endswith("hộ kinh doanh")
    real = [code for code in names if code[0].isdigit()]
    assert len(real) >= 25
    assert all("(minh họa)" in name for code, name in names.items() if code[0] in "HXT")
    assert Procedure.objects.get(code="1.001193").field.name == "Hộ tịch"
    assert Procedure.objects.get(code="1.001193").level == "commune"


# --- logins ------------------------------------------------------------------------------------------


def test_demo_logins_have_their_roles_and_scopes(seeded):
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN and admin.is_superuser and admin.is_staff
    assert admin.check_password("admin")
    leader = User.objects.get(username="lanhdao195")
    assert leader.role == Role.LEADER and not leader.is_staff and not leader.is_superuser
    assert list(leader.units.values_list("code", flat=True)) == ["195"]
    assert leader.check_password("demo12345")
    clerk = User.objects.get(username="canbo.camson")
    assert clerk.role == Role.CLERK and not clerk.is_staff
    assert list(clerk.units.values_list("name", flat=True)) == ["Phường Cẩm Sơn"]
    visible = set(Unit.objects.for_user(leader).values_list("code", flat=True))
    assert {"195", "195.TTHCC", "06766"} <= visible and "196" not in visible


# --- statuses ----------------------------------------------------------------------------------------


def closed_month(today):
    """The latest month past its entry deadline that the demo has figures for."""
    open_month = status_plan.open_month(today)
    return open_month.shift(-1) if open_month else status_plan.last_reported_month(today)


def statuses():
    return {(um.unit.code, Month(um.year, um.month)): um for um in UnitMonth.objects.select_related("unit").order_by()}


def special_months(today):
    """The demo's months waiting for a leader and its returned month, on `today` (after the 2025 reform)."""
    latest = closed_month(today)
    waiting = {("22.QUANGHANH", latest), ("22.UONGBI", latest), ("06787", Month(2025, 6))}
    return waiting, ("22.CAMPHA", latest)


def test_months_past_their_deadline_are_approved_but_a_few(seeded):
    today = timezone.localdate()
    waiting, returned = special_months(today)
    open_month = status_plan.open_month(today)
    by_status = defaultdict(set)
    for key, unit_month in statuses().items():
        by_status[unit_month.status].add(key)
        if unit_month.status == UnitMonthStatus.APPROVED:
            assert unit_month.first_submitted_at <= unit_month.decided_at <= timezone.now(), key
            assert unit_month.submitted_at == unit_month.first_submitted_at, key
    assert by_status[UnitMonthStatus.SUBMITTED] == waiting
    assert by_status[UnitMonthStatus.RETURNED] == {returned}
    assert {month for _unit, month in by_status[UnitMonthStatus.DRAFT]} <= {open_month}
    approved = by_status[UnitMonthStatus.APPROVED]
    assert len(approved) > 900
    assert all(entry_deadline(month.year, month.month) < today for _unit, month in approved)
    # Every unit-month with figures (per procedure or per field) has its status; every status change has its
    # history row.
    with_figures = {
        (code, Month(year, month))
        for model in (MonthlyFiling, FieldFiling)
        for code, year, month in model.objects.values_list("unit__code", "year", "month").distinct()
    }
    assert set(statuses()) == with_figures
    history = defaultdict(list)
    for record in UnitMonth.history.order_by("history_id").values("unit_id", "year", "month", "status"):
        history[record["unit_id"], record["year"], record["month"]].append(record["status"])
    for unit_month in UnitMonth.objects.all():
        assert history[unit_month.key][-1] == unit_month.status
        assert len(history[unit_month.key]) == unit_month.version  # one row per change, from the creation on
    assert history[UnitMonth.objects.get(unit__code="06760", year=2019, month=1).key] == [
        "draft",
        "submitted",
        "approved",
    ]


def test_the_province_reports_on_time_in_the_completeness_report(seeded):
    out = StringIO()
    call_command("completeness", "--parent", "195", "--period", "2019", "--json", stdout=out)
    totals = json.loads(out.getvalue())["totals"]
    assert totals["reporting_rate"]["value"] == "100.00"
    assert 85 <= float(totals["on_time_rate"]["value"]) < 100  # a few came in late


def test_the_leaders_find_the_months_waiting_for_them(seeded, client):
    waiting, _returned = special_months(timezone.localdate())
    for username, expected in [("lanhdao22", waiting), ("lanhdao195", {("06787", Month(2025, 6))})]:
        leader = User.objects.get(username=username)
        client.force_login(leader)
        awaiting = client.get(reverse("filings:start")).context["awaiting"]
        assert {(um.unit.code, Month(um.year, um.month)) for um in awaiting} == expected, username
        for unit_month in awaiting:
            actions = allowed_actions(unit_month.unit, unit_month.year, unit_month.month, unit_month, user=leader)
            assert {"approve", "return"} <= actions


def test_the_clerk_finds_the_returned_month_with_its_reason(seeded, client):
    _waiting, (code, month) = special_months(timezone.localdate())
    clerk = User.objects.get(username="canbo.campha")
    client.force_login(clerk)
    returned = client.get(reverse("filings:start")).context["returned"]
    assert [(um.unit.code, Month(um.year, um.month)) for um in returned] == [(code, month)]
    unit_month = returned[0]
    assert unit_month.return_reason == "Số hồ sơ tiếp nhận qua BCCI chưa khớp với sổ theo dõi; đề nghị kiểm tra lại."
    assert unit_month.decided_by.username == "lanhdao22"
    # Past its deadline, but a returned month stays open to its clerk.
    assert allowed_actions(unit_month.unit, month.year, month.month, unit_month, user=clerk) == {
        "save",
        "submit",
    }


def test_the_open_month_is_partly_entered_and_waits_for_the_demo_clerk(seeded, client):
    today = timezone.localdate()
    month = default_month()
    client.force_login(User.objects.get(username="canbo.campha"))
    to_enter = client.get(reverse("filings:start")).context["to_enter"]
    assert ("22.CAMPHA", month, None) in [(item.unit.code, item.month, item.unit_month) for item in to_enter]
    assert not MonthlyFiling.objects.filter(unit__code="22.CAMPHA", year=month.year, month=month.month).exists()
    open_month = status_plan.open_month(today)
    if open_month is None:  # after the 10th the open month is the current one: nothing entered yet
        assert month == Month.of(today)
        return
    assert open_month == month
    drafts = {key[0] for key, um in statuses().items() if key[1] == month and um.status == UnitMonthStatus.DRAFT}
    assert drafts == {"31.TTHCC", "22.QUANGHANH", "22.UONGBI", "22.VANGDANH", "22.YENTU"}
    assert MonthlyFiling.objects.filter(unit__code__in=drafts, year=month.year, month=month.month).count() > 20


def test_the_plan_moves_on_with_the_calendar():
    def special(plan):
        return {(s.unit, str(s.month), s.status) for s in plan.unit_months if s.status != "approved"}

    def figures(plan):  # per procedure and per field
        return [*plan.filings, *plan.field_filings]

    early = build_plan(datetime.date(2026, 12, 3))  # November still open for entry
    assert early.open_month == Month(2026, 11)
    entered = {f.unit for f in figures(early) if (f.year, f.month) == (2026, 11)}
    assert entered == {"31.TTHCC", "22.QUANGHANH", "22.UONGBI", "22.VANGDANH", "22.YENTU"}
    assert special(early) == {
        ("06787", "2025-06", "submitted"),
        ("22.QUANGHANH", "2026-10", "submitted"),
        ("22.UONGBI", "2026-10", "submitted"),
        ("22.CAMPHA", "2026-10", "returned"),
    } | {(unit, "2026-11", "draft") for unit in entered}
    late = build_plan(datetime.date(2026, 12, 11))  # November closed: its figures are all in
    assert late.open_month is None
    assert {f.unit for f in figures(late) if (f.year, f.month) == (2026, 11)} == entered | {
        "22.CAMPHA",
        "22.CUAONG",
        "22.MONGDUONG",
    }
    assert special(late) == {
        ("06787", "2025-06", "submitted"),
        ("22.QUANGHANH", "2026-11", "submitted"),
        ("22.UONGBI", "2026-11", "submitted"),
        ("22.CAMPHA", "2026-11", "returned"),
    }
    for spec in late.unit_months:
        if spec.status == "approved":
            assert spec.submitted_at < spec.decided_at
            assert spec.decided_at.date() < datetime.date(2026, 12, 11)
            assert spec.submitted_at.weekday() < 5 and spec.decided_at.weekday() < 5


def test_a_run_a_month_later_moves_the_demo_on(seeded):
    """Run on 5 August 2026, then on 7 September: July's drafts and the months that waited are approved,
    August's work is planned, and running again on the same day changes nothing."""
    for model in (MonthlyFiling, FieldFiling, UnitMonth):  # start from no figures and no statuses
        model.objects.all()._raw_delete(model.objects.db)
    august, september = datetime.date(2026, 8, 5), datetime.date(2026, 9, 7)
    first = seed_demo(today=august)
    assert first.open_month == Month(2026, 7)
    assert first.statuses == {
        "approved": first.statuses["approved"],
        "submitted": 3,
        "returned": 1,
        "draft": 5,
    }
    before = statuses()
    assert before["22.CAMPHA", Month(2026, 6)].status == UnitMonthStatus.RETURNED
    assert ("22.CAMPHA", Month(2026, 7)) not in before
    waited = before["22.QUANGHANH", Month(2026, 6)]
    assert waited.status == UnitMonthStatus.SUBMITTED

    second = seed_demo(today=september)
    after = statuses()
    assert second.open_month == Month(2026, 8)
    for key in [
        ("22.QUANGHANH", Month(2026, 6)),
        ("22.CAMPHA", Month(2026, 6)),
        ("22.VANGDANH", Month(2026, 7)),
        ("22.CUAONG", Month(2026, 7)),
        ("06760", Month(2019, 1)),
    ]:
        assert after[key].status == UnitMonthStatus.APPROVED, key
    assert after["22.QUANGHANH", Month(2026, 6)].first_submitted_at == waited.first_submitted_at
    assert after["06760", Month(2019, 1)].version == before["06760", Month(2019, 1)].version
    assert after["22.QUANGHANH", Month(2026, 7)].status == UnitMonthStatus.SUBMITTED
    assert after["22.CAMPHA", Month(2026, 7)].status == UnitMonthStatus.RETURNED
    assert after["22.UONGBI", Month(2026, 8)].status == UnitMonthStatus.DRAFT
    assert ("22.CAMPHA", Month(2026, 8)) not in after
    assert second.statuses == {
        "approved": first.statuses["approved"] + 8,
        "submitted": 3,
        "returned": 1,
        "draft": 5,
    }
    # Approved: July's three other drafts and two months without figures, June's two waiting months and its
    # returned one; submitted: two of July's drafts; returned: the clerk's July, entered since.
    assert second.status_changes == 8 + 3

    history = [model.history.count() for model in (UnitMonth, MonthlyFiling, FieldFiling)]
    third = seed_demo(today=september)
    assert [model.history.count() for model in (UnitMonth, MonthlyFiling, FieldFiling)] == history
    assert third.status_changes == 0 and third.statuses == second.statuses


# --- idempotence -------------------------------------------------------------------------------------

SNAPSHOT_FIGURES = [
    ("195.TTHCC", "2019-01..2019-07"),
    ("195", "2019-01..2019-07"),
    ("196", "2018"),
    ("502", "2023"),
    ("436", "2024-07..2025-06"),
    ("31", "2025"),
    ("22", "2026"),
    ("22.CAMPHA", "2026-Q1"),
]


def snapshot():
    return {
        "kpis": [kpis(code, period) for code, period in SNAPSHOT_FIGURES],
        "rows": [
            model.objects.count()
            for model in (Unit, Procedure, Offering, MonthlyFiling, FieldFiling, ReportingMode, Target, User)
        ],
        "sums": [
            model.objects.aggregate(*[Sum(name) for name in COUNT_FIELDS]) for model in (MonthlyFiling, FieldFiling)
        ],
        "units": sorted(Unit.objects.values_list("code", "name", "kind", "parent__code", "path", "valid_to")),
        "successors": sorted(Unit.successors.through.objects.values_list("from_unit__code", "to_unit__code")),
        "users": sorted(User.objects.values_list("username", "role", "is_superuser", "units__code")),
        "unit_months": sorted(
            UnitMonth.objects.values_list(
                "unit__code",
                "year",
                "month",
                "status",
                "version",
                "return_reason",
                "first_submitted_at",
                "submitted_at",
                "decided_at",
                "decided_by__username",
            )
        ),
        "history": [
            model.history.count() for model in (MonthlyFiling, FieldFiling, ReportingMode, UnitMonth, Offering, Target)
        ],
    }


def test_seeding_again_leaves_the_same_data(seeded):
    before = snapshot()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert snapshot() == before
    output = out.getvalue()
    assert "filings 0 new, 0 changed, 0 removed" in output
    assert "field filings 0 new, 0 changed, 0 removed" in output
    assert "reporting modes 0 new, 0 changed, 0 removed" in output
    assert "offerings 0 new, 0 changed, 0 removed" in output
    assert "statuses 0 changed." in output
    counts = seeded.statuses
    assert counts["submitted"] == 3 and counts["returned"] == 1 and counts["approved"] > 900
    approved = f"{counts['approved']:,}".replace(",", ".")  # grouped as the Vietnamese locale does
    assert output.splitlines()[1].startswith(
        f"Unit-months: {approved} approved, 3 submitted, 1 returned, {counts['draft']} draft"
    )


def test_the_command_prints_the_demo_logins_with_a_warning(seeded):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Loaded the demo data in ")
    login_lines = {
        line.split()[0]: line.split()[1:4]
        for line in lines
        if line.split()[:1] and line.split()[0] in {"admin", "lanhdao195", "canbo.camson"}
    }
    assert login_lines == {
        "admin": ["admin", "admin", "all"],
        "lanhdao195": ["demo12345", "leader", "195"],
        "canbo.camson": ["demo12345", "clerk", "06766"],
    }
    assert "demonstrations only" in out.getvalue()


# --- the pure builders -------------------------------------------------------------------------------


def test_split_by_weights_keeps_the_total_and_gives_remainders_to_the_largest():
    assert split_by_weights(10, [1, 1, 1]) == [4, 3, 3]
    assert split_by_weights(7, [5, 3, 2]) == [4, 2, 1]
    assert sum(split_by_weights(3553, [7, 11, 13, 0, 29])) == 3553
    with pytest.raises(ValueError):
        split_by_weights(5, [])


def test_split_capped_never_exceeds_a_cap():
    parts = split_capped(10, [100, 1, 1], [3, 10, 10])
    assert sum(parts) == 10 and parts[0] == 3
    with pytest.raises(ValueError):
        split_capped(10, [1, 1], [4, 5])


def test_the_plan_is_the_same_on_every_build():
    today = datetime.date(2026, 11, 22)
    first, second = build_plan(today), build_plan(today)
    assert first == second
    assert max((f.year, f.month) for f in first.filings) == (2026, 10)
