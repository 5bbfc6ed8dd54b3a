"""The directing pages: the directive's status table, the overdue list, the report form and the leader's
confirm / return, each in the user's scope only (another unit's directive, assignment or report: 404)."""

import datetime

import pytest
from django.urls import reverse

from directing.models import TaskAssignment, TaskReport
from directing.services.directives import assignments_add, directive_save, report_submit, task_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2019, 7, 4)
DEADLINE = datetime.date(2019, 8, 9)


@pytest.fixture
def pages(city):
    """T's directive assigned to A; X's directive assigned to X itself, outside the clerk's scope."""
    ours = directive_save(number="1/UBND", issued=ISSUED, issuer=city["T"], title="Tuyên truyền")
    task = task_save(ours, title="Treo pano", deadline=DEADLINE)
    assignments_add(task, [city["A"]])
    theirs = directive_save(number="9/XA-LA", issued=ISSUED, issuer=city["X"], title="Bí mật Xa Lạ")
    their_task = task_save(theirs, title="Việc bí mật", deadline=DEADLINE)
    assignments_add(their_task, [city["X"]])
    their_assignment = TaskAssignment.objects.get(task=their_task)
    x_leader = UserFactory(username="leader_x", role="leader", units=[city["X"]])
    their_report = report_submit(their_assignment, user=x_leader, done_on=DEADLINE, today=DEADLINE)
    return {
        "ours": ours,
        "assignment": TaskAssignment.objects.get(task=task),
        "theirs": theirs,
        "their_assignment": their_assignment,
        "their_report": their_report,
        "clerk": UserFactory(username="clerk_a", role="clerk", units=[city["A"]]),
        "leader": UserFactory(username="leader_t", role="leader", units=[city["T"]]),
    }


def test_another_units_directive_assignment_and_report_answer_404(client, pages):
    client.force_login(pages["clerk"])
    for method, url, data in [
        ("get", reverse("directing:directive", args=[pages["theirs"].pk]), {}),
        ("get", reverse("directing:report", args=[pages["their_assignment"].pk]), {}),
        ("post", reverse("directing:report", args=[pages["their_assignment"].pk]), {"done_on": "2019-08-01"}),
        ("post", reverse("directing:decide", args=[pages["their_report"].pk]), {"action": "return", "reason": "x"}),
        ("get", reverse("directing:overdue"), {"unit": "X"}),
    ]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
        assert "Bí mật" not in response.content.decode()
    assert TaskReport.objects.get(pk=pages["their_report"].pk).state == "pending"
    page = client.get(reverse("directing:overdue")).content.decode()
    assert "1/UBND" in page and "9/XA-LA" not in page and "Việc bí mật" not in page


def test_report_then_confirm_on_the_pages(client, pages):
    client.force_login(pages["clerk"])
    directive_url = reverse("directing:directive", args=[pages["ours"].pk])
    page = client.get(directive_url).content.decode()
    assert "Phường A" in page and "Treo pano" in page
    overdue = client.get(reverse("directing:overdue")).content.decode()
    assert "Treo pano" in overdue  # the deadline of 2019 has passed
    report_url = reverse("directing:report", args=[pages["assignment"].pk])
    assert client.get(report_url).status_code == 200
    response = client.post(report_url, {"done_on": "2099-01-01", "note": ""})
    assert response.status_code == 200 and not TaskReport.objects.filter(assignment=pages["assignment"]).exists()
    response = client.post(report_url, {"done_on": "2019-08-09", "note": "Đã treo 2 pano"})
    assert response.status_code == 302
    report = TaskReport.objects.get(assignment=pages["assignment"])
    assert report.reported_by == pages["clerk"] and report.state == "pending"
    assert "Treo pano" not in client.get(reverse("directing:overdue")).content.decode()
    # The clerk may not decide.
    decide_url = reverse("directing:decide", args=[report.pk])
    assert client.post(decide_url, {"action": "confirm"}).status_code == 403
    client.force_login(pages["leader"])
    assert 'value="confirm"' in client.get(directive_url).content.decode()
    assert client.post(decide_url, {"action": "confirm"}).status_code == 302
    report.refresh_from_db()
    assert report.state == "confirmed" and report.confirmed_by == pages["leader"]


def test_return_with_a_reason_on_the_pages(client, pages):
    report = report_submit(pages["assignment"], user=pages["clerk"], done_on=DEADLINE, today=DEADLINE)
    client.force_login(pages["leader"])
    decide_url = reverse("directing:decide", args=[report.pk])
    client.post(decide_url, {"action": "return", "reason": ""})
    report.refresh_from_db()
    assert report.state == "pending"  # no reason: refused
    # The page's field takes as much as the service does; more is refused with the limit named.
    page = client.get(reverse("directing:directive", args=[pages["ours"].pk])).content.decode()
    assert 'name="reason" type="text" maxlength="2000"' in page
    response = client.post(decide_url, {"action": "return", "reason": "x" * 2001}, follow=True)
    assert any("2.000" in str(m) for m in response.context["messages"])
    report.refresh_from_db()
    assert report.state == "pending"
    client.post(decide_url, {"action": "return", "reason": "Thiếu ảnh"})
    report.refresh_from_db()
    assert report.state == "returned" and report.return_reason == "Thiếu ảnh"
    client.force_login(pages["clerk"])
    page = client.get(reverse("directing:report", args=[pages["assignment"].pk])).content.decode()
    assert "Thiếu ảnh" in page


def test_the_unit_page_lists_the_open_and_overdue_tasks_of_its_units(client, pages):
    client.force_login(pages["leader"])
    html = client.get(reverse("reports:unit", args=["T"]), {"period": "2019"}).content.decode()
    panel = html[html.index('id="tasks-panel"') :]
    assert "1/UBND" in panel and "Treo pano" in panel and "Phường A" in panel
    assert "9/XA-LA" not in html  # another city's task
    report_submit(pages["assignment"], user=pages["clerk"], done_on=DEADLINE, today=DEADLINE)
    html = client.get(reverse("reports:unit", args=["T"]), {"period": "2019"}).content.decode()
    assert 'id="tasks-panel"' not in html  # done: nothing open left


def test_the_home_page_lists_the_open_and_overdue_tasks_of_the_users_units(client, pages):
    client.force_login(pages["clerk"])
    html = client.get(reverse("home"), {"period": "2019"}).content.decode()
    panel = html[html.index('id="tasks-panel"') :]
    assert "1/UBND" in panel and "Treo pano" in panel
    assert "9/XA-LA" not in html
