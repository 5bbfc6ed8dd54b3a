from import_export import fields
from import_export.widgets import ForeignKeyWidget

from imports.resources import PortalResource
from units.models import Unit

from .models import Target


class TargetResource(PortalResource):
    import_kind = "targets"
    unit_code = fields.Field("unit", "unit_code", widget=ForeignKeyWidget(Unit, "code"))

    class Meta:
        model = Target
        fields = ("unit_code", "year", "kpi", "target")
        export_order = fields
        import_id_fields = ("unit_code", "year", "kpi")
        widgets = {"year": {"coerce_to_string": False}, "target": {"coerce_to_string": False}}

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("unit")
