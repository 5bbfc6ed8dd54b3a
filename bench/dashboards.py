"""Benchmark: the leaders' pages (docs/dashboards.md) on national-shaped data, through Django's test
client as a browser would ask for them (an administrator's scope: every unit).

Usage (PostgreSQL, the data generated once, as for kpi_queries.py; see bench/README.md):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_bench .venv/bin/python bench/dashboards.py

Prints, for each page, the best of 3 runs in milliseconds, the number of queries and the size of the
HTML. The number of queries must not grow with the number of units: the ranking of the 34 provinces and
that of one province's communes run the same number. With no generated data it says how to make it and
exits 1; when the query counts differ it exits 1.
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from filings.models import MonthlyFiling  # noqa: E402
from units.models import Unit  # noqa: E402

BENCH_USER = "bench-dashboards"


def measure(client, label, url, params, runs=3):
    best = None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params, HTTP_HOST="localhost")
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}")
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<58} {best * 1000:9.1f} ms  {len(queries):3d} queries  {len(response.content) // 1024:5d} KB")
    return len(queries)


def main():
    province = Unit.objects.filter(code="GEN01").first()
    if province is None:
        print("No generated data: run `manage.py generate_dataset` first (see bench/README.md).")
        return 1
    commune = province.children.order_by("code").first()
    year = (
        MonthlyFiling.objects.filter(unit__code__startswith="GEN").order_by("-year").values_list("year", flat=True)[0]
    )
    procedure = (
        MonthlyFiling.objects.filter(unit=commune, year=year)
        .order_by("procedure__code")
        .values_list("procedure__code", flat=True)[0]
    )
    print(
        f"database: {connection.vendor}; {Unit.objects.count()} units, {MonthlyFiling.objects.count()} monthly "
        f"filings; year {year}; {province.children.count()} communes in {province.code}"
    )
    user, _created = User.objects.get_or_create(username=BENCH_USER, defaults={"role": Role.ADMIN})
    client = Client()
    client.force_login(user)
    period = {"period": str(year)}
    top = measure(client, "ranking: the provinces", reverse("reports:ranking"), period)
    communes = measure(
        client, f"ranking: {province.code}'s communes", reverse("reports:ranking"), {**period, "unit": province.code}
    )
    measure(client, f"unit page: {province.code} (a province)", reverse("reports:unit", args=[province.code]), period)
    measure(client, f"unit page: {commune.code} (a commune)", reverse("reports:unit", args=[commune.code]), period)
    measure(
        client,
        f"procedure page: {procedure} in {province.code}",
        reverse("reports:procedure", args=[province.code, procedure]),
        period,
    )
    measure(client, "home page (every province)", reverse("home"), period)
    user.delete()
    if top != communes:
        print(f"The number of queries grows with the units ranked: {top} against {communes}.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
