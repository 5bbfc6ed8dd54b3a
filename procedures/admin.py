from django.contrib import admin

from imports.resources import PortalImportMixin

from .models import Field, Offering, Procedure
from .resources import FieldResource, OfferingResource, ProcedureResource
from .services import fields_upsert, offering_save, offerings_write, procedures_upsert


@admin.register(Field)
class FieldAdmin(PortalImportMixin, admin.ModelAdmin):
    import_kind = "fields"
    resource_classes = [FieldResource]
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through fields_upsert, the one write path of the catalogue of fields."""
        fields_upsert([{"code": obj.code, "name": obj.name}], user=request.user, reason="admin")
        obj.pk = Field.objects.only("pk").get(code=obj.code).pk


@admin.register(Procedure)
class ProcedureAdmin(PortalImportMixin, admin.ModelAdmin):
    import_kind = "procedures"
    resource_classes = [ProcedureResource]
    list_display = ["code", "name", "field", "level"]
    list_filter = ["level", "field"]
    search_fields = ["code", "name", "field__code", "field__name"]

    def get_readonly_fields(self, request, obj=None):
        # A procedure is known by its national code: another code is another procedure.
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through procedures_upsert, the one write path of the catalogue."""
        procedures_upsert(
            [
                {
                    "code": obj.code,
                    "name": obj.name,
                    "field_code": obj.field.code if obj.field else "",
                    "field": obj.field.name if obj.field else "",
                    "level": obj.level,
                }
            ],
            user=request.user,
            reason="admin",
        )
        obj.pk = Procedure.objects.only("pk").get(code=obj.code).pk


@admin.register(Offering)
class OfferingAdmin(PortalImportMixin, admin.ModelAdmin):
    import_kind = "offerings"
    resource_classes = [OfferingResource]
    list_display = ["unit", "procedure", "service_level", "valid_from", "department"]
    list_filter = ["service_level", "unit__kind", "procedure__level", ("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["unit__code", "unit__name", "procedure__code", "procedure__name", "department__code"]
    # Any unit may be picked as the department: the rule (procedures.rules) says why a wrong one is refused.
    autocomplete_fields = ["unit", "procedure", "department"]
    list_select_related = ["unit", "procedure", "department"]

    # Through the offerings service: the level in force decides which filings count as offered online, so
    # the unit-month KPI totals are brought up to date with every change made here.
    def save_model(self, request, obj, form, change):
        offering_save(obj, user=request.user, reason="admin")

    def delete_model(self, request, obj):
        offerings_write(delete=[obj], user=request.user, reason="admin")

    def delete_queryset(self, request, queryset):
        offerings_write(delete=list(queryset), user=request.user, reason="admin")
