from django import forms
from django.contrib import admin

from imports.resources import PortalImportMixin

from .models import Unit
from .resources import UnitResource
from .services import units_refusals, units_upsert


def _row(unit, successors):
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": unit.parent.code if unit.parent_id else None,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "successor_codes": [s.code for s in successors],
    }


class UnitAdminForm(forms.ModelForm):
    """The rules of units_upsert, checked before saving (a unit named as its own successor ...)."""

    class Meta:
        model = Unit
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        unit = Unit(
            **{
                f.name: cleaned.get(f.name, getattr(self.instance, f.name))
                for f in Unit._meta.concrete_fields
                if f.name not in ("id", "path")
            }
        )
        for issues in units_refusals([_row(unit, cleaned.get("successors") or [])]).values():
            for field, message in issues:
                field = {"parent_code": "parent", "successor_codes": "successors"}.get(field, field)
                self.add_error(field if field in self.fields else None, message)
        return cleaned


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

    form = UnitAdminForm

    def get_readonly_fields(self, request, obj=None):
        # Units are never re-keyed (DOMAIN.md): another code is another unit.
        return ["path", "code"] if obj is not None else ["path"]

    def save_model(self, request, obj, form, change):
        """Through units_upsert, the one write path of units."""
        units_upsert([_row(obj, form.cleaned_data.get("successors") or [])], user=request.user, reason="admin")
        obj.pk = Unit.objects.only("pk").get(code=obj.code).pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """units_upsert wrote the successors too."""
