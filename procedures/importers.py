"""Import of the procedure catalog and of offerings (which unit provides which procedure at which online
level from which date). Offerings are written in bulk with their history rows: every change is audited."""

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from core.xlsx import DATE
from imports.base import EXPORT_CHUNK, Column, ExportTable, Importer
from imports.parsers import choice_parser, lookup_codes, parse_code, parse_date, parse_text
from imports.registry import register
from imports.tabular import clean_text
from units.models import Unit

from .models import AuthorityLevel, Field, Offering, Procedure, ServiceLevel, month_index
from .services import fields_upsert, offerings_upsert, procedures_upsert

LEVEL_WORDS = {
    **{level.value: level.value for level in AuthorityLevel},
    "tỉnh": AuthorityLevel.PROVINCE,
    "cấp tỉnh": AuthorityLevel.PROVINCE,
    "huyện": AuthorityLevel.DISTRICT,
    "cấp huyện": AuthorityLevel.DISTRICT,
    "xã": AuthorityLevel.COMMUNE,
    "cấp xã": AuthorityLevel.COMMUNE,
}
# Decree 42/2022 wording, and the legacy levels of Decree 43/2011 (4 -> full, 3 -> partial, 1-2 -> none).
SERVICE_LEVEL_WORDS = {
    **{level.value: level.value for level in ServiceLevel},
    "toàn trình": ServiceLevel.FULL,
    "dvc trực tuyến toàn trình": ServiceLevel.FULL,
    "dịch vụ công trực tuyến toàn trình": ServiceLevel.FULL,
    "một phần": ServiceLevel.PARTIAL,
    "dvc trực tuyến một phần": ServiceLevel.PARTIAL,
    "dịch vụ công trực tuyến một phần": ServiceLevel.PARTIAL,
    "không": ServiceLevel.NONE,
    "không trực tuyến": ServiceLevel.NONE,
    **{
        f"{prefix}{n}": level
        for n, level in (
            ("4", ServiceLevel.FULL),
            ("3", ServiceLevel.PARTIAL),
            ("2", ServiceLevel.NONE),
            ("1", ServiceLevel.NONE),
        )
        for prefix in ("", "mức độ ", "mức ", "mức độ dvc ")
    },
}

parse_level = choice_parser(LEVEL_WORDS, gettext_lazy("authority level"))
parse_service_level = choice_parser(SERVICE_LEVEL_WORDS, gettext_lazy("online service level"))


