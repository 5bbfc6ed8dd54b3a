from django.contrib import admin

from dvc_portal.resources import PortalImportMixin

from .models import Unit
from .resources import UnitResource


@admin.register(Unit)
class UnitAdmin(PortalImportMixin, admin.ModelAdmin):
    # Import through the portal's importer (preview, confirm); export through django-import-export.
    import_kind = "units"
    resource_classes = [UnitResource]
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter), "valid_to"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "successors"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]
