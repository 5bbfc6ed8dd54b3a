from django.core.management.base import BaseCommand

from core.cli import code_arg, dump_json, format_number, format_table, period_arg
from filings.selectors import completeness
from units.models import Unit

# One letter per month in the table (docs/workflow.md).
LETTERS = {"approved": "A", "submitted": "S", "returned": "R", "draft": "D", "missing": "-"}


def _cell(cell):
    if not cell.due and cell.unit_month is None:
        return "."
    return LETTERS[cell.status] + ("*" if cell.on_time is False and cell.first_submitted_at else "")


def _rate(rate):
    return (
        f"{format_number(rate.value, '—')}% ({rate.numerator} / {rate.denominator})"
        if rate.value is not None
        else f"— ({rate.numerator} / {rate.denominator})"
    )


class Command(BaseCommand):
    help = (
        "Which units below a parent reported which months, and whether on time: per month A approved, "
        "S submitted, R returned, D draft, - missing, . not due (* = submitted after the deadline)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--parent", required=True, metavar="CODE", help="the units below this unit, e.g. 195")
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2019-07, 2019-Q3, 2019-H1, 2019 or 2019-01..2019-07"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        parent = code_arg(Unit.objects, options["parent"], option="--parent", what="unit code")
        period = period_arg(options["period"])
        report = completeness(parent, period)
        if options["json"]:
            self.stdout.write(dump_json(report.as_json()))
            return
        self.stdout.write(
            f"{parent.code} – {parent.name}, {period}: units below it "
            f"(deadline {report.deadline_days} days after each month)"
        )
        one_year = report.period.start.year == report.period.end.year
        months = [f"{m.month:02d}" if one_year else f"{m.month:02d}/{m.year % 100:02d}" for m in report.months]
        rows = [
            [row.unit.code, row.unit.name, *[_cell(cell) for cell in row.cells], row.due, row.reported, row.on_time]
            for row in report.rows
        ]
        self.stdout.write(format_table(["unit", "name", *months, "due", "reported", "on time"], rows))
        self.stdout.write(f"reporting rate: {_rate(report.reporting_rate)}")
        self.stdout.write(f"on-time rate: {_rate(report.on_time_rate)}")
