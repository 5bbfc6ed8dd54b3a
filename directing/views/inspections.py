"""The inspection pages: the inspections a user may open, an inspection (its plan, the findings matrix,
the recommendations with each unit's status, the report), the findings of one visit, and a leader of the
inspecting unit's recommendation and report.

Scope: an inspection is opened by the users whose scope holds the inspecting unit (they see every visit)
or a visited unit (they see the plan, and the findings and recommendations of their own units only; not
the report). Anything else answers 404; a user who may see but not write gets 403."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import RowsRefused
from units.models import Unit

from ..models import FindingResult, Inspection
from ..selectors.inspections import (
    findings_matrix,
    inspection_report_status,
    inspections_for_user,
    plan_visits,
    recommendations,
    sees_every_visit,
    visible_visits,
    visits_for_user,
)
from ..services.inspections import findings_save, may_enter_findings, may_manage, recommend, report_save
from .files import serve

NOT_SAVED = gettext_lazy("Nothing was saved: please correct the form.")


def _refusal_to_form(form, refused: RowsRefused, field_of=lambda position, field: field):
    """Put each refusal on the form field it names (`field_of` maps a row's position and field to the
    form's field name), or on the form itself."""
    for position, issues in refused.problems.items():
        for field, reason in issues:
            name = field_of(position, field)
            form.add_error(name if name in form.fields else None, reason)


class _UnitChoices(forms.ModelMultipleChoiceField):
    """Units by id; an id no database could hold (30 digits) is an invalid choice, not a server error."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class RecommendationForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Recommendation"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    units = _UnitChoices(label=gettext_lazy("Units"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, inspection, *args, **kwargs):
        super().__init__(*args, prefix="recommendation", **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(inspection_visits__inspection=inspection).order_by("code")


class ReportForm(forms.Form):
    report = forms.CharField(label=gettext_lazy("Report"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    reported_on = forms.DateField(
        label=gettext_lazy("Reported on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    file = forms.FileField(label=gettext_lazy("File (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="report", **kwargs)


class FindingsForm(forms.Form):
    """One result (empty: not assessed) and one note per topic of the inspection."""

    def __init__(self, topics, findings, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = list(topics)
        choices = [("", "—"), *FindingResult.choices]
        for topic in self.topics:
            finding = findings.get(topic.pk)
            self.fields[f"result_{topic.pk}"] = forms.ChoiceField(
                label=topic.title, choices=choices, required=False, initial=finding.result if finding else ""
            )
            self.fields[f"note_{topic.pk}"] = forms.CharField(
                label=_("Note"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=finding.note if finding else "",
            )

    def rows(self):
        return [
            {
                "topic": topic.pk,
                "result": self.cleaned_data[f"result_{topic.pk}"],
                "note": self.cleaned_data[f"note_{topic.pk}"],
            }
            for topic in self.topics
        ]

    def field_of(self, position, field):
        """The form field of a refusal of findings_save (by the row's position)."""
        if field in ("result", "note") and 0 <= position < len(self.topics):
            return f"{field}_{self.topics[position].pk}"
        return None

    def lines(self):
        return [(topic, self[f"result_{topic.pk}"], self[f"note_{topic.pk}"]) for topic in self.topics]


@login_required
def inspection_list(request):
    """GET /directing/inspections/: the inspections led by a unit in the user's scope or visiting one."""
    today = timezone.localdate()
    items = [
        (item, inspection_report_status(item, today))
        for item in inspections_for_user(request.user).select_related("inspector").order_by("-start", "number")
    ]
    return render(request, "directing/inspections/list.html", {"items": items, "today": today})


def _inspection_page(request, found: Inspection, *, recommendation_form=None, report_form=None, status=200):
    today = timezone.localdate()
    managing = may_manage(request.user, found)
    every_visit = sees_every_visit(request.user, found)
    visits = list(visible_visits(request.user, found))
    if managing:
        if recommendation_form is None:
            recommendation_form = RecommendationForm(found)
        if report_form is None:
            report_form = ReportForm(initial={"report": found.report, "reported_on": found.reported_on or today})
    context = {
        "inspection": found,
        "plan_visits": plan_visits(found),
        "topics": found.topics.all(),
        "matrix": findings_matrix(found, visits),
        "recommendations": recommendations(request.user, found, today),
        "report_status": inspection_report_status(found, today),
        "every_visit": every_visit,
        "entering": may_enter_findings(request.user, found),
        "managing": managing,
        "recommendation_form": recommendation_form,
        "report_form": report_form,
        "today": today,
    }
    return render(request, "directing/inspections/inspection.html", context, status=status)


def _inspection_or_404(request, pk):
    return get_object_or_404(inspections_for_user(request.user).select_related("inspector", "conclusion"), pk=pk)


@login_required
def inspection(request, pk):
    """GET /directing/inspections/<pk>/: the plan, the findings matrix, the recommendations with each
    unit's status and the report, as far as the user may see them."""
    return _inspection_page(request, _inspection_or_404(request, pk))


@login_required
@require_POST
def inspection_recommend(request, pk):
    """POST /directing/inspections/<pk>/recommend/: a leader of the inspecting unit makes a recommendation
    (a task of the conclusion, assigned to visited units)."""
    found = _inspection_or_404(request, pk)
    if not may_manage(request.user, found):
        raise PermissionDenied
    form = RecommendationForm(found, request.POST)
    if form.is_valid():
        try:
            recommend(
                found,
                title=form.cleaned_data["title"],
                deadline=form.cleaned_data["deadline"],
                units=form.cleaned_data["units"],
                user=request.user,
            )
        except RowsRefused as refused:
            _refusal_to_form(form, refused)
        else:
            messages.success(request, _("The recommendation is recorded and assigned to the units."))
            return redirect(reverse("directing:inspection", args=[found.pk]) + "#recommendations")
    messages.error(request, NOT_SAVED)
    return _inspection_page(request, found, recommendation_form=form)


@login_required
@require_POST
def inspection_report(request, pk):
    """POST /directing/inspections/<pk>/report/: a leader of the inspecting unit records the report (text,
    optional file, the day it was made)."""
    found = _inspection_or_404(request, pk)
    if not may_manage(request.user, found):
        raise PermissionDenied
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report_save(
                found,
                text=form.cleaned_data["report"],
                reported_on=form.cleaned_data["reported_on"],
                file=form.cleaned_data["file"],
                user=request.user,
            )
        except RowsRefused as refused:
            _refusal_to_form(form, refused, lambda position, field: "file" if field == "report_file" else field)
        else:
            messages.success(request, _("The report is recorded."))
            return redirect(reverse("directing:inspection", args=[found.pk]) + "#report")
    messages.error(request, NOT_SAVED)
    return _inspection_page(request, found, report_form=form)


@login_required
def visit_findings(request, pk):
    """GET, POST /directing/inspections/visits/<pk>/findings/: the findings of one visit, one result and
    note per topic, saved all or nothing by the inspecting unit's people."""
    visit = get_object_or_404(visits_for_user(request.user).select_related("inspection__inspector", "unit"), pk=pk)
    found = visit.inspection
    if not may_enter_findings(request.user, found):
        raise PermissionDenied
    topics = found.topics.all()
    stored = {finding.topic_id: finding for finding in visit.findings.all()}
    form = FindingsForm(topics, stored, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                findings_save(visit, form.rows(), user=request.user)
            except RowsRefused as refused:
                _refusal_to_form(form, refused, form.field_of)
            else:
                messages.success(request, _("The findings are saved."))
                return redirect(reverse("directing:inspection", args=[found.pk]) + "#findings")
        messages.error(request, NOT_SAVED)
    return render(request, "directing/inspections/findings.html", {"visit": visit, "inspection": found, "form": form})


@login_required
def inspection_report_file(request, pk):
    """GET /directing/inspections/<pk>/report/file/: the report's file, as a download, for the users who
    see every visit (their scope holds the inspecting unit); anyone else 404, like the report's text."""
    found = _inspection_or_404(request, pk)
    if not sees_every_visit(request.user, found):
        raise Http404
    return serve(found.report_file)
