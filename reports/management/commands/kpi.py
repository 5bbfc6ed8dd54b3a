from django.core.management.base import BaseCommand
from django.utils.translation import override

from core.cli import dump_json, format_number, format_table, period_arg
from reports.kpis import DECISION_766, FAMILIES, FORM_06
from reports.projection import with_projections
from reports.selectors import kpis_for

from ._args import add_approved_only, add_tree, tree_notes, unit_arg


def _table(values):
    """The text table of some KPIs ({key: KpiValue}): numerator, denominator, value, target, gap, met, and
    the year-end projection when any has one. A KPI whose counts nobody reported says "no data"."""
    rows = [
        [
            key,
            format_number(value.numerator),
            format_number(value.denominator),
            "no data" if value.no_data else format_number(value.value, "—"),
            format_number(value.target),
            format_number(value.gap),
            {True: "yes", False: "no", None: ""}[value.met],
        ]
        for key, value in values.items()
    ]
    headers = ["KPI", "numerator", "denominator", "value", "target", "gap", "met"]
    projections = [value.projection for value in values.values()]
    if any(projections):
        cells = [format_number(p.value if p and p.status else None) for p in projections]
        width = max(len("projected"), *(len(cell) for cell in cells))
        headers += ["projected".rjust(width), "outlook"]
        for row, cell, projection in zip(rows, cells, projections, strict=True):
            row += [
                cell.rjust(width),
                projection.status.replace("_", " ") if projection and projection.status else "",
            ]
    return format_table(headers, rows)


class Command(BaseCommand):
    help = (
        "Every KPI of a unit (its whole subtree, or --own) over a period: report form 06's, then the Decision 766 "
        'index\'s ("no data" where no unit-month reports their counts).'
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, metavar="CODE", help="unit code, e.g. 195.TTHCC")
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2019-07, 2019-Q3, 2019-H1, 2019 or 2019-01..2019-07"
        )
        parser.add_argument("--own", action="store_true", help="the unit's own figures, without the units below it")
        add_approved_only(parser)
        add_tree(parser)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        unit = unit_arg(options["unit"])
        period = period_arg(options["period"])
        result = kpis_for(
            unit, period, own=options["own"], approved_only=options["approved_only"], tree=options["tree"]
        )
        # A period inside a year that has not ended: each rate's projected year-end value (docs/kpis.md).
        result = with_projections(result)
        if options["json"]:
            self.stdout.write(dump_json(result.as_json()))
            return
        scope = "own figures" if options["own"] else "with the units below it"
        if options["approved_only"]:
            scope += "; approved months only"
        if options["tree"] == "today":
            scope += "; today's units"
        self.stdout.write(f"{unit.code} – {unit.name}, {period} ({scope})")
        by_family = {family: {} for family in FAMILIES}
        for key, value in result.values.items():
            by_family[value.kpi.family][key] = value
        self.stdout.write(_table(by_family[FORM_06]))
        # The Decision 766 KPIs below, apart: many units do not report their counts yet ("no data").
        self.stdout.write("")
        self.stdout.write("Decision 766 index (manage.py score gives its points):")
        self.stdout.write(_table(by_family[DECISION_766]))
        with override("en"):  # the table's words are English; its numbers are written the Vietnamese way
            for key, value in result.values.items():
                if value.left_out:
                    self.stdout.write(f"{key}: {value.left_out}")
        for line in tree_notes(result.predecessors, result.split):
            self.stdout.write(line)
