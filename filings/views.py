"""Pages of monthly entry: choose a unit-month, the entry grid, decisions, history, completeness.

Each view parses, checks the unit against the user's scope (`Unit.objects.for_user`, 404 outside it),
calls a service or a selector and renders. The unit always comes from the URL."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from reports.periods import Month, Period, PeriodError
from reports.selectors import kpis_for
from units.models import Unit

from . import selectors, workflow
from .forms import DecisionForm, EntryForm, StartForm, default_month
from .models import COUNT_FIELDS, UnitMonthStatus
from .rules import check_month

# Above this many units in scope, the unit is typed (with suggestions) instead of picked from a list.
SELECT_LIMIT = 200


def _unit_month(request, code, year, month):
    unit = get_object_or_404(Unit.objects.for_user(request.user), code=code)
    try:
        check_month(year, month)
    except ValueError:
        raise Http404(_("No such month.")) from None
    return unit, year, month


def _entry_url(unit, year, month):
    return reverse("filings:entry", kwargs={"code": unit.code, "year": year, "month": month})


@login_required
def start(request):
    """Choose a unit of your scope and a month; what waits for you."""
    scope = Unit.objects.for_user(request.user)
    data = request.GET if "unit" in request.GET else None
    form = StartForm(data, units=scope, initial={"month": str(default_month())})
    if data is not None and form.is_valid():
        month = form.cleaned_data["month"]
        return redirect(_entry_url(form.cleaned_data["unit"], month.year, month.month))
    unit_count = scope.count()
    units = list(scope.order_by("path").only("code", "name", "path")[:SELECT_LIMIT]) if unit_count <= SELECT_LIMIT else []
    if data is None and len(units) >= 1:
        assigned = request.user.units.order_by("path").first()
        form.initial["unit"] = (assigned or units[0]).code
    is_decider = request.user.is_portal_admin or request.user.role == Role.LEADER
    awaiting = selectors.unit_months_in_scope(request.user, statuses=[UnitMonthStatus.SUBMITTED]) if is_decider else []
    returned = selectors.unit_months_in_scope(request.user, statuses=[UnitMonthStatus.RETURNED])
    drafts = selectors.unit_months_in_scope(request.user, statuses=[UnitMonthStatus.DRAFT], limit=8, newest_first=True)
    return render(request, "filings/start.html", {
        "form": form, "units": units, "unit_count": unit_count, "select_limit": SELECT_LIMIT,
        "months": [Month.of(timezone.localdate()).shift(-i) for i in range(13)],
        "awaiting": awaiting, "returned": returned, "drafts": drafts,
        "close_days": settings.FILINGS_ENTRY_CLOSE_DAYS,
    })


def _render_entry(request, unit, year, month, *, grid, form=None, conflict=None, status=200):
    unit_month = grid.unit_month
    actions = workflow.allowed_actions(unit, year, month, unit_month, user=request.user)
    period = Period(Month(year, month), Month(year, month))
    saved_rate = kpis_for(unit, period, own=True)["online_rate"]
    context = {
        "unit": unit, "year": year, "month": month, "month_obj": Month(year, month),
        "grid": grid, "unit_month": unit_month, "status": grid.status,
        "status_label": unit_month.get_status_display() if unit_month else _("Not started"),
        "actions": actions, "editable": "save" in actions,
        "lock_reason": None if "save" in actions else workflow.lock_reason(unit, year, month, unit_month,
                                                                           user=request.user),
        "decision_refusal": workflow.decision_refusal(unit_month, user=request.user)
        if unit_month and unit_month.status == UnitMonthStatus.SUBMITTED else None,
        "deadline": grid.deadline, "labels": selectors.count_labels(), "fields": COUNT_FIELDS,
        "saved_rate": saved_rate, "form": form, "conflict": conflict,
        "procedure_choices": selectors.procedure_choices() if "save" in actions else [],
        "previous_month": Month(year, month).shift(-1), "next_month": Month(year, month).shift(1),
        "has_next": Month(year, month).shift(1) <= Month.of(timezone.localdate()),
        "decimal_separator": get_format("DECIMAL_SEPARATOR"),
        "thousand_separator": get_format("THOUSAND_SEPARATOR"),
        "decision_form": DecisionForm(initial={"version": grid.version}),
    }
    return render(request, "filings/entry.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def entry(request, code, year, month):
    """The entry grid of one unit-month: save a draft, save and submit."""
    unit, year, month = _unit_month(request, code, year, month)
    if request.method == "GET":
        grid = selectors.entry_grid(unit, year, month, copy_previous=request.GET.get("copy") == "1")
        return _render_entry(request, unit, year, month, grid=grid)

    form = EntryForm(request.POST, unit=unit, year=year, month=month)
    valid = form.is_valid()
    if not valid or form.action == "add":
        extra = [form.add_procedure.pk] if form.add_procedure else []
        grid = selectors.entry_grid(unit, year, month, extra_procedure_ids=extra, posted=form.cells,
                                    errors=form.errors)
        # Keep the version the user saw: adding a row saves nothing.
        grid.posted_version = form.version
        return _render_entry(request, unit, year, month, grid=grid, form=form, status=200 if valid else 400)

    stored_ids = {row.procedure.pk for row in selectors.entry_grid(unit, year, month).rows if row.stored}
    try:
        result = workflow.unit_month_save(
            unit=unit, year=year, month=month, rows=form.rows(stored_ids), user=request.user,
            expected_version=form.version, submit=form.action == "submit",
        )
    except workflow.VersionConflict as conflict:
        return _conflict(request, unit, year, month, form, conflict.messages)
    except IntegrityError:
        # Two first saves of the same month at the same instant: the unique constraint refused this one.
        return _conflict(request, unit, year, month, form, [_(
            "Someone else saved this month at the same moment; nothing of yours was saved. The current "
            "figures are shown: check them and enter your changes again.")])
    except (workflow.UnitMonthLocked, ValidationError, PermissionDenied) as refused:
        grid = selectors.entry_grid(unit, year, month, posted=form.cells)
        grid.posted_version = form.version
        form.summary = list(getattr(refused, "messages", None) or [str(refused)])
        return _render_entry(request, unit, year, month, grid=grid, form=form, status=409)

    if form.action == "submit":
        messages.success(request, _("Saved and submitted: %(created)s new rows, %(updated)s changed. A leader will "
                                    "approve or return it.") % {"created": result.created, "updated": result.updated})
    elif result.created or result.updated:
        messages.success(request, _("Draft saved: %(created)s new rows, %(updated)s changed.")
                         % {"created": result.created, "updated": result.updated})
    else:
        messages.info(request, _("Nothing changed."))
    return redirect(_entry_url(unit, year, month))


def _conflict(request, unit, year, month, form, conflict_messages):
    """Show the current stored figures and, beside them, what the user had typed."""
    grid = selectors.entry_grid(unit, year, month, extra_procedure_ids=list(form.cells))
    labels = selectors.count_labels()
    differences = []
    for row in grid.rows:
        typed = form.cells.get(row.procedure.pk, {})
        for name in COUNT_FIELDS:
            mine = typed.get(name, "")
            current = row.values.get(name, "")
            if selectors.cell_number(mine) != selectors.cell_number(current):
                differences.append({"procedure": row.procedure, "column": labels[name], "current": current,
                                    "yours": mine})
    conflict = {"messages": conflict_messages, "differences": differences}
    return _render_entry(request, unit, year, month, grid=grid, conflict=conflict, status=409)


@login_required
@require_POST
def decide(request, code, year, month):
    """Approve or return a submitted month (leaders, admins); reopen an approved one (admins)."""
    unit, year, month = _unit_month(request, code, year, month)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision form is incomplete; reload the page."))
        return redirect(_entry_url(unit, year, month))
    action, version, reason = (form.cleaned_data[k] for k in ("action", "version", "reason"))
    transition = {
        "approve": lambda: workflow.unit_month_approve(unit=unit, year=year, month=month, user=request.user,
                                                       expected_version=version),
        "return": lambda: workflow.unit_month_return(unit=unit, year=year, month=month, user=request.user,
                                                     reason=reason, expected_version=version),
        "reopen": lambda: workflow.unit_month_reopen(unit=unit, year=year, month=month, user=request.user,
                                                     reason=reason, expected_version=version),
    }[action]
    try:
        transition()  # PermissionDenied goes up: 403
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect(_entry_url(unit, year, month))
    done = {
        "approve": _("Approved: the month is now locked."),
        "return": _("Returned to the clerks with your reason."),
        "reopen": _("Reopened: the clerks can correct the month and submit it again."),
    }[action]
    messages.success(request, done)
    return redirect(_entry_url(unit, year, month))


@login_required
def history(request, code, year, month):
    """Every recorded change of the unit-month's figures and status."""
    unit, year, month = _unit_month(request, code, year, month)
    return render(request, "filings/history.html", {
        "unit": unit, "year": year, "month": month, "month_obj": Month(year, month),
        "unit_month": selectors.unit_month_state(unit, year, month),
        "entries": selectors.unit_month_history(unit, year, month),
    })


