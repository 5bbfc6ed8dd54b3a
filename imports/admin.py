from django.contrib import admin

from .models import ImportJob, ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """The import log: read only, it records what happened."""

    list_display = [
        "created_at",
        "user",
        "kind",
        "file_name",
        "source",
        "dry_run",
        "succeeded",
        "created",
        "updated",
        "unchanged",
        "errors",
        "warnings",
    ]
    list_filter = ["kind", "source", "dry_run", "succeeded"]
    search_fields = ["file_name", "sha256", "user__username"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """The import page's background imports: read only, their page is the import page's."""

    list_display = ["queued_at", "user", "preview", "status", "phase", "rows_total", "rows_written", "attempts"]
    list_filter = ["status"]
    list_select_related = ["preview", "user"]
    search_fields = ["preview__file_name", "user__username"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
