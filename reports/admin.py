from django.contrib import admin

from dvc_portal.resources import PortalImportMixin

from .models import Target
from .resources import TargetResource


@admin.register(Target)
class TargetAdmin(PortalImportMixin, admin.ModelAdmin):
    import_kind = "targets"
    resource_classes = [TargetResource]
    list_display = ["unit", "year", "kpi", "target"]
    list_filter = ["year", "kpi"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
