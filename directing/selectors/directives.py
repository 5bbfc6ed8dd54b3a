"""The read path of directives: each assignment with its status, the JSON of `directive_status`, and what
a user may see."""

import datetime
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db.models import Q

from units.models import Unit

from ..models import Directive, TaskAssignment, TaskReport
from ..rules.directives import assignment_status, recurring_status, task_weeks, week_of, weeks_due


@dataclass(frozen=True)
class Weeks:
    """A recurring task's progress: the weeks done as often as asked, of those that count so far, of all."""

    met: int
    due: int
    total: int


@dataclass(frozen=True)
class AssignmentRow:
    assignment: TaskAssignment
    status: str
    done_on: datetime.date | None
    report: TaskReport | None  # the report that counts: the latest not returned
    weeks: Weeks | None = None  # a recurring task's progress

    @property
    def unit(self):
        return self.assignment.unit

    @property
    def task(self):
        return self.assignment.task


def assignment_rows(assignments, today: datetime.date) -> list[AssignmentRow]:
    """Each assignment of the queryset with its status on `today` and the report that counts (the latest
    not returned): directing.rules.directives.assignment_status for a task done once, recurring_status with
    the weeks met for a recurring one. Two queries (one when there is none)."""
    assignments = list(
        assignments.select_related("task__directive", "unit").order_by("task__deadline", "task_id", "unit__code")
    )
    if not assignments:
        return []
    reports, times = {}, defaultdict(lambda: defaultdict(int))
    for report in TaskReport.objects.filter(
        assignment__in=[a.pk for a in assignments], returned_at__isnull=True
    ).order_by("assignment_id", "id"):
        reports[report.assignment_id] = report  # the latest wins
        times[report.assignment_id][week_of(report.done_on)] += report.times or 0
    rows = []
    for assignment in assignments:
        task, report = assignment.task, reports.get(assignment.pk)
        done_on = report.done_on if report else None
        if not task.recurring:
            rows.append(AssignmentRow(assignment, assignment_status(task.deadline, done_on, today), done_on, report))
            continue
        weeks = weeks_due(task.directive.issued, task.deadline, today)
        status, met = recurring_status(weeks, times[assignment.pk], task.times_per_week, task.deadline, today)
        total = len(task_weeks(task.directive.issued, task.deadline))
        rows.append(AssignmentRow(assignment, status, done_on, report, Weeks(met, len(weeks), total)))
    return rows


@dataclass(frozen=True)
class WeekRow:
    monday: datetime.date
    times: int  # reported that week (reports not returned)
    met: bool  # done as often as the task asks
    counts: bool  # the week has ended, or the deadline has passed (weeks_due)

    @property
    def sunday(self):
        return self.monday + datetime.timedelta(days=6)


def week_table(task, reports, today: datetime.date) -> list[WeekRow]:
    """A recurring task's weeks for one assignment with the times its reports (not returned) say."""
    times = defaultdict(int)
    for report in reports:
        if report.returned_at is None:
            times[week_of(report.done_on)] += report.times or 0
    due = set(weeks_due(task.directive.issued, task.deadline, today))
    return [
        WeekRow(week, times[week], times[week] >= task.times_per_week, week in due)
        for week in task_weeks(task.directive.issued, task.deadline)
    ]


def directive_status(directive: Directive, today: datetime.date) -> dict:
    """The JSON of `manage.py directive_status` (CONTRACT.md, "directive_status --json"); a recurring task
    also has `times_per_week`, and each of its units `weeks` (met, due so far, total)."""
    rows = assignment_rows(TaskAssignment.objects.filter(task__directive=directive), today)
    by_task = {}
    for row in rows:
        by_task.setdefault(row.task.pk, []).append(row)
    return {
        "directive": directive.number,
        "issued": directive.issued.isoformat(),
        "issuer": directive.issuer.code,
        "tasks": [
            {
                "title": task.title,
                "deadline": task.deadline.isoformat(),
                **({"times_per_week": task.times_per_week} if task.recurring else {}),
                "units": [
                    {
                        "unit": row.unit.code,
                        "name": row.unit.name,
                        "status": str(row.status),
                        "done_on": row.done_on.isoformat() if row.done_on else None,
                        **({"weeks": asdict(row.weeks)} if row.weeks else {}),
                    }
                    for row in by_task.get(task.pk, [])
                ],
            }
            for task in directive.tasks.order_by("deadline", "id")
        ],
    }


def assignments_for_user(user):
    """The assignments of the units in `user`'s scope (Unit.objects.for_user)."""
    return TaskAssignment.objects.filter(unit__in=Unit.objects.for_user(user))


def directives_for_user(user):
    """Directives a user may open: issued by a unit in their scope, or assigning a task to one."""
    scope = Unit.objects.for_user(user)
    return Directive.objects.filter(Q(issuer__in=scope) | Q(tasks__assignments__unit__in=scope)).distinct()
