from django.core.management.base import BaseCommand

from core.cli import code_arg, dump_json, format_number, format_table, period_arg
from units.models import Unit

from ...models import ActivityKind
from ...selectors.activities import activity_totals


class Command(BaseCommand):
    help = (
        "The outreach activities of a unit's subtree over a period (conferences, trainings, broadcasts, panels "
        "and slogans, guidance teams, others): how many of each kind and their participants."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, metavar="CODE", help="unit code, e.g. 195")
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2019-07, 2019-Q3, 2019-H1, 2019 or 2019-01..2019-07"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        unit = code_arg(Unit.objects, options["unit"], option="--unit", what="unit code")
        period = period_arg(options["period"])
        totals = activity_totals(unit, period)
        if options["json"]:
            data = {
                "unit": unit.code,
                "period": period.as_json(),
                "totals": {
                    kind: {"count": count, "participants": participants}
                    for kind, (count, participants) in totals.items()
                },
            }
            self.stdout.write(dump_json(data))
            return
        self.stdout.write(f"{unit.code} – {unit.name}, {period} (with the units below it)")
        if not totals:
            self.stdout.write("no outreach activity")
            return
        rows = [
            [ActivityKind(kind).value.replace("_", " "), format_number(count), format_number(participants)]
            for kind, (count, participants) in totals.items()
        ]
        rows.append(
            [
                "total",
                format_number(sum(count for count, _p in totals.values())),
                format_number(sum(participants for _c, participants in totals.values())),
            ]
        )
        self.stdout.write(format_table(["kind", "activities", "participants"], rows))
