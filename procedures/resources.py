from import_export import fields
from import_export.widgets import ForeignKeyWidget

from imports.resources import PortalResource
from units.models import Unit

from .models import Field, Offering, Procedure


class FieldResource(PortalResource):
    import_kind = "fields"

    class Meta:
        model = Field
        fields = ("code", "name")
        export_order = fields
        import_id_fields = ("code",)


class ProcedureResource(PortalResource):
    import_kind = "procedures"
    field = fields.Field("field", "field", widget=ForeignKeyWidget(Field, "name"))
    field_code = fields.Field("field", "field_code", widget=ForeignKeyWidget(Field, "code"))

    class Meta:
        model = Procedure
        fields = ("code", "name", "field", "field_code", "level")
        export_order = fields
        import_id_fields = ("code",)


class OfferingResource(PortalResource):
    import_kind = "offerings"
    unit_code = fields.Field("unit", "unit_code", widget=ForeignKeyWidget(Unit, "code"))
    procedure_code = fields.Field("procedure", "procedure_code", widget=ForeignKeyWidget(Procedure, "code"))
    department_code = fields.Field("department", "department_code", widget=ForeignKeyWidget(Unit, "code"))

    class Meta:
        model = Offering
        fields = ("unit_code", "procedure_code", "service_level", "valid_from", "department_code")
        export_order = fields
        import_id_fields = ("unit_code", "procedure_code", "valid_from")

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("unit", "procedure", "department")
