import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.dataset import dataset_generate

from ..guard import refuse_in_production


def positive(text):
    value = int(text)
    if value < 1:
        raise ValueError
    return value


class Command(BaseCommand):
    help = (
        "Synthetic data of national shape for benchmarks (units coded GEN..., replacing any earlier run): "
        "provinces with communes below them, a procedure catalog, offerings and monthly figures for "
        "January..M of year Y."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", type=positive, default=3321, metavar="N")
        parser.add_argument("--provinces", type=positive, default=34, metavar="N")
        parser.add_argument("--procedures", type=positive, default=150, metavar="P")
        parser.add_argument("--year", type=int, default=2025, metavar="Y")
        parser.add_argument("--months", type=int, default=12, metavar="M", help="January..M (1-12)")
        parser.add_argument("--seed", type=int, default=1, metavar="S")

    def handle(self, *args, **options):
        refuse_in_production("generate_dataset")
        today = timezone.localdate()
        if not 1 <= options["months"] <= 12:
            raise CommandError(f"--months: {options['months']} is not between 1 and 12", returncode=2)
        if (options["year"], options["months"]) > (today.year, today.month):
            raise CommandError(
                f"--year/--months: {options['year']}-{options['months']:02d} is in the future", returncode=2
            )
        if options["communes"] < options["provinces"]:
            raise CommandError("--communes: need at least one commune per province", returncode=2)
        started = time.perf_counter()
        size = dataset_generate(
            communes=options["communes"],
            provinces=options["provinces"],
            procedures=options["procedures"],
            year=options["year"],
            months=options["months"],
            seed=options["seed"],
            progress=lambda message: self.stderr.write(message) if options["verbosity"] > 1 else None,
        )
        self.stdout.write(
            f"generated {size.provinces} provinces, {size.communes} communes, {size.procedures} procedures, "
            f"{size.offerings} offerings, {size.filings} monthly filings in {time.perf_counter() - started:.1f} s"
        )
