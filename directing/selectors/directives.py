"""The read path of directives: each assignment with its status, the JSON of `directive_status`, and what
a user may see."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from units.models import Unit

from ..models import Directive, TaskAssignment, TaskReport
from ..rules.directives import assignment_status


@dataclass(frozen=True)
class AssignmentRow:
    assignment: TaskAssignment
    status: str
    done_on: datetime.date | None
    report: TaskReport | None  # the report that counts: the latest not returned

    @property
    def unit(self):
        return self.assignment.unit

    @property
    def task(self):
        return self.assignment.task


def assignment_rows(assignments, today: datetime.date) -> list[AssignmentRow]:
    """Each assignment of the queryset with its status on `today` (directing.rules.directives.assignment_status) and
    the report that counts (the latest not returned). Two queries (one when there is none)."""
    assignments = list(
        assignments.select_related("task__directive", "unit").order_by("task__deadline", "task_id", "unit__code")
    )
    if not assignments:
        return []
    reports = {}
    for report in TaskReport.objects.filter(
        assignment__in=[a.pk for a in assignments], returned_at__isnull=True
    ).order_by("assignment_id", "id"):
        reports[report.assignment_id] = report  # the latest wins
    rows = []
    for assignment in assignments:
        report = reports.get(assignment.pk)
        done_on = report.done_on if report else None
        rows.append(
            AssignmentRow(assignment, assignment_status(assignment.task.deadline, done_on, today), done_on, report)
        )
    return rows


def directive_status(directive: Directive, today: datetime.date) -> dict:
    """The JSON of `manage.py directive_status` (CONTRACT.md, "directive_status --json")."""
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
                "units": [
                    {
                        "unit": row.unit.code,
                        "name": row.unit.name,
                        "status": str(row.status),
                        "done_on": row.done_on.isoformat() if row.done_on else None,
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
