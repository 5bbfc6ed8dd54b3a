import time

from django.core.management.base import BaseCommand

from reports.models import OfferingTotal, UnitMonthTotal
from reports.services import totals_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the unit-month totals and the offering totals that the KPIs read, from the monthly filings "
        "and the offerings, and start the results reused between requests afresh (after a restore, say)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        totals_rebuild()
        self.stdout.write(
            f"rebuilt {UnitMonthTotal.objects.count()} unit-month totals and {OfferingTotal.objects.count()} "
            f"offering totals in {time.perf_counter() - started:.1f} s"
        )
