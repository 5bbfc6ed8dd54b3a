"""A unit's figures split by what they are about: per procedure (which procedures carry the filings, and
which to push online next), per field (lĩnh vực, counting the figures reported per field too) and per
responsible department (the unit's own filings, by the department its offering of each procedure names).
The rates come from the same arithmetic as every KPI (selectors.kpi_values); one query per split (and one
more for the departments' names and targets)."""

from dataclasses import dataclass, replace

from django.db.models import FilteredRelation, OuterRef, Q

from core.periods import Period
from filings.models import FieldFiling, MonthlyFiling
from procedures.models import Offering, month_index
from units.models import Unit

from .selectors import KpiValue, _ranked, approved_q, kpi_values
from .services import FIGURE_SUMS


@dataclass(frozen=True)
class ItemFigures:
    """One procedure's (or field's) figures over the subtree and the period."""

    code: str
    name: str
    online_rate: KpiValue
    on_time_rate: KpiValue
    # Among the items of a ranked breakdown (department_breakdown): the competition rank by online rate.
    rank: int | None = None

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

    # The figures per procedure by the procedure's field, then the figures reported per field.
    for model, field in ((MonthlyFiling, "procedure__field"), (FieldFiling, "field")):
        rows = (
            _figures(model.objects, unit, period, approved_only)
            .values(f"{field}__code", f"{field}__name")
            .annotate(**_SUMS)
        )
        for row in rows:
            add(row[f"{field}__code"], row[f"{field}__name"], row)
    return sorted((_item(code, entry["name"], entry) for code, entry in sums.items()), key=_by_filings)


def department_breakdown(unit: Unit, period: Period, *, approved_only: bool = False) -> list[ItemFigures]:
    """The unit's own filings over the period (figures per procedure) by the department responsible for
    each procedure: the department of the unit's offering of the procedure in force in each filing's
    month (the rule of the level in force, procedures.models.offering_start), so a department named from
    some month on counts from that month. Filings of procedures whose offering names no department (or
    that the unit does not offer) make one row with an empty code ("no department given"). Figures
    reported per field have no procedure, hence no department: they are left out, as the KPIs that need
    the online level leave them out.

    Each department's row has its unit's code and name and, on its online rate, the department's own
    online_rate target for the year in which the period ends (KpiValue.target, gap, status). Departments
    are ranked by online rate, highest first (competition ranks, selectors' rule); the row without a
    department comes last, unranked. Two queries, whatever the number of procedures and departments."""
    department = Offering.objects.department_in_force(
        OuterRef("unit_id"), OuterRef("procedure_id"), month_index(OuterRef("year"), OuterRef("month"))
    )
    filings = MonthlyFiling.objects.filter(period.filter_q(), unit=unit).order_by()
    if approved_only:
        filings = filings.filter(approved_q())
    rows = list(filings.annotate(department=department).values("department").annotate(**_SUMS))
    ids = [row["department"] for row in rows if row["department"] is not None]
    departments = {}
    if ids:
        # Each department with its own online_rate target of the year (at most one: Target's unique key).
        target = FilteredRelation("targets", condition=Q(targets__year=period.end_year, targets__kpi="online_rate"))
        for pk, code, name, value in (
            Unit.objects.filter(pk__in=ids).annotate(target=target).values_list("pk", "code", "name", "target__target")
        ):
            departments[pk] = (code, name, value)
    items, rest = [], []
    for row in rows:
        found = departments.get(row["department"])
        if found is None:
            rest.append(_item("", "", row))
        else:
            code, name, value = found
            item = _item(code, name, row)
            items.append(replace(item, online_rate=replace(item.online_rate, target=value)))
    items, rest = ([i for i in group if i.new or i.on_time_rate.denominator] for group in (items, rest))
    return [replace(item, rank=rank) for rank, item, _value in _ranked((i, i.online_rate) for i in items)] + rest


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
