"""manage.py send_reminders: a clerk hears of the figures due within three days and of the tasks due within
three days or overdue, a leader of the months and task reports waiting for a decision; each only of the
units in their scope, in Vietnamese, with links, once a day."""

import datetime
import re
from unittest import mock

import pytest
from django.core import mail

from directing.models import Reminder, TaskAssignment
from directing.services.directives import assignments_add, directive_save, report_submit, task_save
from filings.models import UnitMonth, UnitMonthStatus
from tests.commands import run_command
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2019, 7, 4)
DEADLINE = datetime.date(2019, 8, 9)
# July 2019's figures close on 10/08/2019 (FILINGS_ENTRY_CLOSE_DAYS = 10).
TODAY = datetime.date(2019, 8, 7)


@pytest.fixture
def people(city, settings):
    settings.SITE_URL = "https://dvc.example.vn/"
    directive = directive_save(number="1574/UBND-VHTT", issued=ISSUED, issuer=city["T"], title="Tuyên truyền")
    task = task_save(directive, title="Treo pano", deadline=DEADLINE)
    assignments_add(task, [city["A"]])
    secret = directive_save(number="9/XA-LA", issued=ISSUED, issuer=city["X"], title="Việc của X")
    assignments_add(task_save(secret, title="Việc bí mật của X", deadline=DEADLINE), [city["X"]])

    def user(username, role, unit, email=True):
        return UserFactory(username=username, role=role, units=[unit], email=f"{username}@example.vn" if email else "")

    return {
        "task": task,
        "clerk_a": user("clerk_a", "clerk", city["A"]),
        "clerk_x": user("clerk_x", "clerk", city["X"]),
        "leader_t": user("leader_t", "leader", city["T"]),
        "leader_x": user("leader_x", "leader", city["X"]),
        "no_mail": user("no_mail", "clerk", city["A"], email=False),
    }


def send(*argv):
    return run_command("directing", "send_reminders", *argv)


def mail_to(username):
    found = [m for m in mail.outbox if m.to == [f"{username}@example.vn"]]
    assert len(found) <= 1
    return found[0] if found else None


def test_a_clerk_hears_of_a_task_due_within_three_days_in_vietnamese_with_a_link(people):
    status, out, _err = send("--today", "2019-08-07")
    assert status == 0
    message = mail_to("clerk_a")
    assert message is not None
    assert message.subject == "[dvc-portal] Nhắc việc ngày 07/08/2019: 1 việc cần làm"
    assignment = TaskAssignment.objects.get(task=people["task"])
    assert "Nhiệm vụ đến hạn trong ba ngày hoặc quá hạn (1)" in message.body
    assert "1574/UBND-VHTT: Treo pano · hạn 09/08/2019" in message.body
    assert f"https://dvc.example.vn/directing/assignments/{assignment.pk}/report/" in message.body
    # Scope: X's clerk hears of X's task only, A's clerk never of X's.
    assert "Việc bí mật" not in message.body
    assert "Treo pano" not in mail_to("clerk_x").body
    # No address, no mail; the outcome is counted.
    assert not [m for m in mail.outbox if "no_mail" in m.to[0]]
    assert re.match(r"2019-08-07: 2 sent, 0 already reminded today, \d+ with nothing due, 0 failed", out)


def test_a_task_due_later_is_not_reminded_and_an_overdue_one_is(people):
    send("--today", "2019-08-05")  # due in four days
    assert mail_to("clerk_a") is None
    mail.outbox.clear()
    send("--today", "2019-09-20")
    assert "Treo pano · quá hạn từ 09/08/2019" in mail_to("clerk_a").body


def test_a_reported_task_is_no_longer_reminded_and_the_leader_hears_of_the_report(people):
    assignment = TaskAssignment.objects.get(task=people["task"])
    report_submit(assignment, user=people["clerk_a"], done_on=datetime.date(2019, 8, 6), today=TODAY)
    send("--today", "2019-08-07")
    assert mail_to("clerk_a") is None
    body = mail_to("leader_t").body
    assert "Báo cáo nhiệm vụ chờ anh/chị xác nhận (1)" in body
    assert "A – Phường A · 1574/UBND-VHTT: Treo pano · làm xong ngày 06/08/2019" in body
    assert f"https://dvc.example.vn/directing/{people['task'].directive_id}/" in body
    # X's leader decides nothing of T's directive.
    assert mail_to("leader_x") is None


def test_figures_due_within_three_days_and_months_waiting_for_approval(city, people):
    OfferingFactory(unit=city["A"])
    OfferingFactory(unit=city["X"])
    UnitMonth.objects.create(
        unit=city["X"], year=2019, month=7, status=UnitMonthStatus.SUBMITTED, submitted_by=people["clerk_x"]
    )
    send("--today", "2019-08-07")
    clerk = mail_to("clerk_a").body
    assert "Số liệu tháng đến hạn trong ba ngày (1)" in clerk
    assert "A – Phường A · 07/2019" in clerk and "hạn 10/08/2019" in clerk
    assert "https://dvc.example.vn/filings/A/2019-07/" in clerk
    leader = mail_to("leader_x").body
    assert "Tháng chờ anh/chị phê duyệt (1)" in leader
    assert "https://dvc.example.vn/filings/X/2019-07/" in leader
    assert "Phường A" not in leader
    # X submitted, so X's clerk has no figures due; T's leader has no month of X.
    assert "Số liệu tháng" not in mail_to("clerk_x").body
    assert mail_to("leader_t") is None or "Tháng chờ" not in mail_to("leader_t").body


def test_one_mail_per_person_per_day(people):
    send("--today", "2019-08-07")
    first = len(mail.outbox)
    status, out, _err = send("--today", "2019-08-07")
    assert status == 0 and len(mail.outbox) == first
    assert "0 sent, 2 already reminded today" in out
    send("--today", "2019-08-08")
    assert len(mail.outbox) == 2 * first
    assert Reminder.objects.filter(user=people["clerk_a"]).count() == 2


def test_a_failed_mail_is_reported_and_sent_on_the_next_run(people):
    with mock.patch("directing.services.reminders.send_mail", side_effect=ConnectionRefusedError("no server")):
        status, _out, err = send("--today", "2019-08-07")
    assert status == 1
    assert "failed: clerk_a: ConnectionRefusedError: no server" in err
    assert not Reminder.objects.exists()
    status, out, _err = send("--today", "2019-08-07")
    assert status == 0 and mail_to("clerk_a") is not None


def test_a_dry_run_sends_and_records_nothing(people):
    status, out, _err = send("--today", "2019-08-07", "--dry-run")
    assert status == 0 and out.startswith("2019-08-07: 2 would be sent")
    assert not mail.outbox and not Reminder.objects.exists()


def test_a_bad_day_is_a_usage_error(people):
    status, _out, err = send("--today", "7/8/2019")
    assert status == 2
    assert "--today: '7/8/2019' is not a date (YYYY-MM-DD)" in err