@login_required
def completeness(request):
    """Which units below a parent reported which months, and on time."""
    scope = Unit.objects.for_user(request.user)
    roots = list(Unit.objects.scope_roots_for(request.user).order_by("code"))
    errors, notes = [], []
    code = request.GET.get("parent", "").strip()
    if code:
        parent = get_object_or_404(scope, code=code)
    elif roots:
        parent = roots[0]
    else:
        raise Http404(_("You have no units."))
    today = timezone.localdate()
    this_year = Period(Month(today.year, 1), Month.of(today))
    period_text = request.GET.get("period", "").strip()
    period = this_year
    if period_text:
        try:
            period = Period.parse(period_text)
        except PeriodError:
            errors.append(_("The parameter “period” is not valid: “%(value)s”. Write a month (2019-07), a quarter "
                            "(2019-Q3), a half-year (2019-H1), a year (2019) or a range (2019-01..2019-07).")
                          % {"value": period_text})
    if len(period.months) > 24:
        notes.append(_("The period covers more than 24 months; showing the first 24."))
        period = Period(period.start, period.start.shift(23))
    parents = list(
        scope.filter(children__isnull=False).distinct().order_by("path").only("code", "name", "path")[:SELECT_LIMIT]
    )
    return render(request, "filings/completeness.html", {
        "report": selectors.completeness(parent, period, today=today), "parent": parent, "parents": parents,
        "period": period, "period_text": period_text or str(period), "errors": errors, "notes": notes,
    }, status=400 if errors else 200)
