import time

from django.core.management.base import BaseCommand

from reports.models import UnitMonthTotal
from reports.services import totals_rebuild


class Command(BaseCommand):
    help = "Recompute the unit-month totals that the KPIs read, from the monthly filings and offerings."

    def handle(self, *args, **options):
        started = time.perf_counter()
        totals_rebuild()
        self.stdout.write(
            f"rebuilt {UnitMonthTotal.objects.count()} unit-month totals in {time.perf_counter() - started:.1f} s"
        )
