"""Figures per procedure or per field: the two kinds of rows a unit-month can hold, and which one a
unit-month is reported in."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from procedures.models import Field, Procedure
from units.models import Unit

from .models import FieldFiling, Grain, MonthlyFiling, ReportingMode


@dataclass(frozen=True)
class Kind:
    """The table of a kind of figures and what, besides unit and month, keys a row."""

    grain: str  # Grain
    model: type
    item: str  # the key's column: procedure_id or field_id
    item_model: type
    item_label: str  # "Procedure %(code)s", how a message names a row

    @property
    def key(self):
        return ("unit_id", self.item, "year", "month")

    @property
    def item_field(self):
        return self.item.removesuffix("_id")


PER_PROCEDURE = Kind(Grain.PROCEDURE, MonthlyFiling, "procedure_id", Procedure, _("Procedure %(code)s"))
PER_FIELD = Kind(Grain.FIELD, FieldFiling, "field_id", Field, _("Field %(code)s"))
KINDS = {kind.grain: kind for kind in (PER_PROCEDURE, PER_FIELD)}


def kind_of(model) -> Kind:
    return PER_FIELD if model is FieldFiling else PER_PROCEDURE


def _mode_q(year, month):
    return Q(year__lt=year) | Q(year=year, month__lte=month)


def unit_month_kind(unit, year: int, month: int) -> Kind:
    """How the unit-month is reported: as its stored figures are, or else as the unit's reporting mode
    in force says (per procedure without one). One query."""
    month_q = Q(unit=OuterRef("pk"), year=year, month=month)
    has_fields, has_procedures, grain = (
        Unit.objects.filter(pk=unit.pk)
        .annotate(
            has_fields=Exists(FieldFiling.objects.filter(month_q)),
            has_procedures=Exists(MonthlyFiling.objects.filter(month_q)),
            grain=Subquery(
                ReportingMode.objects.filter(_mode_q(year, month), unit=OuterRef("pk"))
                .order_by("-year", "-month")
                .values("grain")[:1]
            ),
        )
        .values_list("has_fields", "has_procedures", "grain")
        .get()
    )
    if has_fields:
        return PER_FIELD
    if has_procedures:
        return PER_PROCEDURE
    return KINDS.get(grain, PER_PROCEDURE)
