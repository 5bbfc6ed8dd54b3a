"""A unit's figures split by what they are about: per procedure (which procedures carry the filings, and
which to push online next) and per field (lĩnh vực, counting the figures reported per field too). The
rates come from the same arithmetic as every KPI (selectors.kpi_values); one query per split."""

from dataclasses import dataclass

from core.periods import Period
from filings.models import FieldFiling, MonthlyFiling
from units.models import Unit

from .selectors import KpiValue, approved_q, kpi_values
from .services import FIGURE_SUMS


@dataclass(frozen=True)
class ItemFigures:
    """One procedure's (or field's) figures over the subtree and the period."""

    code: str
    name: str
    online_rate: KpiValue
    on_time_rate: KpiValue

    @property
    def new(self) -> int:
        return self.online_rate.denominator or 0

    @property
    def online(self) -> int:
        return self.online_rate.numerator or 0

    @property
    def not_online(self) -> int:
        """New filings not received online: what moving the procedure online could gain."""
        return self.new - self.online


def _figures(queryset, unit, period, approved_only):
    queryset = queryset.filter(period.filter_q(), unit__path__startswith=unit.path).order_by()
    if approved_only:
        queryset = queryset.filter(approved_q())
    return queryset


# Annotations named apart from the fields they sum (an annotation named like a field would shadow it).
_SUMS = {f"t_{key}": expression for key, expression in FIGURE_SUMS.items()}


def _item(code, name, sums):
    values = kpi_values({f"sum_{key}": sums[f"t_{key}"] or 0 for key in FIGURE_SUMS}, None, {})
    return ItemFigures(code, name, values["online_rate"], values["on_time_rate"])


def procedure_breakdown(
    unit: Unit, period: Period, *, approved_only: bool = False, procedure=None
) -> list[ItemFigures]:
    """The procedures filed in the unit's subtree over the period (or the one `procedure`), most filings
    first. One query."""
    filings = MonthlyFiling.objects.filter(procedure=procedure) if procedure else MonthlyFiling.objects
    rows = _figures(filings, unit, period, approved_only).values("procedure__code", "procedure__name").annotate(**_SUMS)
    items = [_item(row["procedure__code"], row["procedure__name"], row) for row in rows]
    return sorted((item for item in items if item.new or item.on_time_rate.denominator), key=_by_filings)


def field_breakdown(unit: Unit, period: Period, *, approved_only: bool = False) -> list[ItemFigures]:
    """The fields filed in the unit's subtree over the period, most filings first: the figures per
    procedure by the procedure's field (procedures without one under an empty code) and the figures
    reported per field. Two queries."""
    sums = {}

    def add(code, name, row):
        entry = sums.setdefault(code or "", {"name": name or "", **dict.fromkeys(_SUMS, 0)})
        for key in _SUMS:
            entry[key] += row[key] or 0

    per_procedure = (
        _figures(MonthlyFiling.objects, unit, period, approved_only)
        .values("procedure__field__code", "procedure__field__name")
        .annotate(**_SUMS)
    )
    for row in per_procedure:
        add(row["procedure__field__code"], row["procedure__field__name"], row)
    per_field = (
        _figures(FieldFiling.objects, unit, period, approved_only)
        .values("field__code", "field__name")
        .annotate(**_SUMS)
    )
    for row in per_field:
        add(row["field__code"], row["field__name"], row)
    return sorted((_item(code, entry["name"], entry) for code, entry in sums.items()), key=_by_filings)


def _by_filings(item):
    return (-item.new, item.code)


def push_online_next(items: list[ItemFigures], limit: int = 10) -> list[ItemFigures]:
    """The procedures whose filings most often came not online: where moving online gains the most."""
    return sorted((item for item in items if item.not_online), key=lambda i: (-i.not_online, i.code))[:limit]


def procedure_by_month(unit: Unit, procedure, period: Period, *, approved_only: bool = False) -> list:
    """(Month, ItemFigures) of one procedure in the unit's subtree, for every month of the period. One
    query."""
    rows = (
        _figures(MonthlyFiling.objects.filter(procedure=procedure), unit, period, approved_only)
        .values("year", "month")
        .annotate(**_SUMS)
    )
    by_month = {(row["year"], row["month"]): row for row in rows}
    empty = dict.fromkeys(_SUMS, 0)
    return [
        (month, _item(procedure.code, procedure.name, by_month.get((month.year, month.month), empty)))
        for month in period.months
    ]


def procedure_by_unit(unit: Unit, procedure, period: Period, *, approved_only: bool = False) -> list:
    """(Unit, ItemFigures) of one procedure for each unit of the subtree that filed it (the unit's own
    rows and each unit below, own figures), most filings first. Two queries."""
    rows = (
        _figures(MonthlyFiling.objects.filter(procedure=procedure), unit, period, approved_only)
        .values("unit_id")
        .annotate(**_SUMS)
    )
    sums = {row["unit_id"]: row for row in rows}
    units = Unit.objects.filter(pk__in=list(sums)).only("code", "name", "path").in_bulk()
    items = [(units[pk], _item(procedure.code, procedure.name, row)) for pk, row in sums.items()]
    return sorted(items, key=lambda pair: (-pair[1].new, pair[0].code))
