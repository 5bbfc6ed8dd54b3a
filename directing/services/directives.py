"""The write path of directives, their tasks, the assignments of tasks to units and the units' reports:
directive_save, task_save, assignments_add, report_submit, report_confirm, report_return."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RowsRefused
from filings.rules import reason_too_long
from units.models import Unit, UnitKind

from ..documents import document_problem
from ..models import Directive, Task, TaskAssignment, TaskReport
from ..rules.directives import MAX_TIMES_PER_WEEK, WEEK, week_of
from ..rules.validity import unit_inactive_on_reason
from ..versions import units_written


def _refuse(field, reason):
    raise RowsRefused({0: [(field, str(reason))]})


# --- directives, tasks, assignments ---------------------------------------------------------------------


def directive_save(*, number: str, issued: datetime.date, issuer: Unit, title: str, file=None) -> Directive:
    """Create or update a directive by its number. Refuses (RowsRefused, one row) an empty number or
    title, or an issuing unit that did not exist on the day of issue."""
    number, title = (number or "").strip(), (title or "").strip()
    if not number:
        _refuse("number", _("a number is required"))
    if not title:
        _refuse("title", _("a title is required"))
    if not issuer.is_valid_on(issued):
        _refuse("issuer", unit_inactive_on_reason(issuer, issued))
    if problem := document_problem(file):
        _refuse("file", problem)
    values = {"issued": issued, "issuer": issuer, "title": title}
    if file is not None:
        values["file"] = file
    directive, _created = Directive.objects.update_or_create(number=number, defaults=values)
    return directive


def task_save(
    directive: Directive, *, title: str, deadline: datetime.date, recurrence: str = "", times_per_week=None
) -> Task:
    """Create or update a directive's task by its title. Refuses a deadline before the day of issue and a
    number of times per week outside 1..7."""
    title = (title or "").strip()
    if not title:
        _refuse("title", _("a title is required"))
    if deadline < directive.issued:
        _refuse(
            "deadline",
            _("the deadline %(deadline)s is before the directive was issued (%(issued)s)")
            % {"deadline": f"{deadline:%d/%m/%Y}", "issued": f"{directive.issued:%d/%m/%Y}"},
        )
    if times_per_week is not None and not 1 <= times_per_week <= 7:
        _refuse("times_per_week", _("%(value)s is not between 1 and 7") % {"value": times_per_week})
    task, _created = Task.objects.update_or_create(
        directive=directive,
        title=title,
        defaults={"deadline": deadline, "recurrence": (recurrence or "").strip(), "times_per_week": times_per_week},
    )
    return task


def communes_under(unit: Unit, day: datetime.date):
    """The communes and wards of `unit`'s subtree that existed on `day`."""
    return Unit.objects.subtree(unit).filter(kind=UnitKind.COMMUNE).valid_on(day)


def assignments_add(task: Task, units=(), *, all_communes_under: Unit | None = None) -> int:
    """Assign `task` to `units` and, with `all_communes_under`, to every commune and ward of that unit's
    subtree that existed on the directive's day of issue. A unit already assigned stays as it is. Refuses
    (RowsRefused, by position in `units`) a unit that did not exist on that day. Returns how many
    assignments were added."""
    day = task.directive.issued
    units = list(units)
    problems = {
        position: [("unit", unit_inactive_on_reason(unit, day))]
        for position, unit in enumerate(units)
        if not unit.is_valid_on(day)
    }
    if problems:
        raise RowsRefused(problems)
    if all_communes_under is not None:
        units += list(communes_under(all_communes_under, day))
    with transaction.atomic():
        assigned = set(TaskAssignment.objects.filter(task=task).values_list("unit_id", flat=True))
        new = [
            TaskAssignment(task=task, unit=unit)
            for unit in {u.pk: u for u in units}.values()
            if unit.pk not in assigned
        ]
        TaskAssignment.objects.bulk_create(new)
        units_written(assignment.unit_id for assignment in new)
    return len(new)


# --- reports: report done, confirm, return ------------------------------------------------------------


def may_report(user, assignment: TaskAssignment) -> bool:
    """A user whose scope holds the assigned unit reports for it."""
    return Unit.objects.for_user(user).filter(pk=assignment.unit_id).exists()


def may_decide(user, assignment: TaskAssignment) -> bool:
    """A leader (User.can_decide) whose scope holds the issuing unit confirms or returns reports."""
    return user.can_decide and Unit.objects.for_user(user).filter(pk=assignment.task.directive.issuer_id).exists()


