from import_export import fields
from import_export.widgets import ForeignKeyWidget

from imports.resources import PortalResource

from .models import Unit


class UnitResource(PortalResource):
    """Columns named by the import's keys, so that an exported file imports back."""

    import_kind = "units"
    parent_code = fields.Field("parent", "parent_code", widget=ForeignKeyWidget(Unit, "code"))

    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "parent_code", "valid_from", "valid_to")
        export_order = fields
        import_id_fields = ("code",)
