from django.contrib import admin

from .models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "kpi", "target"]
    list_filter = ["year", "kpi"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
