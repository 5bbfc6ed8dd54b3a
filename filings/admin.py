from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from imports.resources import PortalImportMixin

from . import locks, quality
from .models import (
    COUNT_FIELDS,
    FIGURE_FIELDS,
    SCORE_FIELDS,
    EntryException,
    FieldFiling,
    MonthlyFiling,
    ReportingMode,
    UnitMonth,
    UnitMonthStatus,
)
from .resources import MonthlyFilingResource
from .rules import check_month, check_month_range
from .services import Source, filings_delete, filings_upsert, reporting_mode_set

_KEY_FIELDS = ["unit", "procedure", "year", "month"]
_SCORES_FIELDSET = (
    _("Decision 766 indicators"),
    {"fields": list(SCORE_FIELDS), "description": _("An empty count is “not reported” (no data), which is not 0.")},
)


class MonthlyFilingAdminForm(forms.ModelForm):
    """The admin's filing form: the lock rule of every write, with an explicit box to overwrite an
    approved month."""

    force = forms.BooleanField(
        label=_("Overwrite a locked (approved) month"),
        required=False,
        help_text=_("Only administrators can; the change is recorded in the history."),
    )
    confirm_warnings = forms.BooleanField(
        label=_("Save despite the warnings"),
        required=False,
        help_text=_(
            "Figures that do not balance, online receipts of a procedure not offered online, or figures "
            "far from the unit's recent months are warnings: check them, then tick this box."
        ),
    )
    request_user = None  # set per request by MonthlyFilingAdmin.get_form

    class Meta:
        model = MonthlyFiling
        fields = "__all__"

    def clean(self):
        """The rules of every write of figures: the month and the unit's validity (filings.rules), the
        locks (filings.workflow), then the warnings (filings.quality), which the admin confirms."""
        cleaned = super().clean()
        instance = self.instance
        unit = cleaned.get("unit") or (instance.unit if instance.unit_id else None)
        procedure = cleaned.get("procedure") or (instance.procedure if instance.procedure_id else None)
        year, month = cleaned.get("year") or instance.year, cleaned.get("month") or instance.month
        if not (unit and procedure and year and month) or self.errors:
            return cleaned
        try:
            check_month(year, month)
            locks.assert_writable([(unit.pk, year, month)], user=self.request_user, force=cleaned.get("force", False))
        except ValueError as exc:
            raise ValidationError({"month": str(exc)}) from None
        except locks.UnitMonthLocked as locked:
            raise ValidationError(locked.messages) from None
        counts = {name: cleaned.get(name) or 0 for name in COUNT_FIELDS}
        counts.update({name: cleaned.get(name) for name in SCORE_FIELDS})  # None: not reported
        flags = [
            flag
            for flag in quality.unit_month_warnings(unit, year, month, changes={procedure.pk: counts})
            if flag.item_id in (None, procedure.pk)
        ]
        if flags and not cleaned.get("confirm_warnings"):
            raise ValidationError(
                [flag.message for flag in flags]
                + [_("Check these warnings, then tick “Save despite the warnings” to save the figures as they are.")]
            )
        return cleaned


