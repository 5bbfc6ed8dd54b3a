"""Benchmark: the rankings and the leaders' pages under load (issue 16, item 1), on the national data of
`manage.py generate_dataset` in PostgreSQL.

Usage (the data generated once, about 5 minutes; see bench/README.md):
    .venv/bin/python bench/load.py [--database-url postgres://postgres@127.0.0.1:5432/dvc_bench]
                                   [--seconds 10] [--connections 32] [--repeat 1] [--no-plain]

Serves the app with gunicorn (2 sync workers, dvc_portal.settings.local with DEBUG off, the settings of
bench/entry_page.py: production's differ in cookies, HTTPS and mail, not in this path) on 127.0.0.1, signs
in a throw-away administrator (a session, and an API token for the API), and runs wrk with `--connections`
connections for `--seconds` seconds against each address in turn: /healthz, /api/v1/ranking of the
provinces and of one province's communes, the ranking page, a province's page and the home page. Then the
same against a second server with REPORTS_REUSE=0, which computes every answer (the plain computation,
for comparison; --no-plain skips it), and /healthz once more against a server with DB_CONN_MAX_AGE=0 (a
connection per request, as before issue 16).

Prints p50 / p90 / p99 (ms) and requests per second of each, and whether the targets are met: both rankings
p99 <= 100 ms and at least half the requests per second of /healthz in the same run; the pages p99 <= 300
ms. Exit status 1 when a target is missed, 0 otherwise. Without the database or its generated data, or
without wrk, it says so on one line ("skipped: ...") and exits 0, so that `make bench` goes on.

The database's environment variable DVC_BENCH_DATABASE_URL is read when --database-url is not given. The
throw-away user is deleted at the end. The machine is shared: run it more than once (--repeat) and read
medians and ranges.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from common import collectstatic, environment, serve, stop

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dvc_bench"
BENCH_USER = "bench-load"
SKIPPED_DATA = "skipped: no national dataset (see bench/README.md)"
# wrk's Lua hook: the exact percentiles (microseconds) and the errors, as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""
API_P99_MS, API_SHARE, PAGE_P99_MS = 100, 0.5, 300


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DVC_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per address (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk's connections (default 32)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the whole sequence (default 1)")
    parser.add_argument("--no-plain", action="store_true", help="skip the server that reuses nothing")
    return parser.parse_args()


def has_dataset(url) -> bool:
    """Whether the database exists and holds generate_dataset's units (without Django)."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
            row = conn.execute("SELECT to_regclass('units_unit') IS NOT NULL").fetchone()
            return bool(row[0]) and bool(conn.execute("SELECT 1 FROM units_unit WHERE code = 'GEN01'").fetchone())
    except psycopg.Error:
        return False


def fetch(base, path, headers):
    """One GET, checked: 200 (the session and the token work, the page renders)."""
    request = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        return response.read()


def wrk(base, path, headers, seconds, connections, script):
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds}s"]
    command += ["--timeout", "30s", "--script", script]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    for name in ("p50", "p90", "p99", "max"):
        result[name] /= 1000  # ms
    result["errors"] = sum(result[name] for name in ("connect", "read", "write", "status", "timeout"))
    return result


