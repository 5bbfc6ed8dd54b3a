from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit

from .models import (
    Activity,
    Directive,
    Indicator,
    IndicatorValue,
    Inspection,
    InspectionTopic,
    InspectionVisit,
    Task,
    TaskAssignment,
    TaskReport,
)
from .rules.activities import activity_problems
from .rules.indicators import indicator_problems, indicator_value_problems
from .rules.inspections import plan_problems, report_problems
from .services.activities import activities_upsert
from .services.directives import directive_save, task_save
from .services.indicators import indicator_save, indicator_values_upsert
from .services.inspections import inspection_save, report_save, topics_refusals, visits_refusals


class ActivityAdminForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["unit", "date", "kind", "participants", "note"]

    def clean(self):
        """The rules of activities_upsert (directing.rules.activities), on the form's fields."""
        data = super().clean()
        unit = data.get("unit") or getattr(self.instance, "unit", None)
        row = {
            "date": data.get("date", self.instance.date),
            "kind": data.get("kind", self.instance.kind),
            "participants": data.get("participants"),
        }
        if row["date"] is None or row["kind"] is None:
            return data
        for field, reason in activity_problems(row, unit, timezone.localdate()):
            self.add_error(field if field in self.fields else None, reason)
        return data


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityAdminForm
    list_display = ["date", "unit", "kind", "participants"]
    list_filter = ["kind", "date"]
    search_fields = ["unit__code", "unit__name", "note"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        # The key (unit, day, kind) is fixed once stored: a different one is another activity.
        return ["unit", "date", "kind"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through activities_upsert, the one write path of activities."""
        activities_upsert(
            [
                {
                    "unit_id": obj.unit_id,
                    "date": obj.date,
                    "kind": obj.kind,
                    "participants": obj.participants,
                    "note": obj.note,
                }
            ]
        )
        obj.pk = Activity.objects.only("pk").get(unit_id=obj.unit_id, date=obj.date, kind=obj.kind).pk


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["title", "deadline", "recurrence", "times_per_week"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # tasks are added on their own page, through task_save


@admin.register(Directive)
class DirectiveAdmin(admin.ModelAdmin):
    list_display = ["number", "issued", "issuer", "title"]
    search_fields = ["number", "title", "issuer__code", "issuer__name"]
    autocomplete_fields = ["issuer"]
    list_select_related = ["issuer"]
    date_hierarchy = "issued"
    inlines = [TaskInline]

    def save_model(self, request, obj, form, change):
        """Through directive_save, the one write path of directives."""
        saved = directive_save(
            number=obj.number, issued=obj.issued, issuer=obj.issuer, title=obj.title, file=obj.file or None
        )
        obj.pk = saved.pk


class AssignmentInline(admin.TabularInline):
    model = TaskAssignment
    extra = 0
    fields = ["unit"]
    readonly_fields = ["unit"]

    def has_add_permission(self, request, obj=None):
        return False  # assignments_add, with its rules


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "directive", "deadline"]
    search_fields = ["title", "directive__number"]
    autocomplete_fields = ["directive"]
    list_select_related = ["directive"]
    inlines = [AssignmentInline]

    def save_model(self, request, obj, form, change):
        """Through task_save, the one write path of tasks."""
        saved = task_save(
            obj.directive,
            title=obj.title,
            deadline=obj.deadline,
            recurrence=obj.recurrence,
            times_per_week=obj.times_per_week,
        )
        obj.pk = saved.pk


@admin.register(TaskReport)
class TaskReportAdmin(admin.ModelAdmin):
    """Reports are written on the pages (report_submit, report_confirm, report_return): read only here."""

    list_display = ["assignment", "done_on", "reported_by", "confirmed_at", "returned_at"]
    list_select_related = ["assignment__task", "assignment__unit", "reported_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- inspections: the plan with its topics and visited units, through inspection_save ------------------


def _problems_to_forms(problems, forms_kept, formset):
    """Put the refusals (by position among `forms_kept`) on the inline forms' fields; the others (removals
    refused) on the formset itself."""
    others = []
    for position, issues in sorted(problems.items()):
        for field, reason in issues:
            if position < len(forms_kept) and field in forms_kept[position].fields:
                forms_kept[position].add_error(field, reason)
            else:
                others.append(reason)
    if others:
        raise forms.ValidationError(others)


class TopicFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """The checklist as topics_set will take it (directing.services.inspections.topics_refusals): the
        topics kept, by position."""
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kept.sort(key=lambda f: f.cleaned_data.get("position") or 0)
        self.titles = [f.cleaned_data.get("title") or "" for f in kept]
        _problems_to_forms(topics_refusals(self.titles, self.instance if self.instance.pk else None), kept, self)


class VisitFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """The visited units as visits_set will take them (directing.services.inspections.visits_refusals),
        against the plan of the inspection's form."""
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        self.visits = [(f.cleaned_data.get("unit"), f.cleaned_data.get("date")) for f in kept]
        inspection = self.instance
        problems = visits_refusals(
            self.visits,
            inspector=inspection.inspector if inspection.inspector_id else None,
            start=inspection.start,
            end=inspection.end,
            inspection=inspection if inspection.pk else None,
        )
        _problems_to_forms(problems, kept, self)


class TopicInline(admin.TabularInline):
    model = InspectionTopic
    formset = TopicFormSet
    extra = 0
    fields = ["position", "title"]


class VisitInline(admin.TabularInline):
    model = InspectionVisit
    formset = VisitFormSet
    extra = 0
    fields = ["unit", "date"]
    autocomplete_fields = ["unit"]


class InspectionAdminForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "number",
            "title",
            "inspector",
            "start",
            "end",
            "team",
            "report_due",
            "report",
            "report_file",
            "reported_on",
        ]
        widgets = {"report_file": forms.FileInput}  # report_save keeps a file, it does not remove one

    def _add_problems(self, problems):
        for field, reason in problems:
            if field in self.errors:
                continue  # already refused by the field itself (required, not a date)
            self.add_error(field if field in self.fields else None, reason)

    def clean(self):
        """The rules of inspection_save and report_save (directing.rules.inspections), on the form's fields."""
        data = super().clean()
        number = data.get("number", self.instance.number)
        start = data.get("start")
        self._add_problems(
            plan_problems(
                number=number,
                title=data.get("title"),
                inspector=data.get("inspector"),
                start=start,
                end=data.get("end"),
                report_due=data.get("report_due"),
            )
        )
        text, reported_on, file = data.get("report"), data.get("reported_on"), data.get("report_file")
        if (text or reported_on or file or self.instance.reported_on) and start is not None:
            self._add_problems(
                report_problems(
                    start=start, text=text, has_file=bool(file), reported_on=reported_on, today=timezone.localdate()
                )
            )
        return data


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """The plan with its checklist and visited units, and the report, written through inspection_save and
    report_save; the findings (on the pages) and the conclusion (its recommendations) are not edited here."""

    form = InspectionAdminForm
    list_display = ["number", "title", "inspector", "start", "end", "report_due", "reported_on"]
    search_fields = ["number", "title", "inspector__code", "inspector__name"]
    autocomplete_fields = ["inspector"]
    list_select_related = ["inspector"]
    date_hierarchy = "start"
    inlines = [TopicInline, VisitInline]

    def get_readonly_fields(self, request, obj=None):
        # The number is the key of inspection_save: another number is another inspection.
        return ["number", "conclusion"] if obj is not None else ["conclusion"]

    def save_model(self, request, obj, form, change):
        """Nothing yet: the plan is written with its topics and visits in save_related, in one call."""

    def save_related(self, request, form, formsets, change):
        """Through inspection_save (the plan, the topics, the visits) and report_save, the one write path."""
        obj = form.instance
        topics = next((f.titles for f in formsets if isinstance(f, TopicFormSet)), None)
        visits = next((f.visits for f in formsets if isinstance(f, VisitFormSet)), None)
        saved = inspection_save(
            number=obj.number,
            title=obj.title,
            inspector=obj.inspector,
            start=obj.start,
            end=obj.end,
            team=obj.team,
            report_due=obj.report_due,
            topics=topics,
            visits=visits,
        )
        if obj.reported_on is not None:
            upload = form.cleaned_data.get("report_file") if "report_file" in form.changed_data else None
            report_save(saved, text=obj.report, reported_on=obj.reported_on, file=upload or None)
        obj.pk = saved.pk
        for formset in formsets:  # what the admin's change message reads
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


