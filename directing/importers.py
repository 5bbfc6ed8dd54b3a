"""Import of outreach activities: one row per unit, day and kind, written by
directing.services.activities.activities_upsert (which applies the rules: directing.rules.activities)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from filings.rules import parse_count
from imports.base import Column, Importer
from imports.parsers import choice_parser, parse_code, parse_date, parse_text
from imports.registry import register
from units.models import Unit

from .models import Activity, ActivityKind
from .services.activities import activities_upsert

KIND_WORDS = {
    **{kind: kind for kind in ActivityKind.values},
    "hội nghị": ActivityKind.CONFERENCE,
    "tập huấn": ActivityKind.TRAINING,
    "phát thanh": ActivityKind.BROADCAST,
    "pano/khẩu hiệu": ActivityKind.PANEL,
    "pano": ActivityKind.PANEL,
    "khẩu hiệu": ActivityKind.PANEL,
    "tổ hướng dẫn": ActivityKind.GUIDE_TEAM,
    "khác": ActivityKind.OTHER,
}
parse_kind = choice_parser(KIND_WORDS, gettext_lazy("kind of activity"))


@register
class ActivityImporter(Importer):
    kind = "activities"
    label = gettext_lazy("Outreach activities")
    example = {
        "unit_code": "06766",
        "date": "15/03/2019",
        "kind": "hội nghị",
        "participants": "70",
        "note": "Hội nghị tuyên truyền DVC trực tuyến",
    }
    choices = {"kind": ("hội nghị", "tập huấn", "phát thanh", "pano/khẩu hiệu", "tổ hướng dẫn", "khác")}
    columns = (
        Column("unit_code", ("Mã đơn vị",), required=True),
        Column("date", ("Ngày",), required=True),
        Column("kind", ("Hình thức",), required=True),
        Column("participants", ("Số người tham dự",)),
        Column("note", ("Ghi chú",)),
    )

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {
            "_row": number,
            "unit_code": self.cell(number, raw, "unit_code", parse_code, required=True),
            "date": self.cell(number, raw, "date", parse_date, required=True),
            "kind": self.cell(number, raw, "kind", parse_kind, required=True),
            "participants": self.cell(number, raw, "participants", parse_count),
            "note": self.cell(number, raw, "note", parse_text) or "",
        }
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        valid = self.with_units(super().parse(rows))
        self.check_duplicates(
            valid, lambda i: (i["unit_id"], i["date"], i["kind"]), _("unit, date and kind"), "unit_code"
        )
        return valid

    def write(self, parsed):
        rows = [{k: item[k] for k in ("unit_id", "date", "kind", "participants", "note")} for item in parsed]
        try:
            result = activities_upsert(rows)
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed], {"unit": "unit_code"})
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The preview of changes (imports.base): an activity by unit, date and kind.
    stored_fields = ("participants", "note")

    def row_keys(self, parsed):
        return [(item["_row"], (item["unit_id"], item["date"], item["kind"])) for item in parsed]

    def stored(self, parsed):
        return {
            (unit_id, date, kind): (participants, note)
            for unit_id, date, kind, participants, note in Activity.objects.filter(
                unit_id__in={item["unit_id"] for item in parsed}, date__in={item["date"] for item in parsed}
            )
            .order_by()
            .values_list("unit_id", "date", "kind", "participants", "note")
        }

    def describe_keys(self, keys):
        units = dict(Unit.objects.filter(pk__in={key[0] for key in keys}).values_list("pk", "code"))
        return {key: f"{units.get(key[0], key[0])} · {key[1]:%d/%m/%Y} · {ActivityKind(key[2]).label}" for key in keys}