def sign_in(url, secret_key):
    """A throw-away administrator: (session cookie, API token key), made in this process with the
    server's settings (the session is signed with its SECRET_KEY)."""
    os.environ.update(environment(url, secret_key))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import Role, User
    from accounts.tokens import api_token_create

    User.objects.filter(username=BENCH_USER).delete()
    user = User.objects.create(username=BENCH_USER, role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    _token, key = api_token_create(user=user, name="bench/load.py")
    return user, f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", key


def prepared_statements() -> bool:
    """Whether the servers prepare the small queries of every request (core.rows.fetch_row), as the
    settings read DB_PREPARED_STATEMENTS (after sign_in has set Django up with the servers' environment)."""
    from django.db import connections

    return connections["default"].settings_dict["OPTIONS"].get("prepare_threshold") is not None


def addresses():
    """(label, path, kind) of the addresses measured: kind "api", "page" or "health"."""
    from reports.models import UnitMonthTotal
    from units.models import Unit

    province = Unit.objects.get(code="GEN01")
    year = UnitMonthTotal.objects.filter(unit__code__startswith="GEN").order_by("-year").values_list("year")[0][0]
    communes = Unit.objects.filter(parent=province).count()
    return year, [
        ("/healthz", "/healthz", "health"),
        ("API ranking: the 34 provinces", f"/api/v1/ranking?period={year}&kpi=online_rate", "api"),
        (
            f"API ranking: {province.code}'s {communes} communes",
            f"/api/v1/ranking?period={year}&kpi=online_rate&parent={province.code}",
            "api",
        ),
        ("ranking page: the provinces", f"/reports/ranking/?period={year}", "page"),
        (f"unit page: {province.code} (a province)", f"/reports/unit/{province.code}/?period={year}", "page"),
        ("home page (administrator)", f"/?period={year}", "page"),
    ]


def run_server(label, env, targets, cookie, key, args, script, warm=True):
    server, base = serve(env)
    rows = []
    try:
        for name, path, kind in targets:
            # /healthz as a load balancer asks for it: no session; the API with its token; pages signed in.
            headers = {"api": {"Authorization": f"Token {key}"}, "page": {"Cookie": cookie}}.get(kind, {})
            fetch(base, path, headers)
            if warm:  # every worker computes its own copy first (local-memory cache)
                wrk(base, path, headers, 2, 4, script)
            result = wrk(base, path, headers, args.seconds, args.connections, script)
            rows.append({"server": label, "name": name, "kind": kind, **result})
            print(
                f"  {label:<8} {name:<42} {result['requests']:7d} {result['rps']:9.1f} {result['p50']:8.1f} "
                f"{result['p90']:8.1f} {result['p99']:8.1f} {result['errors']:6d}",
                flush=True,
            )
    finally:
        stop(server)
    return rows


def verdicts(rows):
    """[(name, verdict text, met)] of the reusing server's rows of one run."""
    health = next(row for row in rows if row["kind"] == "health")
    out = []
    for row in rows:
        if row["kind"] == "api":
            share = row["rps"] / health["rps"]
            met = row["p99"] <= API_P99_MS and share >= API_SHARE and not row["errors"]
            text = f"p99 {row['p99']:.1f} <= {API_P99_MS} ms and {share:.0%} of /healthz's req/s >= {API_SHARE:.0%}"
            out.append((row["name"], text, met))
        elif row["kind"] == "page":
            met = row["p99"] <= PAGE_P99_MS and not row["errors"]
            out.append((row["name"], f"p99 {row['p99']:.1f} <= {PAGE_P99_MS} ms", met))
    return out


def main():
    args = parse_args()
    if shutil.which("wrk") is None:
        print("skipped: wrk is not installed (Debian: apt-get install -y wrk; see bench/README.md)")
        return 0
    if not has_dataset(args.database_url):
        print(SKIPPED_DATA)
        print(
            f"to make it (about 5 minutes): createdb -h 127.0.0.1 -U postgres dvc_bench; DATABASE_URL={DEFAULT_URL} "
            f".venv/bin/python manage.py migrate && DATABASE_URL={DEFAULT_URL} .venv/bin/python manage.py "
            "generate_dataset",
            file=sys.stderr,
        )
        return 0
    secret_key = secrets.token_urlsafe(40)
    base_env = environment(args.database_url, secret_key)
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=base_env, capture_output=True, text=True
    )
    if check.returncode:
        print((check.stderr.strip().splitlines() or [""])[-1])
        print(f"The database needs its migrations: DATABASE_URL={args.database_url} .venv/bin/python manage.py migrate")
        return 1
    collectstatic(base_env)
    user, cookie, key = sign_in(args.database_url, secret_key)
    year, targets = addresses()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT)
        script = handle.name
    print(
        f"database {args.database_url}; period {year}; gunicorn 2 sync workers; wrk {args.connections} connections, "
        f"{args.seconds} s per address, timeout 30 s; CPUs: {os.cpu_count()}; prepared statements "
        f"{'on' if prepared_statements() else 'off (DB_PREPARED_STATEMENTS=0)'}"
    )
    runs = []
    try:
        for run in range(1, args.repeat + 1):
            print(
                f"run {run}: {'server':<8} {'address':<42} {'requests':>7} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
                f"{'p99 ms':>8} {'errors':>6}"
            )
            rows = run_server("reuse", base_env, targets, cookie, key, args, script)
            if not args.no_plain:
                plain_env = environment(args.database_url, secret_key, REPORTS_REUSE="0")
                rows += run_server("plain", plain_env, targets, cookie, key, args, script, warm=False)
                no_persistent = environment(args.database_url, secret_key, DB_CONN_MAX_AGE="0")
                rows += run_server("conn/req", no_persistent, targets[:1], cookie, key, args, script)
            runs.append(rows)
    finally:
        os.unlink(script)
        user.delete()
    return report(runs)


def report(runs):
    print()
    if len(runs) > 1:
        print(f"medians over {len(runs)} runs (range):")
        by = {}
        for rows in runs:
            for row in rows:
                by.setdefault((row["server"], row["name"]), []).append(row)
        for (server, name), rows in by.items():
            cells = []
            for field in ("rps", "p50", "p90", "p99"):
                values = [row[field] for row in rows]
                cells.append(f"{field} {statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})")
            print(f"  {server:<8} {name:<42} " + "  ".join(cells))
        print()
    all_met = True
    for number, rows in enumerate(runs, 1):
        reusing = [row for row in rows if row["server"] == "reuse"]
        for name, text, met in verdicts(reusing):
            all_met &= met
            print(f"run {number}: {'met   ' if met else 'MISSED'} {name}: {text}")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
