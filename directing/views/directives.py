"""The directing pages: directives with a per-unit status table, the overdue assignments across
directives, a unit's report that it did a task, and the issuing unit's leader confirming or returning it.
Scope: a user sees the assignments of the units in their scope (Unit.objects.for_user); anything else
answers 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import RowsRefused
from filings.rules import RETURN_REASON_MAX
from reports.params import url
from units.models import Unit
from units.selectors import unit_in_scope_or_404

from ..models import TaskReport, TaskStatus
from ..selectors.directives import assignment_rows, assignments_for_user, directives_for_user, week_table
from ..services.directives import may_decide, may_report, report_confirm, report_return, report_submit

# The tasks a unit page or the home page lists; the overdue page has them all.
TASKS_SHOWN = 10


class ReportForm(forms.Form):
    done_on = forms.DateField(label=gettext_lazy("Done on"), widget=forms.DateInput(attrs={"type": "date"}))
    times = forms.IntegerField(label=gettext_lazy("Times that week"), required=False, min_value=1)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label=gettext_lazy("Evidence (optional)"), required=False)

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        if task.recurring:
            self.fields["done_on"].label = gettext_lazy("A day of the week reported")
            self.fields["times"].required = True
        else:
            del self.fields["times"]


def _refusal_to_form(form, refused: RowsRefused):
    for _position, issues in refused.problems.items():
        for field, reason in issues:
            form.add_error(field if field in form.fields else None, reason)


@login_required
def overdue(request):
    """GET /directing/[?unit=CODE]: the assignments not done by their deadline of the units in the user's
    scope (or below the unit named), across directives, and the directives the user may open."""
    code = request.GET.get("unit", "").strip()
    assignments = assignments_for_user(request.user)
    unit = None
    if code:
        unit = unit_in_scope_or_404(request.user, code)
        assignments = assignments.filter(unit__in=Unit.objects.subtree(unit))
    today = timezone.localdate()
    rows = [row for row in assignment_rows(assignments, today) if row.status == TaskStatus.NOT_DONE]
    directives = directives_for_user(request.user).select_related("issuer")
    return render(
        request,
        "directing/overdue.html",
        {"rows": rows, "unit": unit, "directives": directives, "today": today},
    )


@login_required
def directive(request, pk):
    """GET /directing/<pk>/: a directive's tasks, each with the status of every assigned unit in scope."""
    found = get_object_or_404(directives_for_user(request.user).select_related("issuer"), pk=pk)
    today = timezone.localdate()
    rows = assignment_rows(assignments_for_user(request.user).filter(task__directive=found), today)
    tasks = {}
    for row in rows:
        tasks.setdefault(row.task, []).append(row)
    deciding = may_decide(request.user, rows[0].assignment) if rows else False
    return render(
        request,
        "directing/directive.html",
        {
            "directive": found,
            "tasks": tasks.items(),
            "today": today,
            "deciding": deciding,
            "return_reason_max": RETURN_REASON_MAX,
        },
    )


@login_required
def report(request, pk):
    """GET, POST /directing/assignments/<pk>/report/: the assigned unit reports its task done."""
    assignment = get_object_or_404(assignments_for_user(request.user).select_related("task__directive", "unit"), pk=pk)
    if not may_report(request.user, assignment):
        raise Http404
    task = assignment.task
    form = ReportForm(request.POST or None, request.FILES or None, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            report_submit(
                assignment,
                user=request.user,
                done_on=form.cleaned_data["done_on"],
                times=form.cleaned_data.get("times"),
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
            )
        except RowsRefused as refused:
            _refusal_to_form(form, refused)
        else:
            if task.recurring:
                messages.success(request, _("The week is reported."))
                return redirect("directing:report", pk=assignment.pk)
            messages.success(request, _("The task is reported done."))
            return redirect("directing:directive", pk=task.directive_id)
    reports = list(assignment.reports.select_related("reported_by", "confirmed_by", "returned_by").order_by("-id"))
    weeks = week_table(task, reports, timezone.localdate()) if task.recurring else None
    return render(
        request,
        "directing/report.html",
        {"assignment": assignment, "form": form, "reports": reports, "weeks": weeks},
    )


@login_required
@require_POST
def decide(request, pk):
    """POST /directing/reports/<pk>/decide/ (action=confirm, or action=return with a reason): a leader of
    the issuing unit decides on a report."""
    found = get_object_or_404(
        TaskReport.objects.select_related("assignment__task__directive").filter(
            assignment__in=assignments_for_user(request.user)
        ),
        pk=pk,
    )
    if not may_decide(request.user, found.assignment):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "confirm":
            report_confirm(found, user=request.user)
            messages.success(request, _("The report is confirmed."))
        elif action == "return":
            report_return(found, user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The report is returned to the unit."))
        else:
            messages.error(request, _("Unknown action."))
    except RowsRefused as refused:
        for _position, issues in refused.problems.items():
            for _field, reason in issues:
                messages.error(request, reason)
    return redirect("directing:directive", pk=found.assignment.task.directive_id)


def _open_tasks(request, assignments, code=None):
    """The section of the open and overdue tasks of `assignments` (reports.panels); none: no section."""
    today = timezone.localdate()
    rows = [row for row in assignment_rows(assignments, today) if row.status in (TaskStatus.OPEN, TaskStatus.NOT_DONE)]
    if not rows:
        return None
    return (
        "directing/_unit_panel.html",
        {
            "rows": rows[:TASKS_SHOWN],
            "more": len(rows) - TASKS_SHOWN,
            "overdue_url": url("directing:overdue", unit=code),
        },
    )


def unit_panel(request, unit, period, approved_only):
    """The unit page's section: the open and overdue tasks of the unit's subtree in the user's scope.
    Three queries (two when there are none)."""
    return _open_tasks(
        request, assignments_for_user(request.user).filter(unit__in=Unit.objects.subtree(unit)), unit.code
    )


def home_panel(request, period, approved_only):
    """The home page's section: the open and overdue tasks of the units in the user's scope."""
    return _open_tasks(request, assignments_for_user(request.user))
