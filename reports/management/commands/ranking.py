from django.core.management.base import BaseCommand
from django.utils.translation import override

from core.cli import dump_json, format_number, format_table, period_arg
from reports.selectors import ranking

from ._args import add_approved_only, add_tree, kpi_arg, tree_notes, unit_arg


class Command(BaseCommand):
    help = "Rank the direct children of a unit (or the top-level units) by one KPI over a period."

    def add_arguments(self, parser):
        parser.add_argument("--parent", metavar="CODE", help="rank this unit's direct children (default: top level)")
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2019-07, 2019-Q3, 2019-H1, 2019 or 2019-01..2019-07"
        )
        parser.add_argument("--kpi", required=True, metavar="KEY", help="a KPI key, e.g. online_rate")
        add_approved_only(parser)
        add_tree(parser)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        parent = unit_arg(options["parent"], "--parent") if options["parent"] else None
        period = period_arg(options["period"])
        kpi = kpi_arg(options["kpi"])
        result = ranking(period, kpi.key, parent=parent, approved_only=options["approved_only"], tree=options["tree"])
        if options["json"]:
            self.stdout.write(dump_json(result.as_json()))
            return
        where = f"{parent.code} – {parent.name}" if parent else "top-level units"
        only = " (approved months only)" if options["approved_only"] else ""
        if options["tree"] == "today":
            only += " (today's units)"
        self.stdout.write(f"{kpi.key}: {where}, {period}{only}")
        rows = [
            [
                format_number(row.rank, "–"),
                row.unit.code,
                row.unit.name,
                format_number(row.kpi_value.numerator),
                format_number(row.kpi_value.denominator),
                format_number(row.kpi_value.value, "—"),
                format_number(row.kpi_value.target),
                format_number(row.kpi_value.gap),
            ]
            for row in result.rows
        ]
        headers = ["rank", "unit", "name", "numerator", "denominator", "value", "target", "gap"]
        if kpi.is_score:  # points out of the points of the indicators with data; no target
            rows = [row[:3] + [row[5], format_number(r.kpi_value.points_max)] for row, r in zip(rows, result.rows)]
            headers = [*headers[:3], "value", "max"]
        elif not kpi.is_rate:
            rows = [row[:3] + row[5:] for row in rows]
            headers = headers[:3] + headers[5:]
        self.stdout.write(format_table(headers, rows))
        with override("en"):  # the table's words are English; its numbers are written the Vietnamese way
            for row in result.rows:
                if row.kpi_value.left_out:
                    self.stdout.write(f"{row.unit.code}: {row.kpi_value.left_out}")
        for line in tree_notes(result.predecessors, result.split, result.left_out):
            self.stdout.write(line)
