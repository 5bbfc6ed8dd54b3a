"""A recurring task (broadcasting three times a week until the deadline) is reported week by week: its
weeks, the status from the weeks met, the refusals of its reports, the leader's confirmation, the JSON of
directive_status and the report page."""

import datetime

import pytest
from django.urls import reverse
from django.utils.translation import override

from core.errors import RowsRefused
from directing.models import TaskAssignment, TaskReport
from directing.rules.directives import task_weeks, weeks_due
from directing.selectors.directives import assignment_rows, directive_status
from directing.services.directives import (
    assignments_add,
    directive_save,
    report_confirm,
    report_return,
    report_submit,
    task_save,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


ISSUED = datetime.date(2019, 7, 4)  # a Thursday
DEADLINE = datetime.date(2019, 8, 9)  # a Friday
MONDAYS = [datetime.date(2019, 7, 8) + datetime.timedelta(weeks=k) for k in range(5)]
AFTER = datetime.date(2019, 8, 20)


def d(text):
    return datetime.date.fromisoformat(text)


def test_the_weeks_of_a_recurring_task():
    assert task_weeks(ISSUED, DEADLINE) == MONDAYS  # from the first whole week to the deadline's week
    assert task_weeks(d("2019-07-08"), d("2019-07-21")) == MONDAYS[:2]  # issued on a Monday: that week
    assert task_weeks(d("2019-07-04"), d("2019-07-06")) == [d("2019-07-01")]  # shorter: the week of issue
    # Before the deadline only the weeks ended count; after it, all.
    assert weeks_due(ISSUED, DEADLINE, d("2019-07-22")) == MONDAYS[:2]
    assert weeks_due(ISSUED, DEADLINE, d("2019-07-21")) == MONDAYS[:1]
    assert weeks_due(ISSUED, DEADLINE, d("2019-08-10")) == MONDAYS


@pytest.fixture
def broadcast(city):
    directive = directive_save(number="1574/UBND-VHTT", issued=ISSUED, issuer=city["T"], title="Tuyên truyền")
    task = task_save(directive, title="Phát thanh", deadline=DEADLINE, recurrence="3 lần/tuần", times_per_week=3)
    assignments_add(task, [city["A"]])
    return {"task": task, "assignment": TaskAssignment.objects.get(task=task), "directive": directive}


def report_week(assignment, monday, times, today=AFTER):
    return report_submit(assignment, user=None, done_on=monday + datetime.timedelta(days=2), times=times, today=today)


def row(broadcast, today):
    return assignment_rows(TaskAssignment.objects.filter(pk=broadcast["assignment"].pk), today)[0]


def test_done_when_every_week_was_done_as_often_as_asked(broadcast):
    for monday in MONDAYS:
        report_week(broadcast["assignment"], monday, 3)
    found = row(broadcast, AFTER)
    assert (found.status, found.weeks.met, found.weeks.due, found.weeks.total) == ("done", 5, 5, 5)
    assert found.done_on == MONDAYS[-1] + datetime.timedelta(days=2)


def test_not_done_when_a_week_fell_short_and_open_until_the_deadline(broadcast):
    for monday, times in zip(MONDAYS, [3, 2, 3, 3, 3], strict=True):
        report_week(broadcast["assignment"], monday, times)
    before = row(broadcast, d("2019-07-29"))  # three weeks ended, the second short
    assert (before.status, before.weeks.met, before.weeks.due) == ("open", 2, 3)
    after = row(broadcast, AFTER)
    assert (after.status, after.weeks.met, after.weeks.due) == ("not_done", 4, 5)
    # Without a single report: not done after the deadline, like any task.
    TaskReport.objects.all().delete()
    assert row(broadcast, AFTER).status == "not_done"


def test_two_reports_of_one_week_add_up(broadcast):
    assignment = broadcast["assignment"]
    report_submit(assignment, user=None, done_on=d("2019-07-08"), times=1, today=AFTER)
    with pytest.raises(RowsRefused) as refused:
        report_submit(assignment, user=None, done_on=d("2019-07-12"), times=2, today=AFTER)
    assert refused.value.problems == {0: [("done_on", "the week of 08/07/2019 is already reported")]}
    # Returned, the week is reported again.
    leader = UserFactory(username="leader_t", role="leader", units=[assignment.task.directive.issuer])
    report_return(TaskReport.objects.get(), user=leader, reason="Thiếu biên bản")
    report_submit(assignment, user=None, done_on=d("2019-07-12"), times=3, today=AFTER)
    assert row(broadcast, d("2019-07-15")).weeks.met == 1


@pytest.mark.parametrize(
    "times, done_on, field, message",
    [
        (None, "2019-07-10", "times", "say how many times it was done that week (1 to 100)"),
        (0, "2019-07-10", "times", "say how many times it was done that week (1 to 100)"),
        (101, "2019-07-10", "times", "say how many times it was done that week (1 to 100)"),
        (3, "2019-08-12", "done_on", "the task ended on 09/08/2019"),
        (3, "2019-07-03", "done_on", "03/07/2019 is before the directive was issued (04/07/2019)"),
    ],
)
def test_a_weeks_report_refused_names_the_field_and_writes_nothing(broadcast, times, done_on, field, message):
    with pytest.raises(RowsRefused) as refused:
        report_submit(broadcast["assignment"], user=None, done_on=d(done_on), times=times, today=AFTER)
    assert refused.value.problems == {0: [(field, message)]}
    assert not TaskReport.objects.exists()


def test_a_task_done_once_takes_no_times(city, broadcast):
    once = task_save(broadcast["directive"], title="Treo pano", deadline=DEADLINE)
    assignments_add(once, [city["A"]])
    with pytest.raises(RowsRefused) as refused:
        report_submit(TaskAssignment.objects.get(task=once), user=None, done_on=d("2019-07-10"), times=3, today=AFTER)
    assert refused.value.problems[0][0][0] == "times"


def test_confirming_a_week_confirms_the_earlier_weeks_waiting(broadcast):
    first = report_week(broadcast["assignment"], MONDAYS[0], 3)
    second = report_week(broadcast["assignment"], MONDAYS[1], 3)
    third = report_week(broadcast["assignment"], MONDAYS[2], 3)
    leader = UserFactory(username="leader_t", role="leader", units=[broadcast["directive"].issuer])
    report_confirm(second, user=leader)
    states = {r.pk: r.state for r in TaskReport.objects.all()}
    assert states == {first.pk: "confirmed", second.pk: "confirmed", third.pk: "pending"}


def test_directive_status_says_the_weeks(broadcast):
    for monday in MONDAYS[:4]:
        report_week(broadcast["assignment"], monday, 3)
    task = directive_status(broadcast["directive"], AFTER)["tasks"][0]
    assert task["times_per_week"] == 3
    assert task["units"] == [
        {
            "unit": "A",
            "name": "Phường A",
            "status": "not_done",
            "done_on": "2019-07-31",
            "weeks": {"met": 4, "due": 5, "total": 5},
        }
    ]


def test_the_report_page_of_a_recurring_task(client, city, broadcast, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: d("2019-07-24"))
    clerk = UserFactory(username="clerk_a", role="clerk", units=[city["A"]])
    client.force_login(clerk)
    url = reverse("directing:report", args=[broadcast["assignment"].pk])
    response = client.post(url, {"done_on": "2019-07-09", "note": "Bản tin sáng"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not TaskReport.objects.exists()
    assert 'name="times"' in response.content.decode()
    response = client.post(url, {"done_on": "2019-07-09", "times": "3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    weeks = page[page.index('id="weeks"') : page.index("</table>", page.index('id="weeks"'))]
    assert weeks.count("<tr>") == 6  # the header and five weeks
    assert "08/07/2019 – 14/07/2019" in weeks and "05/08/2019 – 11/08/2019" in weeks
    assert weeks.count("task-status--done") == 1 and weeks.count("task-status--not_done") == 1  # 15/07 week ended
    directive_page = client.get(
        reverse("directing:directive", args=[broadcast["directive"].pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "1/2 tuần (tổng 5 tuần)" in directive_page.content.decode()
