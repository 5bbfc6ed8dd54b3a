from django.core.management.base import BaseCommand

from core.cli import dump_json, format_number, format_table, period_arg, usage_error
from reports.management.commands._args import add_approved_only, unit_arg
from scores.selectors import NoScoreVersion, score_for


class Command(BaseCommand):
    help = (
        "The Decision 766 score of a unit's subtree over a period, by group and indicator, by the score version in "
        'force on the period\'s last day (docs/kpis.md, "Decision 766").'
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, metavar="CODE", help="unit code, e.g. 195")
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2025-07, 2025-Q3, 2025-H1, 2025 or 2025-01..2025-07"
        )
        add_approved_only(parser)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        unit = unit_arg(options["unit"])
        period = period_arg(options["period"])
        try:
            score = score_for(unit, period, approved_only=options["approved_only"])
        except NoScoreVersion as exc:
            raise usage_error(f"--period: {exc}") from None
        if options["json"]:
            self.stdout.write(dump_json(score.as_json()))
            return
        only = "; approved months only" if options["approved_only"] else ""
        version = score.version
        self.stdout.write(
            f"{unit.code} – {unit.name}, {period} (with the units below it{only}), "
            f"score version {version.code} (from {version.effective_from:%Y-%m-%d})"
        )
        rows = []
        for group in score.groups:
            for indicator in group.indicators:
                value = indicator.value
                rows.append(
                    [
                        group.key,
                        indicator.kpi.key,
                        format_number(value.numerator),
                        format_number(value.denominator),
                        format_number(value.value, "no data" if value.no_data else "—"),
                        format_number(indicator.threshold),
                        format_number(indicator.points, "—"),
                        format_number(indicator.max),
                        format_number(indicator.needed),
                    ]
                )
            if len(group.indicators) > 1:
                rows.append(
                    [
                        group.key,
                        "(group)",
                        "",
                        "",
                        "",
                        "",
                        format_number(group.points, "—"),
                        format_number(group.max),
                        "",
                    ]
                )
        rows.append(["total", "", "", "", "", "", format_number(score.total), format_number(score.max), ""])
        headers = ["group", "KPI", "numerator", "denominator", "value", "threshold", "points", "max", "needed"]
        self.stdout.write(format_table(headers, rows))
        for indicator in score.missing:
            self.stdout.write(
                f"{indicator.kpi.key}: no data; its {format_number(indicator.max)} points are left out of the maximum"
            )