# --- periodic indicators ------------------------------------------------------------------------------


class IndicatorAdminForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["code", "name", "measure", "denominator", "periodicity", "description", "position", "active"]

    def clean(self):
        """The rules of indicator_save (directing.rules.indicators.indicator_problems) on the form's fields."""
        data = super().clean()
        stored = self.instance if self.instance.pk else None
        has_values = stored is not None and stored.values.exists()
        for field, reason in indicator_problems(data, stored=stored, has_values=has_values):
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, reason)
        return data


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Admins define the indicators; units report their values (the entry form, the import)."""

    form = IndicatorAdminForm
    list_display = ["code", "name", "measure", "denominator", "periodicity", "position", "active"]
    list_filter = ["periodicity", "active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the key of indicator_save: another code is another indicator.
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through indicator_save, the one write path of indicators."""
        saved = indicator_save(
            code=obj.code,
            name=obj.name,
            measure=obj.measure,
            periodicity=obj.periodicity,
            denominator=obj.denominator,
            description=obj.description,
            position=obj.position,
            active=obj.active,
        )
        obj.pk = saved.pk


class IndicatorValueAdminForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["indicator", "unit", "period_start", "value", "denominator", "note"]

    def clean(self):
        """The rules of indicator_values_upsert (directing.rules.indicators.indicator_value_problems) on the
        form's fields; the key (indicator, unit, period) of a stored value is read only."""
        data = super().clean()
        stored = self.instance.pk is not None
        indicator = data.get("indicator") or (self.instance.indicator if stored else None)
        unit = data.get("unit") or (self.instance.unit if stored else None)
        row = {
            "period_start": data.get("period_start", self.instance.period_start),
            "value": data.get("value"),
            "denominator": data.get("denominator"),
        }
        if indicator is None or row["period_start"] is None or "value" in self.errors:
            return data
        problems = indicator_value_problems(row, indicator, unit, timezone.localdate(), stored=stored)
        user = getattr(self, "user", None)
        if unit is not None and user is not None and not Unit.objects.for_user(user).filter(pk=unit.pk).exists():
            problems.append(("unit", _("%(unit)s is not in your scope") % {"unit": unit.code}))
        for field, reason in problems:
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, reason)
        return data


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    form = IndicatorValueAdminForm
    list_display = ["indicator", "unit", "period_start", "value", "denominator", "updated_by", "updated_at"]
    list_filter = ["indicator", "period_start"]
    search_fields = ["unit__code", "unit__name", "indicator__code", "note"]
    autocomplete_fields = ["unit"]
    list_select_related = ["indicator", "unit", "updated_by"]
    date_hierarchy = "period_start"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # indicator_values_upsert's scope, checked by the form first
        return form

    def get_readonly_fields(self, request, obj=None):
        # The key (indicator, unit, period) is fixed once stored: a different one is another value.
        return ["indicator", "unit", "period_start"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through indicator_values_upsert, the one write path of indicator values."""
        indicator_values_upsert(
            [
                {
                    "indicator_id": obj.indicator_id,
                    "unit_id": obj.unit_id,
                    "period_start": obj.period_start,
                    "value": obj.value,
                    "denominator": obj.denominator,
                    "note": obj.note,
                }
            ],
            user=request.user,
        )
        obj.pk = (
            IndicatorValue.objects.only("pk")
            .get(indicator_id=obj.indicator_id, unit_id=obj.unit_id, period_start=obj.period_start)
            .pk
        )
