"""Directives, tasks and assignments: statuses at the deadline boundary and relative to today, assigning
all communes under a unit, the report / confirm / return workflow and `manage.py directive_status`."""

import datetime
import json

import pytest

from core.errors import RowsRefused
from directing.models import TaskAssignment
from directing.rules.directives import assignment_status
from directing.selectors.directives import directive_status
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
from units.models import UnitKind

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2019, 7, 4)
DEADLINE = datetime.date(2019, 8, 9)
DAY = datetime.timedelta(days=1)


def test_statuses_at_the_deadline_boundary():
    assert assignment_status(DEADLINE, DEADLINE, DEADLINE + 10 * DAY) == "done"
    assert assignment_status(DEADLINE, DEADLINE + DAY, DEADLINE + 10 * DAY) == "done_late"
    assert assignment_status(DEADLINE, None, DEADLINE) == "open"  # the deadline day itself
    assert assignment_status(DEADLINE, None, DEADLINE + DAY) == "not_done"
    assert assignment_status(DEADLINE, None, ISSUED) == "open"


@pytest.fixture
def directive_world(city):
    """T issues a directive with one task assigned to all its communes valid on the day of issue (A; B
    ended on 30/06/2019, before it); a leader of T, a clerk of A."""
    t = city["T"]
    UnitFactory(code="T.C", name="Trung tâm T", kind=UnitKind.CENTER, parent=t)  # not a commune
    directive = directive_save(number="1/UBND", issued=ISSUED, issuer=t, title="Tuyên truyền")
    task = task_save(directive, title="Treo pano", deadline=DEADLINE)
    assert assignments_add(task, all_communes_under=t) == 1
    assignment = TaskAssignment.objects.get(task=task)
    leader = UserFactory(username="leader_t", role="leader", units=[t])
    clerk = UserFactory(username="clerk_a", role="clerk", units=[city["A"]])
    return {**city, "directive": directive, "task": task, "assignment": assignment, "leader": leader, "clerk": clerk}


def test_all_communes_under_a_unit_valid_on_the_day_of_issue(directive_world):
    assert directive_world["assignment"].unit.code == "A"
    assert assignments_add(directive_world["task"], all_communes_under=directive_world["T"]) == 0  # idempotent
    with pytest.raises(RowsRefused):
        assignments_add(directive_world["task"], [directive_world["B"]])  # ended before the day of issue


def test_task_deadline_before_issue_is_refused(directive_world):
    with pytest.raises(RowsRefused) as refused:
        task_save(directive_world["directive"], title="x", deadline=ISSUED - DAY)
    assert refused.value.problems[0][0][0] == "deadline"


def status_of(world, today):
    return directive_status(world["directive"], today)["tasks"][0]["units"][0]


def test_report_confirm_and_return(directive_world):
    w = directive_world
    assert status_of(w, DEADLINE)["status"] == "open"
    assert status_of(w, DEADLINE + DAY)["status"] == "not_done"
    with pytest.raises(RowsRefused):  # the leader's scope holds A too, but a future day is refused
        report_submit(w["assignment"], user=w["clerk"], done_on=DEADLINE + DAY, today=DEADLINE)
    report = report_submit(w["assignment"], user=w["clerk"], done_on=DEADLINE + DAY, today=DEADLINE + 5 * DAY)
    assert status_of(w, DEADLINE + 5 * DAY) == {
        "unit": "A",
        "name": "Phường A",
        "status": "done_late",
        "done_on": "2019-08-10",
    }
    with pytest.raises(RowsRefused):  # already reported
        report_submit(w["assignment"], user=w["clerk"], done_on=DEADLINE, today=DEADLINE + 5 * DAY)
    with pytest.raises(RowsRefused):  # a clerk does not decide
        report_confirm(report, user=w["clerk"])
    with pytest.raises(RowsRefused):  # a reason is needed
        report_return(report, user=w["leader"], reason=" ")
    with pytest.raises(RowsRefused, match="2.000"):  # as long as a unit-month's at most
        report_return(report, user=w["leader"], reason="x" * 2001)
    report_return(report, user=w["leader"], reason="Thiếu ảnh chụp")
    assert status_of(w, DEADLINE + 5 * DAY)["status"] == "not_done"  # a returned report does not count
    again = report_submit(w["assignment"], user=w["clerk"], done_on=DEADLINE, today=DEADLINE + 6 * DAY)
    assert status_of(w, DEADLINE + 6 * DAY)["status"] == "done"
    report_confirm(again, user=w["leader"])
    again.refresh_from_db()
    assert again.state == "confirmed" and again.confirmed_by == w["leader"]
    with pytest.raises(RowsRefused):
        report_return(again, user=w["leader"], reason="too late")


def test_a_user_outside_the_unit_does_not_report(directive_world):
    outsider = UserFactory(username="clerk_x", role="clerk", units=[directive_world["X"]])
    with pytest.raises(RowsRefused):
        report_submit(directive_world["assignment"], user=outsider, done_on=DEADLINE, today=DEADLINE)


def run(*argv):
    return run_command("directing", "directive_status", *argv)


def test_directive_status_command(directive_world):
    status, out, _err = run("1/UBND", "--json", "--today", "2019-08-10")
    assert status == 0
    assert json.loads(out) == {
        "directive": "1/UBND",
        "issued": "2019-07-04",
        "issuer": "T",
        "tasks": [
            {
                "title": "Treo pano",
                "deadline": "2019-08-09",
                "units": [{"unit": "A", "name": "Phường A", "status": "not_done", "done_on": None}],
            }
        ],
    }
    status, out, _err = run("1/UBND", "--today", "2019-08-01")
    assert status == 0
    assert out.splitlines()[-1].split() == ["A", "Phường", "A", "open"]
    status, out, err = run("9/XX")
    assert status == 2 and out == "" and "NUMBER" in err and len(err.strip().splitlines()) == 1
