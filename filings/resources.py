from import_export import fields
from import_export.widgets import ForeignKeyWidget

from imports.resources import PortalResource
from procedures.models import Procedure
from units.models import Unit

from .models import FIGURE_FIELDS, MonthlyFiling


class MonthlyFilingResource(PortalResource):
    """Export through django-import-export; import through the portal's importer (filings_upsert)."""

    import_kind = "filings"
    unit_code = fields.Field("unit", "unit_code", widget=ForeignKeyWidget(Unit, "code"))
    procedure_code = fields.Field("procedure", "procedure_code", widget=ForeignKeyWidget(Procedure, "code"))

    class Meta:
        model = MonthlyFiling
        fields = ("unit_code", "procedure_code", "year", "month", *FIGURE_FIELDS)
        export_order = fields
        import_id_fields = ("unit_code", "procedure_code", "year", "month")
        # Numbers as numbers: a localised "2.024" would not be a year to the next program.
        widgets = {name: {"coerce_to_string": False} for name in ("year", "month", *FIGURE_FIELDS)}

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("unit", "procedure")
