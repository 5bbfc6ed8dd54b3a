"""Import of the unit tree: each row parsed and handed to units.services.units_upsert, which checks the
tree (parents and successors may be named before or after the rows that define them, or be units
already stored) and writes it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from core.xlsx import DATE
from imports.base import EXPORT_CHUNK, Column, ExportTable, Importer
from imports.parsers import choice_parser, parse_code, parse_date, parse_text
from imports.registry import register
from imports.tabular import clean_text

from .models import Unit, UnitKind, code_validator
from .services import units_upsert

KIND_WORDS = {
    **{kind.value: kind.value for kind in UnitKind},
    "tỉnh": UnitKind.PROVINCE,
    "cấp tỉnh": UnitKind.PROVINCE,
    "thành phố trực thuộc trung ương": UnitKind.PROVINCE,
    "huyện": UnitKind.DISTRICT,
    "quận": UnitKind.DISTRICT,
    "thị xã": UnitKind.DISTRICT,
    "thành phố thuộc tỉnh": UnitKind.DISTRICT,
    "cấp huyện": UnitKind.DISTRICT,
    "xã": UnitKind.COMMUNE,
    "phường": UnitKind.COMMUNE,
    "thị trấn": UnitKind.COMMUNE,
    "đặc khu": UnitKind.COMMUNE,
    "cấp xã": UnitKind.COMMUNE,
    "sở": UnitKind.DEPARTMENT,
    "phòng": UnitKind.DEPARTMENT,
    "ban": UnitKind.DEPARTMENT,
    "trung tâm": UnitKind.CENTER,
}


def unit_code(value):
    code = parse_code(value)
    if len(code) > 40:
        raise ValueError(_("%(code)r is longer than 40 characters") % {"code": code})
    try:
        code_validator(code)
    except ValidationError as exc:
        raise ValueError(f"{code!r}: {exc.messages[0]}") from None
    return code


def code_list(value):
    """One or more unit codes separated by `,` or `;` (several old communes merged into one, or one split)."""
    return tuple(sorted({unit_code(part) for part in clean_text(value).replace(";", ",").split(",") if part.strip()}))


@register
class UnitImporter(Importer):
    kind = "units"
    label = gettext_lazy("Units")
    columns = (
        Column("code", ("Mã đơn vị", "Mã ĐVHC", "Mã"), required=True),
        Column("name", ("Tên đơn vị", "Tên ĐVHC", "Tên"), required=True),
        Column("kind", ("Loại đơn vị", "Loại", "Cấp"), required=True),
        Column("parent_code", ("Mã đơn vị cấp trên", "Mã cấp trên", "Đơn vị cấp trên")),
        Column("valid_from", ("Hiệu lực từ", "Ngày hiệu lực")),
        Column("valid_to", ("Hiệu lực đến", "Ngày hết hiệu lực")),
        Column("successor_code", ("Mã đơn vị kế thừa", "Đơn vị kế thừa")),
    )
    example = {
        "code": "88101",
        "name": "Phường Một",
        "kind": "phường",
        "parent_code": "881",
        "valid_from": "01/07/2025",
        "valid_to": "",
        "successor_code": "",
    }
    choices = {
        "kind": (
            "tỉnh",
            "huyện",
            "quận",
            "thị xã",
            "xã",
            "phường",
            "thị trấn",
            "đặc khu",
            "sở",
            "phòng",
            "ban",
            "trung tâm",
        )
    }
    parse_kind = staticmethod(choice_parser(KIND_WORDS, gettext_lazy("unit kind")))

    def parse_row(self, number, raw):
        item = {"_row": number}
        errors = len(self.errors)
        item["code"] = self.cell(number, raw, "code", unit_code, required=True)
        name = self.cell(number, raw, "name", parse_text, required=True)
        if name and len(name) > 255:
            self.error(number, "name", _("the name is longer than 255 characters"))
        item["name"] = name
        item["kind"] = self.cell(number, raw, "kind", self.parse_kind, required=True)
        if self.present("parent_code"):
            item["parent_code"] = self.cell(number, raw, "parent_code", unit_code)
        for key in ("valid_from", "valid_to"):
            if self.present(key):
                item[key] = self.cell(number, raw, key, parse_date)
        if self.present("successor_code"):
            item["successor_code"] = self.cell(number, raw, "successor_code", code_list) or ()
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = super().parse(rows)
        self.check_duplicates(parsed, lambda i: i["code"], _("unit code"), "code")
        return parsed

    def write(self, parsed):
        rows = []
        for item in parsed:
            row = {key: value for key, value in item.items() if key not in ("_row", "successor_code")}
            if "successor_code" in item:
                row["successor_codes"] = item["successor_code"]
            rows.append(row)
        try:
            result = units_upsert(rows, user=self.user, reason=f"import: {self.file_name}")
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed], columns={"successor_codes": "successor_code"})
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the units of a subtree (by their place in the tree), those that
    # existed on a day of the period.
    export_limits = frozenset({"unit", "period"})

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        units = Unit.objects.all()
        if unit is not None:
            units = units.subtree(unit)
        if period is not None:
            units = units.active_between(period.start.first_day, period.end.last_day)
        successors = {}
        for code, successor in (
            Unit.successors.through.objects.filter(from_unit__in=units)
            .order_by("to_unit__code")
            .values_list("from_unit__code", "to_unit__code")
        ):
            successors.setdefault(code, []).append(successor)
        rows = (
            (code, name, kind, parent or "", valid_from, valid_to, ", ".join(successors.get(code, ())))
            for code, name, kind, parent, valid_from, valid_to in units.order_by("path")
            .values_list("code", "name", "kind", "parent__code", "valid_from", "valid_to")
            .iterator(chunk_size=EXPORT_CHUNK)
        )
        column = cls.export_column
        return ExportTable(
            columns=[
                column("code"),
                column("name", width=40),
                column("kind", width=12),
                column("parent_code"),
                column("valid_from", DATE, 12),
                column("valid_to", DATE, 12),
                column("successor_code", width=20),
            ],
            rows=rows,
        )

    # The preview of changes (imports.base): a unit's fields by its code.
    stored_fields = ("name", "kind", "parent_code", "valid_from", "valid_to", "successor_code")

    def row_keys(self, parsed):
        return [(item["_row"], item["code"]) for item in parsed]

    def stored(self, parsed):
        codes = [item["code"] for item in parsed]
        successors = {}
        for code, successor in (
            Unit.successors.through.objects.filter(from_unit__code__in=codes)
            .order_by()
            .values_list("from_unit__code", "to_unit__code")
        ):
            successors.setdefault(code, []).append(successor)
        return {
            code: (name, kind, parent, valid_from, valid_to, tuple(sorted(successors.get(code, ()))))
            for code, name, kind, parent, valid_from, valid_to in Unit.objects.filter(code__in=codes)
            .order_by()
            .values_list("code", "name", "kind", "parent__code", "valid_from", "valid_to")
        }

    def display(self, field, value):
        if field == "kind" and value in UnitKind.values:
            return str(UnitKind(value).label)
        return super().display(field, value)
