from django.core.management.base import BaseCommand

from core.cli import today_arg

from ...services.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Mail the daily reminders, in Vietnamese: each clerk whose monthly figures or tasks are due within "
        "three days or overdue, each leader with months or task reports waiting for a decision. One mail per "
        "person per day: run it again the same day and only those not reminded yet (or whose mail failed) get one. "
        "Meant for cron, e.g. `30 6 * * * cd /srv/dvc-portal && .venv/bin/python manage.py send_reminders`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", metavar="DATE", help="the day the reminders are for (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="say who would get a mail; send and record nothing")

    def handle(self, *args, **options):
        today = today_arg(options["today"])
        outcome = send_reminders(today, dry_run=options["dry_run"])
        verb = "would be sent" if options["dry_run"] else "sent"
        self.stdout.write(
            f"{today:%Y-%m-%d}: {len(outcome.sent)} {verb}, {len(outcome.already)} already reminded today, "
            f"{outcome.nothing} with nothing due, {len(outcome.failed)} failed"
        )
        for username, reason in outcome.failed:
            self.stderr.write(f"failed: {username}: {reason}")
        if outcome.failed:
            raise SystemExit(1)