def procedure_code(value) -> str:
    """A procedure code as written: national codes are N.NNNNNN, and typed into a number cell 1.000890
    comes back as 1.00089."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.6f}"
    return clean_text(value)


def code_of_procedure(value):
    code = parse_code(procedure_code(value))
    if len(code) > 40:
        raise ValueError(_("%(code)r is longer than 40 characters") % {"code": code})
    return code


@register
class ProcedureImporter(Importer):
    kind = "procedures"
    label = gettext_lazy("Procedures")
    columns = (
        Column("code", ("Mã TTHC", "Mã thủ tục", "Mã thủ tục hành chính", "Mã"), required=True),
        Column("name", ("Tên TTHC", "Tên thủ tục", "Tên thủ tục hành chính"), required=True),
        Column("field", ("Lĩnh vực", "Tên lĩnh vực")),
        Column("field_code", ("Mã lĩnh vực",)),
        Column("level", ("Cấp thực hiện", "Cấp")),
    )
    example = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "field_code": "G09.HT",
        "level": "xã",
    }
    choices = {"level": ("tỉnh", "huyện", "xã")}

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {"_row": number, "code": self.cell(number, raw, "code", code_of_procedure, required=True)}
        item["name"] = self.cell(number, raw, "name", parse_text, required=True)
        if item["name"] and len(item["name"]) > 500:
            self.error(number, "name", _("the name is longer than 500 characters"))
        for key in ("field", "field_code"):
            if self.present(key):
                item[key] = self.cell(number, raw, key, parse_text) or ""
        if self.present("level"):
            item["level"] = self.cell(number, raw, "level", parse_level) or ""
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = super().parse(rows)
        self.check_duplicates(parsed, lambda i: i["code"], _("procedure code"), "code")
        return parsed

    def write(self, parsed):
        try:
            result = procedures_upsert(
                [{k: v for k, v in item.items() if k != "_row"} for item in parsed],
                user=self.user,
                reason=f"import: {self.file_name}",
            )
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed])
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the whole catalogue, by code; the field by its code and its name.
    @classmethod
    def export_table(cls, *, unit=None, period=None):
        column = cls.export_column
        return ExportTable(
            columns=[
                column("code", width=12),
                column("name", width=60),
                column("field_code", width=14),
                column("field", width=28),
                column("level", width=10),
            ],
            rows=(
                (code, name, field_code or "", field or "", level)
                for code, name, field_code, field, level in Procedure.objects.order_by("code")
                .values_list("code", "name", "field__code", "field__name", "level")
                .iterator(chunk_size=EXPORT_CHUNK)
            ),
        )

    # The preview of changes (imports.base): a procedure's name, field and level by its code.
    stored_fields = ("name", "field", "level")

    def row_keys(self, parsed):
        return [(item["_row"], item["code"]) for item in parsed]

    def stored(self, parsed):
        return {
            code: (name, field, level)
            for code, name, field, level in Procedure.objects.filter(code__in=[item["code"] for item in parsed])
            .order_by()
            .values_list("code", "name", "field__name", "level")
        }

    def display(self, field, value):
        if field == "level" and value in AuthorityLevel.values:
            return str(AuthorityLevel(value).label)
        return super().display(field, value)


@register
class FieldImporter(Importer):
    """The catalogue of fields (lĩnh vực) on its own: code and name. Procedures may also bring their field."""

    kind = "fields"
    label = gettext_lazy("Fields of procedures")
    columns = (
        Column("code", ("Mã lĩnh vực", "Mã"), required=True),
        Column("name", ("Tên lĩnh vực", "Lĩnh vực", "Tên"), required=True),
    )
    example = {"code": "G09.HT", "name": "Hộ tịch"}

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {"_row": number, "code": self.cell(number, raw, "code", parse_code, required=True)}
        item["name"] = self.cell(number, raw, "name", parse_text, required=True)
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = super().parse(rows)
        self.check_duplicates(parsed, lambda i: i["code"], _("field code"), "code")
        return parsed

    def write(self, parsed):
        try:
            result = fields_upsert(
                [{k: v for k, v in item.items() if k != "_row"} for item in parsed],
                user=self.user,
                reason=f"import: {self.file_name}",
            )
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed])
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the whole catalogue of fields, by code.
    @classmethod
    def export_table(cls, *, unit=None, period=None):
        column = cls.export_column
        return ExportTable(
            columns=[column("code", width=14), column("name", width=40)],
            rows=Field.objects.order_by("code").values_list("code", "name").iterator(chunk_size=EXPORT_CHUNK),
        )

    # The preview of changes (imports.base): a field's name by its code.
    stored_fields = ("name",)

    def row_keys(self, parsed):
        return [(item["_row"], item["code"]) for item in parsed]

    def stored(self, parsed):
        return {
            code: (name,)
            for code, name in Field.objects.filter(code__in=[item["code"] for item in parsed])
            .order_by()
            .values_list("code", "name")
        }


@register
class OfferingImporter(Importer):
    kind = "offerings"
    label = gettext_lazy("Offerings (online service levels)")
    columns = (
        Column("unit_code", ("Mã đơn vị",), required=True),
        Column("procedure_code", ("Mã TTHC", "Mã thủ tục", "Mã thủ tục hành chính"), required=True),
        Column(
            "service_level",
            ("Mức độ", "Mức độ DVC", "Mức độ DVCTT", "Mức độ dịch vụ công trực tuyến", "Mức độ cung cấp"),
            required=True,
        ),
        Column("valid_from", ("Áp dụng từ", "Ngày áp dụng", "Hiệu lực từ")),
        # The department responsible for the procedure at the unit (a department of the same district or
        # province): absent, the stored departments stay; an empty cell clears the row's department.
        Column("department_code", ("Mã phòng ban", "Mã phòng ban phụ trách", "Mã cơ quan phụ trách")),
    )
    example = {
        "unit_code": "881.TTHCC",
        "procedure_code": "2.000528",
        "service_level": "Toàn trình",
        "valid_from": "01/01/2025",
        "department_code": "881.TP",
    }
    choices = {"service_level": ("Toàn trình", "Một phần", "Không")}

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {
            "_row": number,
            "unit_code": self.cell(number, raw, "unit_code", parse_code, required=True),
            "procedure_code": self.cell(number, raw, "procedure_code", code_of_procedure, required=True),
            "service_level": self.cell(number, raw, "service_level", parse_service_level, required=True),
            "valid_from": self.cell(number, raw, "valid_from", parse_date) if self.present("valid_from") else None,
        }
        if self.present("department_code"):
            item["department_code"] = self.cell(number, raw, "department_code", parse_text) or ""
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = super().parse(rows)
        departments = {i["department_code"] for i in parsed if i.get("department_code")}
        units = lookup_codes(Unit, {i["unit_code"] for i in parsed} | departments)
        procedures = lookup_codes(Procedure, {i["procedure_code"] for i in parsed})
        valid = []
        for item in parsed:
            item["unit_id"], item["procedure_id"] = (
                units.get(item["unit_code"]),
                procedures.get(item["procedure_code"]),
            )
            if item["unit_id"] is None:
                self.error(item["_row"], "unit_code", _("unknown unit code %(code)r") % {"code": item["unit_code"]})
            if item["procedure_id"] is None:
                self.error(
                    item["_row"],
                    "procedure_code",
                    _("unknown procedure code %(code)r") % {"code": item["procedure_code"]},
                )
            if item.get("department_code"):
                item["department_id"] = units.get(item["department_code"])
                if item["department_id"] is None:
                    self.error(
                        item["_row"],
                        "department_code",
                        _("unknown unit code %(code)r") % {"code": item["department_code"]},
                    )
                    continue
            elif "department_code" in item:
                item["department_id"] = None
            if item["unit_id"] and item["procedure_id"]:
                valid.append(item)
        self.check_duplicates(
            valid,
            lambda i: (i["unit_id"], i["procedure_id"], i["valid_from"]),
            _("unit, procedure and start date"),
            "unit_code",
        )
        return valid

    def write(self, parsed):
        keys = ("unit_id", "procedure_id", "valid_from", "service_level", "department_id")
        rows = [{k: item[k] for k in keys if k in item} for item in parsed]
        # The offerings service also makes reports bring the KPI totals that depend on levels up to date.
        try:
            result = offerings_upsert(
                rows,
                user=self.user if getattr(self.user, "pk", None) else None,
                reason=f"import: {self.file_name}"[:100],
            )
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed], {"department": "department_code"})
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the offerings of a subtree's units; with a period, those in force in
    # at least one of its months (an offering holds from the month of its start date until the month a
    # later one of the same unit and procedure starts: procedures.models.offering_start).
    export_limits = frozenset({"unit", "period"})

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        offerings = Offering.objects.all()
        if unit is not None:
            offerings = offerings.filter(unit__in=Unit.objects.subtree(unit))
        if period is not None:
            first, last = (
                month_index(period.start.year, period.start.month),
                month_index(period.end.year, period.end.month),
            )
            superseded = Offering.objects.started_by(first).filter(
                unit_id=OuterRef("unit_id"), procedure_id=OuterRef("procedure_id"), start__gt=OuterRef("start")
            )
            offerings = offerings.started_by(last).filter(~Exists(superseded))
        column = cls.export_column
        return ExportTable(
            columns=[
                column("unit_code"),
                column("procedure_code", width=12),
                column("service_level", width=10),
                column("valid_from", DATE, 12),
                column("department_code", width=16),
            ],
            rows=(
                (unit_code, procedure, level, valid_from, department or "")
                for unit_code, procedure, level, valid_from, department in offerings.order_by(
                    "unit__path", "procedure__code", F("valid_from").asc(nulls_first=True)
                )
                .values_list("unit__code", "procedure__code", "service_level", "valid_from", "department__code")
                .iterator(chunk_size=EXPORT_CHUNK)
            ),
        )

    # The preview of changes (imports.base): an offering's level and department by unit, procedure and
    # start date.
    stored_fields = ("service_level", "department_code")

    def row_keys(self, parsed):
        return [(item["_row"], (item["unit_id"], item["procedure_id"], item["valid_from"])) for item in parsed]

    def stored(self, parsed):
        return {
            (unit_id, procedure_id, valid_from): (level, department)
            for unit_id, procedure_id, valid_from, level, department in Offering.objects.filter(
                unit_id__in={item["unit_id"] for item in parsed},
                procedure_id__in={item["procedure_id"] for item in parsed},
            )
            .order_by()
            .values_list("unit_id", "procedure_id", "valid_from", "service_level", "department__code")
        }

    def describe_keys(self, keys):
        units = dict(Unit.objects.filter(pk__in={key[0] for key in keys}).values_list("pk", "code"))
        procedures = dict(Procedure.objects.filter(pk__in={key[1] for key in keys}).values_list("pk", "code"))
        return {
            key: " · ".join(
                [str(units.get(key[0], key[0])), str(procedures.get(key[1], key[1]))]
                + ([_("from %(date)s") % {"date": key[2].strftime("%d/%m/%Y")}] if key[2] else [])
            )
            for key in keys
        }

    def display(self, field, value):
        if field == "service_level" and value in ServiceLevel.values:
            return str(ServiceLevel(value).label)
        return super().display(field, value)
