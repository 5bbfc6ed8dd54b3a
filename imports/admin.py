from django.contrib import admin

from .models import ImportRecord


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