@admin.register(MonthlyFiling)
class MonthlyFilingAdmin(PortalImportMixin, admin.ModelAdmin):
    # Import through the portal's importer (filings_upsert, month locks, preview, confirm).
    import_kind = "filings"
    resource_classes = [MonthlyFilingResource]
    list_display = [
        "unit",
        "procedure",
        "year",
        "month",
        "received_online",
        "received_direct",
        "received_postal",
        "resolved_on_time",
        "resolved_late",
        "returned_postal",
    ]
    list_filter = ["year", "month", "unit__kind"]
    search_fields = ["unit__code", "unit__name", "procedure__code", "procedure__name"]
    autocomplete_fields = ["unit", "procedure"]
    list_select_related = ["unit", "procedure"]
    form = MonthlyFilingAdminForm
    fieldsets = [
        (None, {"fields": [*_KEY_FIELDS, *COUNT_FIELDS]}),
        _SCORES_FIELDSET,
        (None, {"fields": ["force", "confirm_warnings"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user  # a class made for this request
        return form

    def get_readonly_fields(self, request, obj=None):
        # A filing is keyed by unit, procedure and month; another key is another filing.
        return _KEY_FIELDS if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through the one write path, so the admin's edits are checked, versioned and audited."""
        row = {
            "unit_id": obj.unit_id,
            "procedure_id": obj.procedure_id,
            "year": obj.year,
            "month": obj.month,
            **{name: getattr(obj, name) for name in FIGURE_FIELDS},
        }
        filings_upsert(
            [row],
            fields=FIGURE_FIELDS,
            source=Source.ADMIN,
            user=request.user,
            force=form.cleaned_data.get("force", False),
        )
        stored = MonthlyFiling.objects.get(
            unit_id=obj.unit_id, procedure_id=obj.procedure_id, year=obj.year, month=obj.month
        )
        obj.pk = stored.pk

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and UnitMonth.objects.filter(
                unit_id=obj.unit_id, year=obj.year, month=obj.month, status=UnitMonthStatus.APPROVED
            ).exists()
        ):
            return False  # approved: reopen it first
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        try:
            filings_delete(list(queryset), source=Source.ADMIN, user=request.user)
        except locks.UnitMonthLocked as locked:
            raise PermissionDenied("; ".join(locked.messages)) from None


@admin.register(FieldFiling)
class FieldFilingAdmin(SimpleHistoryAdmin):
    """Figures per field, to look at and delete: they are written by the entry page and the import (kind
    `field_filings`), never here. Deletion goes through filings_delete (locks, history, totals)."""

    list_display = [
        "unit",
        "field",
        "year",
        "month",
        "carried_over",
        "received_online",
        "received_direct",
        "received_postal",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "pending_on_time",
        "pending_overdue",
    ]
    list_filter = ["year", "month", "unit__kind"]
    search_fields = ["unit__code", "unit__name", "field__code", "field__name"]
    list_select_related = ["unit", "field"]
    ordering = ["-year", "-month", "unit__code", "field__code"]
    fieldsets = [(None, {"fields": ["unit", "field", "year", "month", *COUNT_FIELDS]}), _SCORES_FIELDSET]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and UnitMonth.objects.filter(
                unit_id=obj.unit_id, year=obj.year, month=obj.month, status=UnitMonthStatus.APPROVED
            ).exists()
        ):
            return False  # approved: reopen it first
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        try:
            filings_delete(list(queryset), source=Source.ADMIN, user=request.user)
        except locks.UnitMonthLocked as locked:
            raise PermissionDenied("; ".join(locked.messages)) from None


class ReportingModeAdminForm(forms.ModelForm):
    """The rules of reporting_mode_set, as form errors: a month of the years the portal keeps."""

    class Meta:
        model = ReportingMode
        fields = ["unit", "year", "month", "grain"]

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year", self.instance.year)
        month = cleaned.get("month", self.instance.month)
        if year is not None and month is not None:
            try:
                check_month_range(year, month)
            except ValueError as exc:
                raise ValidationError({"month": str(exc)}) from None
        return cleaned


@admin.register(ReportingMode)
class ReportingModeAdmin(SimpleHistoryAdmin):
    """From which month a unit reports per procedure or per field; saved through reporting_mode_set."""

    form = ReportingModeAdminForm
    list_display = ["unit", "year", "month", "grain"]
    list_filter = ["grain", "year"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    ordering = ["unit__code", "-year", "-month"]

    def get_readonly_fields(self, request, obj=None):
        # A mode is keyed by unit and month; another month is another mode.
        return ["unit", "year", "month"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through reporting_mode_set, the one write path of reporting modes."""
        stored = reporting_mode_set(obj.unit, obj.year, obj.month, obj.grain)
        obj.pk = stored.pk


@admin.register(UnitMonth)
class UnitMonthAdmin(SimpleHistoryAdmin):
    """Read-only: statuses change only through the workflow (the entry page), which records who and why."""

    list_display = ["unit", "year", "month", "status", "version", "submitted_at", "decided_by", "entry_page"]
    list_filter = ["status", "year", "month"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "decided_by"]
    ordering = ["-year", "-month", "unit__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("entry page"))
    def entry_page(self, obj):
        url = reverse("filings:entry", kwargs={"code": obj.unit.code, "year": obj.year, "month": obj.month})
        return format_html('<a href="{}">{}</a>', url, _("open"))


@admin.register(EntryException)
class EntryExceptionAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "year", "month", "open_until", "granted_by", "granted_at"]
    list_filter = ["year", "month"]
    search_fields = ["unit__code", "unit__name", "reason"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["granted_by", "granted_at"]
    list_select_related = ["unit", "granted_by"]

    def save_model(self, request, obj, form, change):
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)
