from django.contrib import admin

from .models import MonthlyFiling


@admin.register(MonthlyFiling)
class MonthlyFilingAdmin(admin.ModelAdmin):
    list_display = [
        "unit", "procedure", "year", "month", "received_online", "received_direct", "received_postal",
        "resolved_on_time", "resolved_late", "returned_postal",
    ]
    list_filter = ["year", "month", "unit__kind"]
    search_fields = ["unit__code", "unit__name", "procedure__code", "procedure__name"]
    autocomplete_fields = ["unit", "procedure"]
    list_select_related = ["unit", "procedure"]
