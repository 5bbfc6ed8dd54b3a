"""scripts/backup and scripts/restore (docs/deploy.md, "Backups"), run as a user runs them, in processes of their
own with DATABASE_URL and MEDIA_ROOT in the environment: the demo data (seed_demo) with files attached, backed up,
restored into a new empty database and an empty MEDIA_ROOT, give the same KPIs (those of /api/v1/kpi, for every
unit over several periods), the same tables row for row and the same files. A second restore is refused, and
--force restores over a changed database.

Each on the suite's own kind of database (CI runs the suite against both; a round trip costs half a minute): SQLite
on a temporary file; PostgreSQL on scratch databases created and dropped here, on the server of DATABASE_URL.
"""

import json
import os
import stat
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent

# Run in the portal's settings by `python -c`: what must survive a backup, as JSON. The KPIs of every unit (its
# subtree and its own figures, every figure and approved months only) over several periods, computed as
# /api/v1/kpi does; every table's row count and a digest of its rows; the files of MEDIA_ROOT; the files the
# database names that MEDIA_ROOT lacks.
SNAPSHOT = """
import hashlib, json, os, sys
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models
from core.periods import Period
from reports.projection import with_projections
from reports.selectors import kpis_for_units
from units.models import Unit

kpis = {}
if "--kpis" in sys.argv:
    units = list(Unit.objects.order_by("code"))
    for text in ("2018-01..2026-12", "2019", "2024-H1", "2025", "2026"):
        period = Period.parse(text)
        for own in (False, True):
            for approved_only in (False, True):
                result = with_projections(kpis_for_units(units, period, own=own, approved_only=approved_only))
                for unit in units:
                    kpis[f"{unit.code} {text} own={own} approved_only={approved_only}"] = result[unit.pk].as_json()
tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names(cursor)):
        name = connection.ops.quote_name(table)
        columns = len(connection.introspection.get_table_description(cursor, table))
        cursor.execute(f"SELECT * FROM {name} ORDER BY " + ", ".join(str(i + 1) for i in range(columns)))
        rows = cursor.fetchall()
        tables[table] = [len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()]
root = settings.MEDIA_ROOT
paths = [os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names]
files = {os.path.relpath(path, root): hashlib.sha256(open(path, "rb").read()).hexdigest() for path in paths}
named = [
    getattr(obj, field.name).name
    for model in apps.get_models()
    for field in model._meta.get_fields() if isinstance(field, models.FileField)
    for obj in model.objects.exclude(**{field.name: ""})
]
missing = [name for name in named if not default_storage.exists(name)]
json.dump({"kpis": kpis, "tables": tables, "files": files, "named": sorted(named), "missing": missing}, sys.stdout)
"""

# Documents attached to a directive and to a task report, as the directing pages store them, and a file nothing
# names any more (a replaced attachment): MEDIA_ROOT is backed up whole.
ATTACH = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from directing.models import Directive, TaskReport
Directive.objects.order_by("pk").first().file.save("Công văn 1574-UBND.pdf", ContentFile(b"%PDF-1.4 c\\xf4ng v\\xe3n"))
TaskReport.objects.order_by("pk").first().evidence.save("minh chứng.docx", ContentFile(bytes(range(256)) * 40))
default_storage.save("directives/2019/thay thế.pdf", ContentFile(b"%PDF-1.4 old"))
"""

# What changes a restored database before a forced restore: figures deleted, a table that the backup lacks.
CHANGE = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM filings_monthlyfiling WHERE month = 1")
    print(cursor.rowcount)
    cursor.execute("CREATE TABLE leftover (id integer PRIMARY KEY)")
"""


def environment(database_url, media_root):
    """A user's environment for the portal's commands: the project's Python first on the PATH (the scripts'
    `#!/usr/bin/env python3`), the settings of manage.py's default (local), the given database and files."""
    env = {
        key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_REPLICA_URL")
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        PYTHONUNBUFFERED="1",
    )
    return env


