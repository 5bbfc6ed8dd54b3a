"""Pages of monthly entry: choose a unit-month, the entry grid, decisions, history, completeness.

Each view parses, checks the unit against the user's scope (`Unit.objects.for_user`, 404 outside it),
calls a service or a selector and renders. The unit always comes from the URL."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import xlsx
from core.periods import Month, Period, PeriodError, period_param, year_to_date
from units.models import Unit
from units.selectors import unit_in_scope_or_404

from . import grid as grid_module
from . import locks, quality, selectors, workflow
from .exports import export_units, filings_export_name, filings_export_rows, filings_workbook
from .form06 import unit_month_workbook
from .forms import DecisionForm, EntryForm, StartForm, default_month
from .kinds import KINDS, unit_month_kind
from .models import FIGURE_FIELDS, SCORE_FIELDS, UnitMonthStatus
from .rules import RETURN_REASON_MAX, check_month
from .templatetags.entry_grid import grid_rows

# Above this many units in scope, the unit is typed (with suggestions) instead of picked from a list.
SELECT_LIMIT = 200


def _unit_month(request, code, year, month):
    unit = unit_in_scope_or_404(request.user, code)
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
    units = (
        list(scope.order_by("path").only("code", "name", "path")[:SELECT_LIMIT]) if unit_count <= SELECT_LIMIT else []
    )
    if data is None and len(units) >= 1:
        assigned = request.user.units.order_by("path").first()
        form.initial["unit"] = (assigned or units[0]).code
    user = request.user
    awaiting = selectors.unit_months_in_scope(user, statuses=[UnitMonthStatus.SUBMITTED]) if user.can_decide else []
    returned = selectors.unit_months_in_scope(user, statuses=[UnitMonthStatus.RETURNED])
    # What a clerk can act on; an administrator's scope is every unit, which is no to-do list.
    to_enter, to_enter_count = ([], 0) if user.is_portal_admin else selectors.open_unit_months(user)
    return render(
        request,
        "filings/start.html",
        {
            "form": form,
            "units": units,
            "unit_count": unit_count,
            "select_limit": SELECT_LIMIT,
            "months": [Month.of(timezone.localdate()).shift(-i) for i in range(13)],
            "awaiting": awaiting,
            "returned": returned,
            "to_enter": to_enter,
            "to_enter_count": to_enter_count,
            "close_days": settings.FILINGS_ENTRY_CLOSE_DAYS,
        },
    )


def _render_entry(request, unit, year, month, *, grid, form=None, conflict=None, status=200):
    unit_month = grid.unit_month
    actions = workflow.allowed_actions(unit, year, month, unit_month, user=request.user)
    this = Month(year, month)
    previous, following = this.shift_within(-1), this.shift_within(1)
    submitted = unit_month is not None and unit_month.status == UnitMonthStatus.SUBMITTED
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "month_obj": this,
        "grid": grid,
        "unit_month": unit_month,
        "status": grid.status,
        "status_label": unit_month.get_status_display() if unit_month else _("Not started"),
        "actions": actions,
        "editable": "save" in actions,
        "lock_reason": None
        if "save" in actions
        else locks.lock_reason(unit, year, month, unit_month, user=request.user),
        "decision_refusal": (
            workflow.approval_refusal(unit_month, user=request.user) if submitted and request.user.can_decide else None
        ),
        "deadline": grid.deadline,
        "labels": selectors.count_labels(),
        "fields": FIGURE_FIELDS,
        "score_fields": SCORE_FIELDS,
        "score_ceilings": grid_module.score_ceilings_json(),
        "form": form,
        "conflict": conflict,
        "previous_month": previous,
        "next_month": following,
        "has_previous": previous is not None and unit.exists_between(previous.first_day, previous.last_day),
        "has_next": following is not None
        and following <= Month.of(timezone.localdate())
        and unit.exists_between(following.first_day, following.last_day),
        "return_reason_max": RETURN_REASON_MAX,
        "decimal_separator": get_format("DECIMAL_SEPARATOR"),
        "thousand_separator": get_format("THOUSAND_SEPARATOR"),
        "quality": {"spreads": quality.FIGURE_SPREADS, "z": quality.RATE_Z, "points": quality.RATE_MIN_POINTS},
    }
    return render(request, "filings/entry.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def entry(request, code, year, month):
    """The entry grid of one unit-month: save a draft, save and submit."""
    unit, year, month = _unit_month(request, code, year, month)
    if request.method == "GET":
        grid = grid_module.entry_grid(unit, year, month, copy_previous=request.GET.get("copy") == "1")
        return _render_entry(request, unit, year, month, grid=grid)

    # The rows are of the kind the page showed (procedures or fields); the write service refuses them if
    # the month has meanwhile been reported the other way.
    kind = KINDS.get(request.POST.get("grain")) or unit_month_kind(unit, year, month)
    form = EntryForm(request.POST, unit=unit, year=year, month=month, kind=kind)
    if not form.is_valid():
        grid = grid_module.entry_grid(unit, year, month, posted=form.cells, errors=form.errors, kind=kind)
        grid.posted_version = form.version
        return _render_entry(request, unit, year, month, grid=grid, form=form, status=400)
    try:
        result = workflow.unit_month_save(
            unit=unit,
            year=year,
            month=month,
            rows=form.rows(),
            user=request.user,
            expected_version=form.version,
            submit=form.action == "submit",
            confirm_warnings=form.confirm_warnings,
            kind=kind,
            fields=form.fields,
        )
    except locks.VersionConflict as conflict:
        return _conflict(request, unit, year, month, form, conflict.messages)
    except IntegrityError:
        # Two first saves of the same month at the same instant: the unique constraint refused this one.
        return _conflict(
            request,
            unit,
            year,
            month,
            form,
            [
                _(
                    "Someone else saved this month at the same moment; nothing of yours was saved. The current "
                    "figures are shown: check them and enter your changes again."
                )
            ],
        )
    except workflow.WarningsNotConfirmed as refused:
        grid = grid_module.entry_grid(unit, year, month, posted=form.cells, kind=kind)
        grid.set_flags(refused.flags)  # all of them, the rows not typed yet included
        grid.posted_version = form.version
        form.unconfirmed = True
        return _render_entry(request, unit, year, month, grid=grid, form=form, status=409)
    except (locks.UnitMonthLocked, ValidationError, PermissionDenied) as refused:
        grid = grid_module.entry_grid(unit, year, month, posted=form.cells, kind=kind)
        grid.posted_version = form.version
        form.summary = list(getattr(refused, "messages", None) or [str(refused)])
        return _render_entry(request, unit, year, month, grid=grid, form=form, status=409)

    if form.action == "submit":
        messages.success(
            request,
            _("Saved and submitted: %(created)s new rows, %(updated)s changed. A leader will approve or return it.")
            % {"created": result.created, "updated": result.updated},
        )
    elif result.created or result.updated:
        messages.success(
            request,
            _("Draft saved: %(created)s new rows, %(updated)s changed.")
            % {"created": result.created, "updated": result.updated},
        )
    else:
        messages.info(request, _("Nothing changed."))
    return redirect(_entry_url(unit, year, month))


@login_required
def entry_rows(request, code, year, month):
    """More rows for the entry grid, as JSON {"html": <tr> rows, "next": offset or null}: the folded
    procedures (or fields) a page at a time (`offset`), or those matching a search (`q`)."""
    unit, year, month = _unit_month(request, code, year, month)
    editable = "save" in workflow.allowed_actions(
        unit, year, month, selectors.unit_month_state(unit, year, month), user=request.user
    )
    query = request.GET.get("q", "")
    if query.strip():
        rows, following = grid_module.search_rows(unit, year, month, query), None
    else:
        try:
            # Beyond any catalogue (a few thousand rows): an empty page, not a number the database refuses.
            offset = min(max(int(request.GET.get("offset", 0)), 0), 1_000_000)
        except ValueError:
            return JsonResponse({"error": _("The parameter “offset” must be a whole number.")}, status=400)
        rows, following = grid_module.folded_rows(unit, year, month, offset=offset)
    return JsonResponse({"html": grid_rows(rows, editable), "next": following})


def _conflict(request, unit, year, month, form, conflict_messages):
    """Show the current stored figures and, beside them, what the user had typed."""
    grid = grid_module.entry_grid(unit, year, month)
    stored = {row.item.pk: row for row in grid.rows} if grid.kind is form.kind else {}
    codes = dict(form.kind.item_model.objects.filter(pk__in=list(form.cells)).values_list("pk", "code"))
    labels = selectors.count_labels()
    differences = []
    for pid, typed in sorted(form.cells.items(), key=lambda item: codes.get(item[0], "")):
        current_row = stored.get(pid)
        for name in FIGURE_FIELDS:
            if name not in typed:
                continue  # a Decision 766 count the page did not send
            mine = typed[name]
            current = current_row.values.get(name, "") if current_row else ""
            if grid_module.figure_number(name, mine) != grid_module.figure_number(name, current):
                differences.append(
                    {
                        "row": codes.get(pid, pid),
                        "column": labels[name],
                        "current": current,
                        "yours": mine,
                        # empty: 0 for form 06's counts, not reported for the Decision 766 counts
                        "empty": "—" if name in SCORE_FIELDS else "0",
                    }
                )
    conflict = {"messages": conflict_messages, "differences": differences}
    return _render_entry(request, unit, year, month, grid=grid, conflict=conflict, status=409)


@login_required
@require_POST
def decide(request, code, year, month):
    """Approve or return a submitted month (leaders, admins); reopen an approved one (admins)."""
    unit, year, month = _unit_month(request, code, year, month)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if set(form.errors) == {"reason"}:  # a reason too long: say so
            for error in form.errors["reason"]:
                messages.error(request, f"{form.fields['reason'].label}: {error}")
        else:
            messages.error(request, _("The decision form is incomplete; reload the page."))
        return redirect(_entry_url(unit, year, month))
    action, version, reason = (form.cleaned_data[k] for k in ("action", "version", "reason"))
    transition = {
        "approve": lambda: workflow.unit_month_approve(
            unit=unit, year=year, month=month, user=request.user, expected_version=version
        ),
        "return": lambda: workflow.unit_month_return(
            unit=unit, year=year, month=month, user=request.user, reason=reason, expected_version=version
        ),
        "reopen": lambda: workflow.unit_month_reopen(
            unit=unit, year=year, month=month, user=request.user, reason=reason, expected_version=version
        ),
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
    return render(
        request,
        "filings/history.html",
        {
            "unit": unit,
            "year": year,
            "month": month,
            "month_obj": Month(year, month),
            "unit_month": selectors.unit_month_state(unit, year, month),
            "entries": selectors.unit_month_history(unit, year, month),
        },
    )


@login_required
def form06(request, code, year, month):
    """The unit-month in the official layout of report form 06 (.xlsx): its figures per field, or its
    figures per procedure summed per field."""
    unit, year, month = _unit_month(request, code, year, month)
    return xlsx.response(unit_month_workbook(unit, year, month), f"bieu_06_{unit.code}_{year:04d}-{month:02d}.xlsx")


@login_required
def completeness(request):
    """Which units below a parent reported which months, and on time."""
    scope = Unit.objects.for_user(request.user)
    roots = list(Unit.objects.scope_roots_for(request.user).order_by("code"))
    errors, notes = [], []
    code = request.GET.get("parent", "").strip()
    if code:
        parent = unit_in_scope_or_404(request.user, code)
    elif roots:
        parent = roots[0]
    else:
        raise Http404(_("You have no units."))
    today = timezone.localdate()
    period_text = request.GET.get("period", "").strip()
    try:
        period = period_param(request.GET, today=today)
    except PeriodError:
        period = year_to_date(today)
        errors.append(
            _(
                "The parameter “period” is not valid: “%(value)s”. Write a month (2019-07), a quarter "
                "(2019-Q3), a half-year (2019-H1), a year (2019) or a range (2019-01..2019-07)."
            )
            % {"value": period_text}
        )
    if len(period.months) > 24:
        notes.append(_("The period covers more than 24 months; showing the first 24."))
        period = Period(period.start, period.start.shift(23))
    parents = list(
        scope.filter(children__isnull=False).distinct().order_by("path").only("code", "name", "path")[:SELECT_LIMIT]
    )
    return render(
        request,
        "filings/completeness.html",
        {
            "report": selectors.completeness(parent, period, today=today),
            "parent": parent,
            "parents": parents,
            "period": period,
            "period_text": period_text or str(period),
            "errors": errors,
            "notes": notes,
        },
        status=400 if errors else 200,
    )


@login_required
def export(request):
    """GET ?unit=CODE&period=PERIOD: the monthly figures of the unit's subtree (default: the whole scope)
    over the period (default: the current year so far), as .xlsx in the import's layout. Above
    EXPORT_INLINE_MAX_ROWS rows, a page that offers to prepare the file in the background instead (the
    imports app's export jobs, by URL name only: docs/import.md, "Large exports")."""
    try:
        period = period_param(request.GET)
    except PeriodError as exc:
        return HttpResponseBadRequest(_("period: %(reason)s") % {"reason": exc})
    units, unit = export_units(request.user, request.GET.get("unit", ""))
    code = unit.code if unit else ""
    rows = filings_export_rows(units, period)
    if rows > settings.EXPORT_INLINE_MAX_ROWS:
        context = {"unit": unit, "period": period, "rows": rows, "limit": settings.EXPORT_INLINE_MAX_ROWS}
        return render(request, "filings/export_large.html", context)
    return xlsx.response(filings_workbook(units, period), filings_export_name(code, period))
