from django.core.management.base import BaseCommand

from core.cli import dump_json, format_table, today_arg, usage_error

from ...models import Directive
from ...selectors.directives import directive_status


class Command(BaseCommand):
    help = (
        "Each unit assigned a task of a directive, with its status: done (reported done by the deadline), "
        "done_late, not_done (the deadline passed without a report) or open (the deadline not yet passed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", metavar="NUMBER", help="the directive's number, e.g. 1574/UBND-VHTT")
        parser.add_argument("--today", metavar="DATE", help="the day the statuses are computed for (default: today)")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        number = options["number"].strip()
        directive = Directive.objects.select_related("issuer").filter(number=number).first()
        if directive is None:
            raise usage_error(f"NUMBER: unknown directive {number!r}")
        today = today_arg(options["today"])
        data = directive_status(directive, today)
        if options["json"]:
            self.stdout.write(dump_json(data))
            return
        self.stdout.write(
            f"{directive.number} of {directive.issued:%Y-%m-%d} by {directive.issuer.code} – {directive.issuer.name}: "
            f"{directive.title}"
        )
        for task in data["tasks"]:
            self.stdout.write("")
            self.stdout.write(f"{task['title']} (deadline {task['deadline']})")
            rows = [
                [unit["unit"], unit["name"], unit["status"].replace("_", " "), unit["done_on"] or ""]
                for unit in task["units"]
            ]
            self.stdout.write(format_table(["unit", "name", "status", "done on"], rows))
