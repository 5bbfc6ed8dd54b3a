from django.contrib import admin

from imports.resources import PortalImportMixin

from .models import Target
from .resources import TargetResource
from .services import targets_delete, targets_upsert


@admin.register(Target)
class TargetAdmin(PortalImportMixin, admin.ModelAdmin):
    import_kind = "targets"
    resource_classes = [TargetResource]
    list_display = ["unit", "year", "kpi", "target"]
    list_filter = ["year", "kpi"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]

    def save_model(self, request, obj, form, change):
        """Through targets_upsert, the one write path of targets (with its history row)."""
        if change:
            old = Target.objects.get(pk=obj.pk)
            if (old.unit_id, old.year, old.kpi) != (obj.unit_id, obj.year, obj.kpi):
                targets_delete([old], user=request.user, reason="admin")
        targets_upsert(
            [{"unit_id": obj.unit_id, "year": obj.year, "kpi": obj.kpi, "target": obj.target}],
            user=request.user,
            reason="admin",
        )
        obj.pk = Target.objects.only("pk").get(unit_id=obj.unit_id, year=obj.year, kpi=obj.kpi).pk

    def delete_model(self, request, obj):
        targets_delete([obj], user=request.user, reason="admin")

    def delete_queryset(self, request, queryset):
        targets_delete(queryset, user=request.user, reason="admin")
