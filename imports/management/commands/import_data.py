import sys
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError, no_translations

from imports.issues import FIRST, needs_summary, warning_groups
from imports.progress import Progress, TerminalBar
from imports.registry import kinds
from imports.runner import run_import


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (.xlsx, .xls, .ods), a CSV or, for filings, OpenCPS statistics (.json) of one "
        "kind. All or nothing: a file with any error "
        "writes nothing and exits 1. Errors and warnings go to stderr, one per line (of a kind of warning "
        f"with more than {FIRST}, the first {FIRST} after a line counting them; --all-warnings lists every "
        "one); the last line of stdout is the summary. On a terminal, a progress bar. The import runs in "
        "this process, not as a background job."
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
        parser.add_argument(
            "--all-warnings",
            action="store_true",
            help=f"list every warning (by default, of a kind with more than {FIRST} warnings, the first {FIRST})",
        )

    # Messages in English like the other commands, so that scripts can rely on them.
    @no_translations
    def handle(self, *args, **options):
        progress = Progress()
        bar = TerminalBar(progress, self.stdout) if self.stdout.isatty() else nullcontext()
        try:
            with bar:
                report = run_import(
                    options["kind"],
                    options["file"],
                    dry_run=options["dry_run"],
                    force=options["force"],
                    unit_code=options["unit"],
                    progress=progress,
                )
        except FileNotFoundError:
            raise CommandError(f"{options['file']}: no such file", returncode=1) from None
        for line in issue_lines(report, all_warnings=options["all_warnings"]):
            self.stderr.write(line)
        self.stdout.write(report.summary())
        if not report.ok:
            sys.exit(1)


def issue_lines(report, *, all_warnings=False):
    """Every error, then the warnings: all of them, in row order, unless some kind has more than FIRST;
    then, kind by kind, a line naming the file that counts them and the first FIRST."""
    yield from map(str, report.errors)
    groups = warning_groups(report.warnings)
    if all_warnings or not needs_summary(groups):
        yield from map(str, report.warnings)
        return
    for group in groups:
        if group.more:
            rows = f"{group.rows:,} row{'' if group.rows == 1 else 's'}"
            yield (
                f"{report.file_name}: warning: {rows}: {group.kind}; the first {len(group.first)} follow "
                f"(--all-warnings lists all {group.count:,})"
            )
        yield from map(str, group.first)
