from django import forms
from django.contrib import admin
from django.utils import timezone

from .models import Activity, Directive, Task, TaskAssignment, TaskReport
from .rules.activities import activity_problems
from .services.activities import activities_upsert
from .services.directives import directive_save, task_save


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