def report_submit(
    assignment: TaskAssignment,
    *,
    user,
    done_on: datetime.date,
    note: str = "",
    evidence=None,
    times: int | None = None,
    today=None,
) -> TaskReport:
    """A unit reports its task done on `done_on` (a recurring task: done `times` times in done_on's week).
    `user` None is the demo (seed_demo), which reports for any unit; the pages always pass the signed-in
    user. Refuses (RowsRefused, one row) a user outside the unit's scope, a day in the future or before the
    directive was issued, a file that is not a document, and a task already reported (a report waiting for
    the leader or confirmed; a returned one is reported again). For a recurring task: `times` from 1 to
    MAX_TIMES_PER_WEEK, a day in one of the task's weeks, and one report per week."""
    today = today or timezone.localdate()
    task = assignment.task
    if user is not None and not may_report(user, assignment):
        _refuse("unit", _("you may not report for this unit"))
    if done_on > today:
        _refuse("done_on", _("%(date)s is in the future") % {"date": f"{done_on:%d/%m/%Y}"})
    if problem := document_problem(evidence):
        _refuse("evidence", problem)
    issued = task.directive.issued
    if done_on < issued:
        _refuse(
            "done_on",
            _("%(date)s is before the directive was issued (%(issued)s)")
            % {"date": f"{done_on:%d/%m/%Y}", "issued": f"{issued:%d/%m/%Y}"},
        )
    if task.recurring:
        if times is None or not 1 <= times <= MAX_TIMES_PER_WEEK:
            _refuse("times", _("say how many times it was done that week (1 to %(max)s)") % {"max": MAX_TIMES_PER_WEEK})
        if week_of(done_on) > week_of(task.deadline):
            _refuse(
                "done_on",
                _("the task ended on %(deadline)s") % {"deadline": f"{task.deadline:%d/%m/%Y}"},
            )
    elif times is not None:
        _refuse("times", _("this task is done once, not a number of times a week"))
    with transaction.atomic():
        pending = assignment.reports.select_for_update().filter(returned_at__isnull=True)
        if task.recurring:
            week = week_of(done_on)
            if pending.filter(done_on__gte=week, done_on__lt=week + WEEK).exists():
                _refuse(
                    "done_on",
                    _("the week of %(monday)s is already reported") % {"monday": f"{week:%d/%m/%Y}"},
                )
        elif pending.exists():
            _refuse("done_on", _("this task is already reported"))
        return TaskReport.objects.create(
            assignment=assignment,
            done_on=done_on,
            times=times,
            note=(note or "").strip(),
            evidence=evidence or "",
            reported_by=user,
        )


def _decidable(report: TaskReport, user):
    if not may_decide(user, report.assignment):
        _refuse("report", _("only a leader of the issuing unit confirms or returns reports"))
    if report.state != "pending":
        _refuse("report", _("this report is already confirmed or returned"))


def report_confirm(report: TaskReport, *, user) -> TaskReport:
    """A leader of the issuing unit confirms a pending report; for a recurring task, also the earlier
    weeks' reports of the assignment still pending (the leader has seen the weeks so far)."""
    with transaction.atomic():
        report = TaskReport.objects.select_for_update().get(pk=report.pk)
        _decidable(report, user)
        now = timezone.now()
        report.confirmed_by, report.confirmed_at = user, now
        report.save(update_fields=["confirmed_by", "confirmed_at"])
        if report.assignment.task.recurring:
            TaskReport.objects.filter(
                assignment=report.assignment_id,
                done_on__lt=report.done_on,
                confirmed_at__isnull=True,
                returned_at__isnull=True,
            ).update(confirmed_by=user, confirmed_at=now)
    return report


def report_return(report: TaskReport, *, user, reason: str) -> TaskReport:
    """A leader of the issuing unit returns a pending report with a reason; the task counts as not
    reported again until the unit reports anew."""
    reason = (reason or "").strip()
    with transaction.atomic():
        report = TaskReport.objects.select_for_update().get(pk=report.pk)
        _decidable(report, user)
        if not reason:
            _refuse("reason", _("say why the report is returned"))
        if too_long := reason_too_long(reason):
            _refuse("reason", too_long)
        report.returned_by, report.returned_at, report.return_reason = user, timezone.now(), reason
        report.save(update_fields=["returned_by", "returned_at", "return_reason"])
    return report
