from django.contrib import admin

from .models import Offering, Procedure


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "level"]
    list_filter = ["level", "field"]
    search_fields = ["code", "name", "field"]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["unit", "procedure", "service_level", "valid_from"]
    list_filter = ["service_level", "unit__kind", "procedure__level"]
    search_fields = ["unit__code", "unit__name", "procedure__code", "procedure__name"]
    autocomplete_fields = ["unit", "procedure"]
    list_select_related = ["unit", "procedure"]
