"""What the daily reminder tells each person (manage.py send_reminders): a clerk, the monthly figures due
within REMINDER_DAYS or returned for correction and the tasks due within REMINDER_DAYS or overdue; a
leader, the months and the task reports waiting for their decision. Read only; directing.services.reminders
sends the mails."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from accounts.models import Role, User
from filings.models import UnitMonthStatus
from filings.selectors import open_unit_months, unit_months_in_scope
from units.models import Unit

from ..models import TaskReport, TaskStatus
from .directives import assignment_rows, assignments_for_user

# Figures and tasks due within this many days are reminded of.
REMINDER_DAYS = 3
# Items listed per section of a mail; the rest are counted, and the page behind the link lists them.
ITEMS_SHOWN = 20


@dataclass(frozen=True)
class Item:
    title: str  # the unit and what is due, e.g. "06766 – Phường Cẩm Sơn · 11/2026"
    detail: str  # a directive's number and a task, a status, a reason for return
    due: datetime.date | None
    path: str  # the page where it is done (relative)
    overdue: bool = False


@dataclass
class Section:
    key: str  # figures, returned, tasks, months_waiting, reports_waiting
    items: list[Item] = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.items)


@dataclass
class Digest:
    user: User
    sections: list[Section]

    @property
    def count(self):
        return sum(section.total for section in self.sections)


def _section(key, items):
    items = list(items)
    return Section(key, items[:ITEMS_SHOWN], len(items))


def _month_path(unit, month):
    return reverse("filings:entry", args=[unit.code, month.year, month.month])


def clerk_sections(user, today: datetime.date) -> list[Section]:
    """A clerk's figures due within REMINDER_DAYS (open and not submitted) or returned, and the tasks of
    their units due within REMINDER_DAYS or overdue."""
    horizon = today + datetime.timedelta(days=REMINDER_DAYS)
    months, _total = open_unit_months(user, today=today, limit=10_000)
    figures = [
        Item(
            f"{m.unit.code} – {m.unit.name} · {m.month.month:02d}/{m.month.year}",
            str(m.status_label),
            m.open_until,
            _month_path(m.unit, m.month),
        )
        for m in months
        if m.open_until <= horizon
    ]
    returned = [
        Item(
            f"{um.unit.code} – {um.unit.name} · {um.month:02d}/{um.year}",
            um.return_reason,
            None,
            reverse("filings:entry", args=[um.unit.code, um.year, um.month]),
        )
        for um in unit_months_in_scope(user, statuses=[UnitMonthStatus.RETURNED], limit=10_000)
    ]
    tasks = [
        Item(
            f"{row.unit.code} – {row.unit.name}",
            f"{row.task.directive.number}: {row.task.title}",
            row.task.deadline,
            reverse("directing:report", args=[row.assignment.pk]),
            overdue=row.status == TaskStatus.NOT_DONE,
        )
        for row in assignment_rows(assignments_for_user(user).filter(task__deadline__lte=horizon), today)
        if row.status in (TaskStatus.OPEN, TaskStatus.NOT_DONE)
    ]
    return [_section("figures", figures), _section("returned", returned), _section("tasks", tasks)]


def leader_sections(user, today: datetime.date) -> list[Section]:
    """The months submitted in a leader's scope by someone else, and the pending reports of tasks of
    directives issued by a unit in their scope."""
    months = [
        Item(
            f"{um.unit.code} – {um.unit.name} · {um.month:02d}/{um.year}",
            "",
            None,
            reverse("filings:entry", args=[um.unit.code, um.year, um.month]),
        )
        for um in unit_months_in_scope(user, statuses=[UnitMonthStatus.SUBMITTED], limit=10_000)
        if um.submitted_by_id != user.pk
    ]
    reports = [
        Item(
            f"{report.assignment.unit.code} – {report.assignment.unit.name}",
            f"{report.assignment.task.directive.number}: {report.assignment.task.title}",
            report.done_on,
            reverse("directing:directive", args=[report.assignment.task.directive_id]),
        )
        for report in TaskReport.objects.filter(
            confirmed_at__isnull=True,
            returned_at__isnull=True,
            assignment__task__directive__issuer__in=Unit.objects.for_user(user),
        )
        .select_related("assignment__unit", "assignment__task__directive")
        .order_by("reported_at", "id")
    ]
    return [_section("months_waiting", months), _section("reports_waiting", reports)]


def recipients():
    """Active clerks and leaders with an e-mail address and at least one unit (administrators see every
    unit and are not reminded)."""
    return (
        User.objects.filter(is_active=True, role__in=[Role.CLERK, Role.LEADER], units__isnull=False)
        .exclude(Q(email="") | Q(email__isnull=True))
        .distinct()
        .order_by("pk")
    )


def digest_for(user, today: datetime.date) -> Digest:
    """What to remind `user` of on `today`; sections without items left out."""
    sections = clerk_sections(user, today) if user.role == Role.CLERK else leader_sections(user, today)
    return Digest(user, [section for section in sections if section.total])
