import sys

from django.core.management.base import BaseCommand, CommandError, no_translations

from imports.registry import kinds
from imports.runner import run_import


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (.xlsx, .xls, .ods), a CSV or, for filings, OpenCPS statistics (.json) of one "
        "kind. All or nothing: a file with any error "
        "writes nothing and exits 1. Errors and warnings go to stderr, one per line; the last line of stdout "
        "is the summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=kinds(), metavar="KIND", help=f"one of: {', '.join(kinds())}")
        parser.add_argument(
            "file",
            metavar="FILE",
            help=".xlsx, .xls, .ods or .csv (UTF-8, comma or semicolon); .json for filings (OpenCPS statistics)",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument(
            "--unit",
            metavar="CODE",
            default="",
            help="filings, field_filings: the unit of a file that has no unit column (one unit's report)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="filings, field_filings: also overwrite figures of months that are approved or closed",
        )

    # Messages in English like the other commands, so that scripts can rely on them.
    @no_translations
    def handle(self, *args, **options):
        try:
            report = run_import(
                options["kind"],
                options["file"],
                dry_run=options["dry_run"],
                force=options["force"],
                unit_code=options["unit"],
            )
        except FileNotFoundError:
            raise CommandError(f"{options['file']}: no such file", returncode=1) from None
        for issue in report.errors + report.warnings:
            self.stderr.write(str(issue))
        self.stdout.write(report.summary())
        if not report.ok:
            sys.exit(1)
