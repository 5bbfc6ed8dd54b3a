"""Benchmark: export 100,000 monthly filings to .xlsx from PostgreSQL, as the page and the command do.

    .venv/bin/python bench/export_filings.py [--repeat 3] [--steps page,command,read] [--database-url postgres://postgres@127.0.0.1:5432/dvc_bench_export]

Creates a throw-away database (test_<name>, dropped at the end) holding 100 communes that each report 100
procedures for the ten months January..October 2024 (100,000 filings, written through filings_upsert, with
the Decision 766 counts reported in every row: the widest sheet, 21 columns). Then, each step in a fresh
Python process so that its peak memory (ru_maxrss) is its own, for two periods (two months: 20,000 rows;
the year: 100,000 rows):

  page      GET /filings/export.xlsx?period=PERIOD as an administrator (Django's test client): the view,
            filings.exports.filings_workbook (both sheets: per procedure, and per field, empty here) and
            the response's bytes;
  command   `manage.py export_data filings FILE.xlsx --period PERIOD`: the same rows, written to a file;
  read      the floor: the same query's rows read from the database (values_list().iterator()), no file.

Each step runs --repeat times, alternating; prints the median seconds and their range, rows per second,
peak memory and the file's size. Exit status 1 when the page's median for 100,000 rows is 10 s or more, or a
step's peak memory 300 MB or more.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dvc_bench_export"
UNITS, PROCEDURES, MONTHS, YEAR = 100, 100, 10, 2024
PERIODS = {f"{YEAR}-01..{YEAR}-02": 2 * UNITS * PROCEDURES, f"{YEAR}": MONTHS * UNITS * PROCEDURES}
TARGET_SECONDS, TARGET_MB = 10, 300


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings.test")
    import django

    django.setup()


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the steps (each in its own process) ------------------------------------------------------------


def step_page(period, path):
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    start = time.perf_counter()
    response = client.get("/filings/export.xlsx", {"period": period})
    content = response.content
    seconds = time.perf_counter() - start
    assert response.status_code == 200, content[:300]
    return {"seconds": seconds, "bytes": len(content)}


def step_command(period, path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command("export_data", "filings", str(path), "--period", period, stdout=out, stderr=StringIO())
    seconds = time.perf_counter() - start
    rows = int(out.getvalue().split()[1])
    return {"seconds": seconds, "bytes": Path(path).stat().st_size, "rows": rows}


def step_read(period, path):
    from core.periods import Period
    from filings.models import COUNT_FIELDS, SCORE_FIELDS, MonthlyFiling

    start = time.perf_counter()
    rows = 0
    for _row in (
        MonthlyFiling.objects.filter(Period.parse(period).filter_q())
        .order_by("unit__path", "procedure__code", "year", "month")
        .values_list("unit__code", "unit__name", "procedure__code", "year", "month", *COUNT_FIELDS, *SCORE_FIELDS)
        .iterator(chunk_size=5000)
    ):
        rows += 1
    return {"seconds": time.perf_counter() - start, "bytes": 0, "rows": rows}


STEPS = {"page": step_page, "command": step_command, "read": step_read}


def child(step, url, period, path):
    setup_django(url)
    result = STEPS[step](period, path)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


# --- orchestration ------------------------------------------------------------------------------------


def prepare_database(url):
    """The throw-away database with the units, procedures, an administrator and the 100,000 filings."""
    setup_django(url)
    from django.db import connection

    from accounts.models import Role, User
    from filings.models import COUNT_FIELDS, SCORE_FIELDS
    from filings.services import Source, filings_upsert
    from procedures.models import Procedure
    from units.models import Unit, UnitKind
    from units.services import units_rebuild_paths

    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    province = Unit.objects.create(code="B", name="Tỉnh Bench", kind=UnitKind.PROVINCE)
    Unit.objects.bulk_create(
        [Unit(code=f"B{u:04d}", name=f"Xã Bench {u}", kind=UnitKind.COMMUNE, parent=province) for u in range(UNITS)]
    )
    units_rebuild_paths()
    Procedure.objects.bulk_create([Procedure(code=f"9.{p:06d}", name=f"Thủ tục {p}") for p in range(PROCEDURES)])
    User.objects.create_user("bench-admin", password="bench-only-123", role=Role.ADMIN)
    unit_ids = list(Unit.objects.filter(parent=province).order_by("code").values_list("pk", flat=True))
    procedure_ids = list(Procedure.objects.order_by("code").values_list("pk", flat=True))
    started = time.perf_counter()
    for month in range(1, MONTHS + 1):
        rows = []
        for u, unit_id in enumerate(unit_ids):
            for p, procedure_id in enumerate(procedure_ids):
                k = (u * 7 + p * 3 + month) % 50
                online, direct, postal = k, 2 * k + 1, k % 3
                early, on_time, late = k, k + 1, (2 * k) % 5
                counts = [
                    0,
                    online,
                    direct,
                    postal,
                    early,
                    on_time,
                    late,
                    max(online + direct + postal - early - on_time - late, 0),
                    0,
                    k % 2,
                ]
                scores = [online, k % 5, k % 3, k, early, k % 4, k % 4]
                rows.append(
                    {
                        "unit_id": unit_id,
                        "procedure_id": procedure_id,
                        "year": YEAR,
                        "month": month,
                        **dict(zip(COUNT_FIELDS, counts)),
                        **dict(zip(SCORE_FIELDS, scores)),
                    }
                )
        filings_upsert(rows, fields=[*COUNT_FIELDS, *SCORE_FIELDS], source=Source.DEMO)
    print(f"data: {MONTHS * UNITS * PROCEDURES:,} filings written in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as a database in use has them
    connection.close()
    return connection, test_name


def run_step(step, url, period, path):
    output = subprocess.run(
        [sys.executable, __file__, "--child", step, "--database-url", url, "--period", period, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step and period (default 3)")
    parser.add_argument("--steps", default=",".join(STEPS), help="which steps, comma-separated (default: all)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--period", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.database_url, args.period, args.file)
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"--steps: unknown {', '.join(sorted(unknown))}; expected some of {', '.join(STEPS)}")

    connection, test_name = prepare_database(args.database_url)
    base, _, _ = args.database_url.rpartition("/")
    url = f"{base}/{test_name}"
    runs = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                for period in PERIODS:
                    for step in steps:
                        path = Path(tmp) / f"filings_{step}.xlsx"
                        runs.setdefault((step, period), []).append(run_step(step, url, period, path))
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)

    print(
        f"{'step':<9}{'period':<18}{'rows':>9}{'median s':>10}{'range s':>14}{'rows/s':>9}{'peak MB':>9}{'file MB':>9}"
    )
    ok = True
    for (step, period), step_runs in runs.items():
        rows = PERIODS[period]
        seconds = [r["seconds"] for r in step_runs]
        median = statistics.median(seconds)
        peak = max(r["peak_mb"] for r in step_runs)
        size = step_runs[-1]["bytes"] / 1e6
        print(
            f"{step:<9}{period:<18}{rows:>9,}{median:>10.2f}{f'{min(seconds):.2f}–{max(seconds):.2f}':>14}"
            f"{rows / median:>9,.0f}{peak:>9.0f}{size:>9.1f}"
        )
        if "rows" in step_runs[-1]:
            assert step_runs[-1]["rows"] == rows, (step, period, step_runs[-1]["rows"])
        ok &= peak < TARGET_MB and not (step == "page" and rows == max(PERIODS.values()) and median >= TARGET_SECONDS)
    print(
        f"targets: the page's export of {max(PERIODS.values()):,} rows under {TARGET_SECONDS} s (median), every step "
        f"under {TARGET_MB} MB of peak memory: " + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
