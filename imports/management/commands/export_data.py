from pathlib import Path

from django.core.management.base import BaseCommand, no_translations

from core.cli import code_arg, period_arg, usage_error
from imports.exports import ExportRefused, check_limits, export_to_file, file_format_of
from imports.registry import kinds
from units.models import Unit


class Command(BaseCommand):
    help = (
        "Export the stored rows of one kind to an .xlsx or, by FILE's suffix, a .csv (UTF-8, comma) in the "
        "layout `import_data KIND` reads: importing the file back changes nothing. --unit limits it to a "
        "unit's subtree, --period to a period (for the kinds with dates or months). Warnings go to stderr; "
        "the last line of stdout says how many rows were written."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", metavar="KIND", help=f"one of: {', '.join(kinds())}")
        parser.add_argument("file", metavar="FILE", help="the file to write: .xlsx or .csv (replaced if it exists)")
        parser.add_argument("--unit", metavar="CODE", help="only the unit and the units below it")
        parser.add_argument(
            "--period",
            metavar="PERIOD",
            help="only the rows of that period: 2025-07, 2025-Q3, 2025-H1, 2025 or 2025-01..2025-07",
        )

    # Messages in English like the other commands, so that scripts can rely on them.
    @no_translations
    def handle(self, *args, **options):
        kind, file = options["kind"], Path(options["file"])
        if kind not in kinds():
            raise usage_error(f"KIND: unknown kind {kind!r}; expected one of: {', '.join(kinds())}")
        code = options["unit"]
        if code is not None and not code.strip():
            raise usage_error("--unit: a unit code is required")
        unit = code_arg(Unit.objects, code, option="--unit", what="unit code") if code is not None else None
        period = period_arg(options["period"]) if options["period"] is not None else None
        try:
            file_format_of(file)
            check_limits(kind, unit=unit, period=period)
        except ExportRefused as exc:
            raise usage_error(str(exc)) from None
        if not file.parent.is_dir():
            raise usage_error(f"FILE: {file.parent}: no such folder")
        report = export_to_file(kind, file, unit=unit, period=period)
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(report.summary(file))
