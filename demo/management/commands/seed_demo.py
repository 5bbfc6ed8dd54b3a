import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError
from django.utils.formats import number_format

from core.cli import format_table
from demo.seeding import seed_demo
from units.models import Unit

from ..guard import refuse_in_production


class Command(BaseCommand):
    help = (
        "Load the demo data: real units and procedures carrying the field figures of DOMAIN.md, a few wards "
        "that report per field (form 06) rather than per procedure, the demo logins, and the statuses of a "
        "working province (past months approved, a few waiting for a leader, one returned, last month partly "
        "entered). Safe to run again: a second run leaves the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-users", action="store_true", help="do not create the demo logins (or reset their passwords)"
        )

    def handle(self, *args, **options):
        refuse_in_production("seed_demo")
        started = time.perf_counter()
        try:
            summary = seed_demo(with_users=not options["no_users"])
        except (OperationalError, ProgrammingError) as exc:  # typically: the tables do not exist yet
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise CommandError(f"could not load the demo data ({reason}); has `manage.py migrate` been run?") from None
        elapsed = time.perf_counter() - started

        def n(value):
            return number_format(value, force_grouping=True)

        self.stdout.write(
            f"Loaded the demo data in {elapsed:.1f} s: {n(summary.units)} units, "
            f"{n(summary.procedures)} procedures, {n(summary.offerings)} offerings, "
            f"{n(summary.filings)} monthly filings ({summary.first_month} to {summary.last_month}) and "
            f"{n(summary.field_filings)} monthly figures per field of {n(summary.field_units)} units, "
            f"{n(summary.targets)} targets."
        )
        statuses = ", ".join(f"{n(count)} {status}" for status, count in summary.statuses.items())
        open_month = f"; {summary.open_month} is open for entry" if summary.open_month else ""
        self.stdout.write(f"Unit-months: {statuses}{open_month}.")
        self.stdout.write(
            "Changes: "
            + "; ".join(f"{name} {changes}" for name, changes in summary.changes.items())
            + f"; statuses {n(summary.status_changes)} changed."
        )
        if not summary.logins:
            return
        names = dict(
            Unit.objects.filter(code__in=[c for login in summary.logins for c in login.unit_codes]).values_list(
                "code", "name"
            )
        )
        rows = [
            [
                login.username,
                login.password,
                login.role,
                ", ".join(f"{code} {names.get(code, '')}".strip() for code in login.unit_codes) or "all units",
            ]
            for login in summary.logins
        ]
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        self.stdout.write(format_table(["username", "password", "role", "units"], rows))
        self.stdout.write(
            self.style.WARNING(
                "These passwords are for demonstrations only: change them (or run with --no-users) on any "
                "server that others can reach."
            )
        )
