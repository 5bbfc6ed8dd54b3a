from django.contrib import admin

from .models import Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter), "valid_to"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "successors"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]
