"""The demo's inspection (demo.inspection_plan): Hải Phòng city inspected seven units in October 2018, three
departments and four districts, on infrastructure, staff, outreach and the electronic one-stop system; the
report was due on 15 November 2018 and made on time; three recommendations of the conclusion are tracked
like any task (done, done late, not done)."""

import datetime

import pytest
from django.urls import reverse

from demo import inspection_plan
from demo.seeding import _write_inspection
from directing.models import Inspection, TaskAssignment
from directing.rules.inspections import report_status
from directing.selectors.directives import assignment_rows
from directing.selectors.inspections import findings_matrix
from tests.factories import UserFactory
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection(seeded):
    return Inspection.objects.select_related("inspector", "conclusion").get(number=inspection_plan.NUMBER)


def test_hai_phong_inspected_seven_units_in_2018(inspection):
    assert inspection.inspector.code == "31"
    assert (inspection.start, inspection.end) == (datetime.date(2018, 10, 8), datetime.date(2018, 10, 26))
    visits = list(inspection.visits.select_related("unit"))
    assert len(visits) == 7
    kinds = sorted(visit.unit.kind for visit in visits)
    assert kinds == [UnitKind.DEPARTMENT] * 3 + [UnitKind.DISTRICT] * 4
    assert all(visit.unit.parent.code == "31" for visit in visits)
    assert all(inspection.start <= visit.date <= inspection.end for visit in visits)
    assert [topic.title for topic in inspection.topics.all()] == [
        "Cơ sở vật chất, trang thiết bị",
        "Nhân lực",
        "Công tác tuyên truyền",
        "Hệ thống một cửa điện tử",
    ]
    assert len(inspection.team.splitlines()) == 4


def test_the_report_was_due_in_the_first_half_of_november(inspection):
    assert inspection.report_due == datetime.date(2018, 11, 15)
    assert inspection.reported_on == datetime.date(2018, 11, 13) and inspection.report
    assert report_status(inspection.report_due, inspection.reported_on, datetime.date(2026, 1, 1)) == "on_time"


def test_every_visit_has_a_finding_on_every_topic(inspection):
    matrix = findings_matrix(inspection, inspection.visits.select_related("unit"))
    assert len(matrix.rows) == 7 and all(row.complete for row in matrix.rows)
    results = [cell.result for row in matrix.rows for cell in row.cells]
    assert {"meets", "partly", "fails"} == set(results)


def test_the_recommendations_are_tracked_like_any_task(inspection):
    conclusion = inspection.conclusion
    assert conclusion.number == "198/KH-UBND/KL" and conclusion.issuer.code == "31"
    assert conclusion.tasks.count() == 3
    rows = assignment_rows(TaskAssignment.objects.filter(task__directive=conclusion), datetime.date(2026, 1, 1))
    statuses = {(row.task.title, row.unit.code): row.status for row in rows}
    assert set(statuses.values()) == {"done", "done_late", "not_done"}
    assert statuses[inspection_plan.RECOMMENDATIONS[0].title, "306"] == "done_late"
    assert statuses[inspection_plan.RECOMMENDATIONS[2].title, "305"] == "not_done"
    # Only the visited units that fell short on the recommendation's topic.
    assert {code for _title, code in statuses} <= {code for code, _day in inspection_plan.VISITS}
    assert "31.STTTT" not in {code for _title, code in statuses}


def test_writing_the_inspection_again_changes_nothing(inspection):
    units = Unit.objects.in_bulk(field_name="code")
    assert _write_inspection(units, datetime.date.today()).created == 0
    # Before the plan was signed, nothing is written.
    assert _write_inspection(units, datetime.date(2018, 9, 1)).created == 0


def test_a_visited_district_sees_its_own_row_only(inspection, client):
    client.force_login(UserFactory(username="canbo.ngoquyen", role="clerk", units=[Unit.objects.get(code="304")]))
    page = client.get(reverse("directing:inspection", args=[inspection.pk])).content.decode()
    assert "Chưa có máy tính tra cứu" in page  # 304's own finding
    assert "Trang thiết bị đã cũ" not in page  # 306's
    client.force_login(UserFactory(username="lanhdao31", role="leader", units=[Unit.objects.get(code="31")]))
    page = client.get(reverse("directing:inspection", args=[inspection.pk])).content.decode()
    assert "Chưa có máy tính tra cứu" in page and "Trang thiết bị đã cũ" in page and 'id="report-form"' in page
