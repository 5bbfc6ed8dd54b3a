"""A centre's own filings by the department responsible for each procedure (reports.breakdowns.
department_breakdown): the department of the offering in force in each month, one row for the rest, sums
equal to the centre's own totals, competition ranks, each department's target, a fixed number of queries;
the unit page's section and its sheet in the page's workbook."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from core.periods import Period
from filings.workflow import unit_months_approve_bulk
from procedures.models import Offering
from procedures.services import offerings_write
from reports.breakdowns import department_breakdown
from reports.selectors import kpis_for
from tests.factories import FilingFactory, OfferingFactory, ProcedureFactory, TargetFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

JUN_JUL = Period.parse("2019-06..2019-07")


@pytest.fixture
def district():
    """District T: its centre, three departments, a commune; the centre's procedures and their
    departments (P5 gets one only from July), its filings of June and July 2019."""
    district = UnitFactory(code="T", name="Thị xã T", kind=UnitKind.DISTRICT)
    centre = UnitFactory(code="T.TTHCC", name="Trung tâm HCC", kind=UnitKind.CENTER, parent=district)
    commune = UnitFactory(code="T01", name="Xã Một", parent=district)
    departments = {
        suffix: UnitFactory(code=f"T.{suffix}", name=name, kind=UnitKind.DEPARTMENT, parent=district)
        for suffix, name in (("TP", "Phòng Tư pháp"), ("YT", "Phòng Y tế"), ("VHTT", "Phòng Văn hóa và Thông tin"))
    }
    procedures = {n: ProcedureFactory(code=f"9.00000{n}") for n in range(1, 7)}
    for n, suffix in ((1, "TP"), (2, "YT"), (3, "TP"), (4, None), (5, None)):
        OfferingFactory(unit=centre, procedure=procedures[n], department=departments.get(suffix))
    OfferingFactory(
        unit=centre, procedure=procedures[5], department=departments["VHTT"], valid_from=datetime.date(2019, 7, 1)
    )
    # (procedure, month, online, at the desk); P6 is filed without an offering.
    for n, month, online, direct in (
        (1, 6, 10, 10),
        (1, 7, 5, 5),
        (3, 6, 0, 10),
        (2, 6, 3, 5),
        (5, 6, 1, 9),
        (5, 7, 8, 2),
        (4, 6, 2, 2),
        (6, 6, 1, 1),
    ):
        FilingFactory(
            unit=centre,
            procedure=procedures[n],
            month=month,
            received_online=online,
            received_direct=direct,
            resolved_on_time=online,
            resolved_late=direct,
        )
    FilingFactory(unit=commune, procedure=procedures[1], month=6, received_online=50, received_direct=50)
    TargetFactory(unit=departments["TP"], year=2019, kpi="online_rate", target=40)  # 37.5%: close
    TargetFactory(unit=departments["VHTT"], year=2019, kpi="online_rate", target=50)  # 80%: met
    TargetFactory(unit=departments["YT"], year=2018, kpi="online_rate", target=90)  # another year
    TargetFactory(unit=departments["YT"], year=2019, kpi="on_time_rate", target=90)  # another KPI
    return district


def rows(items):
    return [(i.rank, i.code, i.online, i.new, i.online_rate.value, i.online_rate.target) for i in items]


def test_filings_by_the_department_in_force_ranked_with_targets(district):
    centre = district.children.get(code="T.TTHCC")
    items = department_breakdown(centre, JUN_JUL)
    assert rows(items) == [
        (1, "T.VHTT", 8, 10, 80, 50),  # P5 from July only
        (2, "T.TP", 15, 40, 37.5, 40),  # P1 and P3
        (2, "T.YT", 3, 8, 37.5, None),  # a tie shares the rank, the next one skips
        (None, "", 4, 16, 25, None),  # P4 and P6, and P5 in June: no department given
    ]
    assert [i.online_rate.status for i in items] == ["met", "close", None, None]
    assert [i.name for i in items[:3]] == ["Phòng Văn hóa và Thông tin", "Phòng Tư pháp", "Phòng Y tế"]


def test_the_rows_add_up_to_the_centres_own_figures(district):
    centre = district.children.get(code="T.TTHCC")
    items = department_breakdown(centre, JUN_JUL)
    own = kpis_for(centre, JUN_JUL, own=True)
    assert (sum(i.online for i in items), sum(i.new for i in items)) == (
        own["online_rate"].numerator,
        own["online_rate"].denominator,
    )
    assert sum(i.on_time_rate.numerator for i in items) == own["on_time_rate"].numerator
    assert sum(i.on_time_rate.denominator for i in items) == own["on_time_rate"].denominator
    # The district's own filings: none (its centre's and commune's are theirs).
    assert department_breakdown(district, JUN_JUL) == []


def test_one_month_and_approved_months_only(district):
    centre = district.children.get(code="T.TTHCC")
    assert rows(department_breakdown(centre, Period.parse("2019-07"))) == [
        (1, "T.VHTT", 8, 10, 80, 50),
        (2, "T.TP", 5, 10, 50, 40),
    ]
    assert department_breakdown(centre, JUN_JUL, approved_only=True) == []
    unit_months_approve_bulk([(centre.pk, 2019, 7)], user=None)
    assert [i.code for i in department_breakdown(centre, JUN_JUL, approved_only=True)] == ["T.VHTT", "T.TP"]


def test_two_queries_whatever_the_number_of_procedures_and_departments(district, django_assert_num_queries):
    centre = district.children.get(code="T.TTHCC")
    with django_assert_num_queries(2):
        department_breakdown(centre, JUN_JUL)
    more = [UnitFactory(code=f"T.D{n}", kind=UnitKind.DEPARTMENT, parent=district) for n in range(5)]
    procedures = [ProcedureFactory(code=f"8.00000{n}") for n in range(10)]
    offerings_write(
        create=[
            Offering(unit=centre, procedure=procedure, service_level="full", department=more[n % 5])
            for n, procedure in enumerate(procedures)
        ],
        reason="test",
    )
    for procedure in procedures:
        FilingFactory(unit=centre, procedure=procedure, month=6, received_online=1, received_direct=1)
    with django_assert_num_queries(2):
        assert len(department_breakdown(centre, JUN_JUL)) == 9
    # Without a department in sight: one query.
    with django_assert_num_queries(1):
        department_breakdown(district, JUN_JUL)


# --- the unit page -----------------------------------------------------------------------------------


@pytest.fixture
def leader(client, district):
    client.force_login(UserFactory(username="lanhdao", role=Role.LEADER, units=[district]))
    return client


def test_the_unit_page_shows_the_departments_linked_to_their_pages(leader, district):
    response = leader.get(reverse("reports:unit", args=["T.TTHCC"]), {"period": "2019-06..2019-07"})
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="departments"') :]
    assert f'href="{reverse("reports:unit", args=["T.VHTT"])}?period=2019-06..2019-07"' in section
    assert [(item.code, href is not None) for item, href in response.context["departments"]] == [
        ("T.VHTT", True),
        ("T.TP", True),
        ("T.YT", True),
        ("", False),
    ]
    assert "80,00%" in section and "37,50%" in section and "50,00%" in section
    # The fields' section comes first, the departments' next to it.
    assert html.index('id="fields"') < html.index('id="departments"')


def test_no_section_where_no_offering_names_a_department(leader, district):
    Offering.objects.filter(department__isnull=False).update(department=None)
    response = leader.get(reverse("reports:unit", args=["T.TTHCC"]), {"period": "2019-06..2019-07"})
    assert response.status_code == 200
    assert response.context["departments"] == [] and 'id="departments"' not in response.content.decode()


def test_a_department_outside_the_users_scope_is_named_not_linked(client, district):
    client.force_login(
        UserFactory(username="trungtam", role=Role.LEADER, units=[district.children.get(code="T.TTHCC")])
    )
    response = client.get(reverse("reports:unit", args=["T.TTHCC"]), {"period": "2019-06..2019-07"})
    assert response.status_code == 200
    assert [href for _item, href in response.context["departments"]] == [None] * 4
    assert "Phòng Tư pháp" in response.content.decode()
    assert client.get(reverse("reports:unit", args=["T.TP"]), {"period": "2019"}).status_code == 404


def test_a_user_outside_the_unit_gets_404(client, district):
    client.force_login(UserFactory(username="other", role=Role.LEADER, units=[UnitFactory(code="Z")]))
    assert client.get(reverse("reports:unit", args=["T.TTHCC"]), {"period": "2019"}).status_code == 404
    assert client.get(reverse("reports:export_unit", args=["T.TTHCC"]), {"period": "2019"}).status_code == 404


def test_the_departments_add_a_fixed_number_of_queries_to_the_page(leader, district, django_assert_max_num_queries):
    url = reverse("reports:unit", args=["T.TTHCC"])
    with django_assert_max_num_queries(60) as captured:
        assert leader.get(url, {"period": "2019-06..2019-07"}).status_code == 200
    centre = district.children.get(code="T.TTHCC")
    for n in range(5):
        department = UnitFactory(code=f"T.D{n}", kind=UnitKind.DEPARTMENT, parent=district)
        procedure = ProcedureFactory(code=f"8.00000{n}")
        OfferingFactory(unit=centre, procedure=procedure, department=department)
        FilingFactory(unit=centre, procedure=procedure, month=6, received_online=1, received_direct=1)
        TargetFactory(unit=department, year=2019, kpi="online_rate", target=10)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        response = leader.get(url, {"period": "2019-06..2019-07"})
    assert len(response.context["departments"]) == 9


def test_the_page_workbook_has_a_sheet_by_department(leader, district):
    response = leader.get(reverse("reports:export_unit", args=["T.TTHCC"]), {"period": "2019-06..2019-07"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[-1]
    assert sheet.title == _("By department")
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(values) if row[1] == _("Code"))
    body = [row for row in values[start + 1 :] if any(cell is not None for cell in row)]
    assert [row[:5] for row in body] == [
        [1, "T.VHTT", "Phòng Văn hóa và Thông tin", 10, 8],
        [2, "T.TP", "Phòng Tư pháp", 40, 15],
        [2, "T.YT", "Phòng Y tế", 8, 3],
        [None, None, _("No department given"), 16, 4],
    ]
    assert [row[-2] for row in body] == [0.5, 0.4, None, None]
    # Without departments named, no such sheet.
    Offering.objects.filter(department__isnull=False).update(department=None)
    response = leader.get(reverse("reports:export_unit", args=["T.TTHCC"]), {"period": "2019-06..2019-07"})
    assert len(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets) == len(book.worksheets) - 1
