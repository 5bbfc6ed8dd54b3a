"""Benchmark: the monthly entry page of a unit offering 300 and 2,000 procedures, in a real browser.

    .venv/bin/python bench/entry_page.py [--sizes 300,2000] [--runs 5] [--database-url postgres://postgres@127.0.0.1:5432/dvc_bench_entry]

Creates a throw-away PostgreSQL database (test_<name>), builds for each size a centre offering that many
procedures (60% online) with six months of figures for a third of them, serves the app with gunicorn
(DEBUG off, 2 workers) and drives Debian's Chromium with Playwright: it opens the centre's open month as a
clerk `--runs` times and prints, for each size, the HTML size, the server's time to the first byte, and
the time until the page is ready (DOMContentLoaded, the grid's script run) and loaded; then one save of a
changed row (the click to the reloaded page) and the request's size. The target (issue 15): the page of
300 procedures under 300 KB and ready in under a second. Exit status 1 when it is missed.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dvc_bench_entry"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = "bench-Secret-123"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,2000", help="procedures offered by each centre (default 300,2000)")
    parser.add_argument("--runs", type=int, default=5, help="page loads per size; the median counts (default 5)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    return parser.parse_args()


def throwaway_url(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/test_" + parts.path.lstrip("/")))


def recreate_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "dvc_portal.settings.local"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(sizes):
    """A province with one centre per size; returns {size: centre code}."""
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.services import user_upsert
    from core.periods import Month
    from filings.services import Source, filings_upsert
    from procedures.models import Field, Offering, Procedure, ServiceLevel
    from procedures.services import offerings_write
    from units.models import Unit, UnitKind

    call_command("migrate", verbosity=0)
    province = Unit.objects.create(code="BENCH", name="Tỉnh Thử Nghiệm", kind=UnitKind.PROVINCE)
    largest = max(sizes)
    civil_status = Field.objects.create(code="HOTICH", name="Hộ tịch")
    Procedure.objects.bulk_create(
        [
            Procedure(
                code=f"1.{i:06d}",
                name=f"Thủ tục hành chính số {i} thuộc lĩnh vực hộ tịch, chứng thực",
                field=civil_status,
            )
            for i in range(largest)
        ]
    )
    procedures = list(Procedure.objects.order_by("code"))
    this = Month.of(timezone.localdate())
    centres = {}
    for size in sizes:
        centre = Unit.objects.create(
            code=f"BENCH.{size}", name=f"Trung tâm {size} thủ tục", kind=UnitKind.CENTER, parent=province
        )
        offered = procedures[:size]
        offerings_write(
            create=[
                Offering(unit=centre, procedure=p, service_level=ServiceLevel.FULL if i % 5 < 3 else ServiceLevel.NONE)
                for i, p in enumerate(offered)
            ],
            reason="bench",
        )
        rows = []
        for k in range(1, 7):
            month = this.shift(-k)
            rows += [
                {
                    "unit_id": centre.pk,
                    "procedure_id": p.pk,
                    "year": month.year,
                    "month": month.month,
                    "received_online": 10 + i % 7,
                    "received_direct": 20,
                    "resolved_on_time": 30 + i % 7,
                }
                for i, p in enumerate(offered[: size // 3])
            ]
        filings_upsert(rows, source=Source.IMPORT, note="bench")
        centres[size] = centre.code
    user, _created = user_upsert(username="bench", role="clerk", unit_codes=["BENCH"])
    user.set_password(PASSWORD)
    user.save()
    return centres, this


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url, port):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "dvc_portal.settings.local",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "dvc_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


TIMING = """() => { const t = performance.getEntriesByType("navigation")[0];
  return {ttfb: t.responseStart - t.requestStart, ready: t.domContentLoadedEventEnd - t.startTime,
          load: t.loadEventEnd - t.startTime, size: t.decodedBodySize, wire: t.encodedBodySize}; }"""


def measure(base, centres, month, runs):
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "bench")
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_load_state()
        for size, code in centres.items():
            url = f"{base}/filings/{code}/{month.year}-{month.month:02d}/"
            timings = []
            for _ in range(runs):
                page.goto(url, wait_until="load")
                page.wait_for_function("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
                timings.append(page.evaluate(TIMING))
            rows = page.locator("tr[data-row]").count()
            posted = {}

            def on_request(request, posted=posted):
                if request.method == "POST":
                    posted["size"] = len(request.post_data or "")

            page.on("request", on_request)
            page.locator("tr[data-row] input").nth(1).fill("17")
            started = time.perf_counter()
            page.locator("#save-draft").click()
            page.wait_for_selector(".messages")
            saved = time.perf_counter() - started
            results[size] = {
                "rows": rows,
                "html": timings[0]["size"],
                "wire": timings[0]["wire"],
                "ttfb": statistics.median(t["ttfb"] for t in timings),
                "ready": statistics.median(t["ready"] for t in timings),
                "load": statistics.median(t["load"] for t in timings),
                "save": saved * 1000,
                "post": posted.get("size", 0),
            }
        browser.close()
    return results


def main():
    args = parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    url = throwaway_url(args.database_url)
    recreate_database(url)
    setup_django(url)
    print(f"building centres of {', '.join(map(str, sizes))} procedures in {urlsplit(url).path.lstrip('/')} ...")
    centres, month = build(sizes)
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = serve(url, port)
    try:
        results = measure(f"http://127.0.0.1:{port}", centres, month, args.runs)
    finally:
        server.terminate()
        server.wait()
    print(f"\nmedian of {args.runs} page loads (Chromium, gunicorn 2 workers, PostgreSQL, DEBUG off)")
    print(
        f"{'procedures':>10} {'rows shown':>10} {'HTML KB':>8} {'gzip KB':>8} {'TTFB ms':>8} {'ready ms':>9} "
        f"{'load ms':>8} {'save ms':>8} {'POST B':>7}"
    )
    for size, r in results.items():
        print(
            f"{size:>10} {r['rows']:>10} {r['html'] / 1024:>8.1f} {r['wire'] / 1024:>8.1f} {r['ttfb']:>8.0f} "
            f"{r['ready']:>9.0f} {r['load']:>8.0f} {r['save']:>8.0f} {r['post']:>7}"
        )
    missed = [size for size, r in results.items() if size <= 300 and (r["html"] >= 300 * 1024 or r["ready"] >= 1000)]
    if missed:
        print(f"target missed for {missed}: the page of 300 procedures must be under 300 KB and ready in 1 s")
        return 1
    print("target met: the page of 300 procedures is under 300 KB and ready in under a second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
