"""Benchmark: the KPI read path on national-shaped data.

Usage (PostgreSQL, the data generated once; at the default national size, 5.2 million filings, generation
takes about 5 minutes, see docs/performance.md):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_bench .venv/bin/python manage.py generate_dataset
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_bench .venv/bin/python bench/kpi_queries.py

Prints, for each question a dashboard or the CLI asks, the best of 3 runs in milliseconds and the number
of queries. With no generated data it says how to make it and exits 1.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# Only --help: parsed before Django is set up, so that it never touches a database.
argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings.local")
# The computation itself, every run: results reused between requests (reports.reuse) are bench/load.py's.
os.environ.setdefault("REPORTS_REUSE", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.periods import Period  # noqa: E402
from filings.models import MonthlyFiling  # noqa: E402
from reports.selectors import kpis_for, kpis_for_units, ranking  # noqa: E402
from units.models import Unit  # noqa: E402


def measure(label, func, runs=3):
    best = None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            func()
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<62} {best * 1000:9.1f} ms  {len(queries):3d} queries")


def main():
    province = Unit.objects.filter(code="GEN01").first()
    if province is None:
        print("No generated data: run `manage.py generate_dataset` first (see this file's docstring).")
        return 1
    commune = province.children.order_by("code").first()
    year = (
        MonthlyFiling.objects.filter(unit__code__startswith="GEN").order_by("-year").values_list("year", flat=True)[0]
    )
    rows = MonthlyFiling.objects.count()
    units = Unit.objects.count()
    print(f"database: {connection.vendor}; {units} units, {rows} monthly filings; year {year}")
    whole_year, one_month = Period.year(year), Period.parse(f"{year}-06")
    measure(f"kpi: one commune, {year}", lambda: kpis_for(commune, whole_year))
    measure(f"kpi: one province ({province.children.count()} communes), {year}", lambda: kpis_for(province, whole_year))
    measure(f"kpi: one province, {year}-06", lambda: kpis_for(province, one_month))
    roots = list(Unit.objects.roots().filter(code__startswith="GEN"))
    measure(f"kpis of all {len(roots)} provinces, {year} (national table)", lambda: kpis_for_units(roots, whole_year))
    measure(
        f"ranking of the {len(roots)} provinces by online_rate_eligible",
        lambda: ranking(whole_year, "online_rate_eligible", units=roots),
    )
    measure(
        "ranking of one province's communes by online_rate_eligible",
        lambda: ranking(whole_year, "online_rate_eligible", parent=province),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
