from django.core.management.base import BaseCommand

from core.cli import dump_json, format_number, format_table, period_arg
from reports.alerts import alerts_for
from units.models import Unit

from ._args import add_approved_only, unit_arg


def _right(header, cells):
    """Right-align a column that core.cli.format_table would left-align."""
    width = max([len(header)] + [len(cell) for cell in cells])
    return header.rjust(width), [cell.rjust(width) for cell in cells]


class Command(BaseCommand):
    help = (
        "Months in which a unit at or below the parent (every unit without --parent) fell far below its own "
        "recent months: an online rate far below the unit's rate over the 12 months before (docs/kpis.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--parent", metavar="CODE", help="this unit and the units below it (default: every unit)")
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2019-07, 2019-Q3, 2019-H1, 2019 or 2019-01..2019-07"
        )
        add_approved_only(parser)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        parent = unit_arg(options["parent"], "--parent") if options["parent"] else None
        period = period_arg(options["period"])
        result = alerts_for(parent or Unit.objects.roots(), period, approved_only=options["approved_only"])
        if options["json"]:
            self.stdout.write(dump_json(result.as_json()))
            return
        where = f"{parent.code} – {parent.name} and the units below it" if parent else "every unit"
        only = " (approved months only)" if options["approved_only"] else ""
        self.stdout.write(f"Alerts: {where}, {period}{only}")
        if not result.alerts:
            self.stdout.write("No unit fell far below its recent months.")
            return
        baseline_header, baselines = _right("baseline", [format_number(a.baseline.value) for a in result.alerts])
        drop_header, drops = _right("drop", [format_number(a.drop) for a in result.alerts])
        months_header, months = _right("base months", [format_number(a.baseline_months) for a in result.alerts])
        rows = [
            [
                str(alert.month),
                alert.unit.code,
                alert.unit.name,
                alert.kpi.key,
                "own" if alert.own else "subtree",
                format_number(alert.value.numerator),
                format_number(alert.value.denominator),
                format_number(alert.value.value),
                baseline,
                drop,
                baseline_months,
            ]
            for alert, baseline, drop, baseline_months in zip(result.alerts, baselines, drops, months, strict=True)
        ]
        headers = ["month", "unit", "name", "KPI", "figures", "numerator", "denominator", "value"]
        self.stdout.write(format_table([*headers, baseline_header, drop_header, months_header], rows))
