"""Import of targets: a unit's goal for one KPI in one year, as a percentage (or a count for count KPIs),
parsed here and written by reports.services.targets_upsert (with history rows)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from core.periods import FIRST_YEAR, LAST_YEAR
from core.xlsx import NUMBER
from filings.rules import parse_count
from imports.base import EXPORT_CHUNK, Column, ExportTable, Importer
from imports.parsers import choice_parser, parse_code, parse_percentage, parse_whole
from imports.registry import register
from units.models import Unit

from .kpis import KPIS
from .models import Target
from .services import targets_upsert

KPI_WORDS = {
    **{key: key for key in KPIS},
    "Tỷ lệ hồ sơ trực tuyến": "online_rate",
    "Tỷ lệ hồ sơ trực tuyến trên số hồ sơ của TTHC có DVC trực tuyến": "online_rate_eligible",
    "Tỷ lệ TTHC cung cấp DVC trực tuyến": "procedures_online_rate",
    "Tỷ lệ TTHC cung cấp DVC toàn trình": "procedures_full_online_rate",
    "Tỷ lệ giải quyết đúng hạn": "on_time_rate",
    "Số hồ sơ trả kết quả qua BCCI": "postal_returns",
    "Số hồ sơ tiếp nhận qua BCCI": "postal_received",
    "Tỷ lệ hồ sơ đồng bộ lên Cổng DVC quốc gia": "sync_rate",
    "Tỷ lệ thanh toán trực tuyến": "online_payment_rate",
    "Tỷ lệ số hóa hồ sơ": "digitisation_rate",
    "Tỷ lệ cấp kết quả điện tử": "e_result_rate",
    "Tỷ lệ hài lòng": "satisfaction_rate",
    "Tỷ lệ DVC trực tuyến có phát sinh hồ sơ trực tuyến": "procedures_with_online_filings_rate",
}
parse_kpi = choice_parser(KPI_WORDS, gettext_lazy("KPI"))


def parse_year(value):
    year = parse_whole(value, _("year"))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            _("year %(year)s is not between %(first)s and %(last)s")
            % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return year


@register
class TargetImporter(Importer):
    kind = "targets"
    label = gettext_lazy("Targets")
    want_formats = True  # a percent-formatted cell holding 0.305 means 30.5
    example = {"unit_code": "881", "year": "2025", "kpi": "online_rate_eligible", "target": "30%"}
    choices = {"kpi": tuple(KPIS)}
    columns = (
        Column("unit_code", ("Mã đơn vị",), required=True),
        Column("year", ("Năm",), required=True),
        Column("kpi", ("Chỉ số", "Mã chỉ số"), required=True),
        Column("target", ("Chỉ tiêu (%)", "Chỉ tiêu"), required=True),
    )

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {
            "_row": number,
            "unit_code": self.cell(number, raw, "unit_code", parse_code, required=True),
            "year": self.cell(number, raw, "year", parse_year, required=True),
            "kpi": self.cell(number, raw, "kpi", parse_kpi, required=True),
        }
        if item["kpi"] and not KPIS[item["kpi"]].is_rate:
            item["target"] = self.cell(number, raw, "target", lambda v: Decimal(parse_count(v)), required=True)
        else:
            item["target"] = self.cell(number, raw, "target", parse_percentage, required=True)
            if item["target"] is not None and item["target"] > 100:
                self.error(number, "target", _("%(value)s%% is over 100%%") % {"value": item["target"]})
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        valid = self.with_units(super().parse(rows))
        self.check_duplicates(
            valid, lambda i: (i["unit_id"], i["year"], i["kpi"]), _("unit, year and KPI"), "unit_code"
        )
        return valid

    def write(self, parsed):
        rows = [{k: item[k] for k in ("unit_id", "year", "kpi", "target")} for item in parsed]
        try:
            result = targets_upsert(rows, user=self.user, reason=f"import: {self.file_name}"[:100])
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed])
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the targets of a subtree's units; with a period, those of the years
    # it spans. A rate as its percentage (30.5), a count KPI's as a whole number.
    export_limits = frozenset({"unit", "period"})

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        targets = Target.objects.all()
        if unit is not None:
            targets = targets.filter(unit__in=Unit.objects.subtree(unit))
        if period is not None:
            targets = targets.filter(year__gte=period.start.year, year__lte=period.end.year)
        column = cls.export_column
        return ExportTable(
            columns=[
                column("unit_code"),
                column("year", width=8),
                column("kpi", width=30),
                column("target", NUMBER, 12),
            ],
            rows=(
                (code, year, kpi, target if kpi not in KPIS or KPIS[kpi].is_rate else int(target))
                for code, year, kpi, target in targets.order_by("unit__path", "year", "kpi")
                .values_list("unit__code", "year", "kpi", "target")
                .iterator(chunk_size=EXPORT_CHUNK)
            ),
        )

    # The preview of changes (imports.base): a target by unit, year and KPI.
    stored_fields = ("target",)

    def row_keys(self, parsed):
        return [(item["_row"], (item["unit_id"], item["year"], item["kpi"])) for item in parsed]

    def stored(self, parsed):
        return {
            (unit_id, year, kpi): (target,)
            for unit_id, year, kpi, target in Target.objects.filter(
                unit_id__in={item["unit_id"] for item in parsed}, year__in={item["year"] for item in parsed}
            )
            .order_by()
            .values_list("unit_id", "year", "kpi", "target")
        }

    def describe_keys(self, keys):
        units = dict(Unit.objects.filter(pk__in={key[0] for key in keys}).values_list("pk", "code"))
        return {key: f"{units.get(key[0], key[0])} · {key[1]} · {KPIS[key[2]].label}" for key in keys}

    def display(self, field, value):
        # Two decimals are stored; 30.50 is shown as written, 30,5 (and a count as a whole number).
        return super().display(field, value.normalize() if value is not None else value)