def run(command, env, *, check=True):
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode:
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def python(env, *args):
    """The project's Python in the test settings (the demo logins' passwords hashed fast); the scripts run in
    manage.py's default settings, as a user runs them. Both read DATABASE_URL and MEDIA_ROOT alike."""
    return run([sys.executable, *args], {**env, "DJANGO_SETTINGS_MODULE": "dvc_portal.settings.test"})


def snapshot(env, *, kpis=True):
    return json.loads(python(env, "-c", SNAPSHOT, *(["--kpis"] if kpis else [])).stdout)


def counts(snapshot):
    return {table: rows for table, (rows, _) in snapshot["tables"].items()}


def roundtrip(tmp_path, source_url, restored_url):
    source = environment(source_url, tmp_path / "media")
    restored = environment(restored_url, tmp_path / "restored-media")
    python(source, "manage.py", "migrate", "--noinput", "--verbosity", "0")
    python(source, "manage.py", "seed_demo")
    python(source, "-c", ATTACH)
    before = snapshot(source)
    assert len(before["files"]) == 3 and len(before["named"]) == 2 and before["missing"] == []
    assert before["tables"]["filings_monthlyfiling"][0] > 10_000 and before["tables"]["accounts_user"][0] > 0

    backups = tmp_path / "backups"
    backups.mkdir()
    done = run([ROOT / "scripts/backup", "--output-dir", backups], source)
    archive = Path(done.stdout.strip().splitlines()[-1])
    assert archive.parent == backups and archive.name.endswith(".tar.gz") and archive.is_file()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # password hashes, sessions
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and names[1].startswith("database.")
    assert sorted(name for name in names if name.startswith("media/")) == sorted(f"media/{f}" for f in before["files"])
    assert manifest["tables"] == counts(before)

    done = run([ROOT / "scripts/restore", archive], restored)
    assert "Restored the backup" in done.stdout
    after = snapshot(restored)
    assert counts(after) == counts(before)
    assert after["kpis"] == before["kpis"]
    assert after["tables"] == before["tables"]
    assert after["files"] == before["files"] and after["named"] == before["named"] and after["missing"] == []

    # Again: the database and MEDIA_ROOT are not empty any more; nothing is touched.
    done = run([ROOT / "scripts/restore", archive], restored, check=False)
    assert done.returncode == 1
    assert "nothing was restored" in done.stderr and "is not empty" in done.stderr and "--force" in done.stderr
    assert "MEDIA_ROOT" in done.stderr
    # --force restores over a database changed since (figures deleted, a table added) and a changed file.
    assert int(python(restored, "-c", CHANGE).stdout) > 0
    (tmp_path / "restored-media" / before["named"][0]).write_bytes(b"changed")
    run([ROOT / "scripts/restore", "--force", archive], restored)
    forced = snapshot(restored, kpis=False)  # the same tables give the same KPIs
    assert forced["tables"] == before["tables"] and forced["files"] == before["files"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip runs in the suite's SQLite pass")
def test_sqlite(tmp_path):
    roundtrip(tmp_path, f"sqlite:///{tmp_path / 'dvc.sqlite3'}", f"sqlite:///{tmp_path / 'restored' / 'dvc.sqlite3'}")


@pytest.fixture
def postgres_databases():
    """The URLs of two new empty databases on a PostgreSQL server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    server = os.environ["DATABASE_URL"]
    config = environ.Env.db_url_config(server)
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **params)
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server at {config.get('HOST')}:{config.get('PORT')}: {exc}")
    names = [f"backup_test_{uuid.uuid4().hex[:8]}_{role}" for role in ("source", "restored")]
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        yield [urlsplit(server)._replace(path=f"/{name}").geturl() for name in names]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in the suite's PostgreSQL pass")
def test_postgresql(tmp_path, postgres_databases):
    roundtrip(tmp_path, *postgres_databases)
