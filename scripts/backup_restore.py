"""Back up and restore everything the portal keeps: its database and the attached files of MEDIA_ROOT, in one
archive (docs/deploy.md, "Backups"). `scripts/backup` and `scripts/restore` run this module's two commands.

    scripts/backup --output-dir /var/backups/dvc-portal      # prints the archive's path as its last line
    scripts/restore /var/backups/dvc-portal/dvc-portal-2026-12-03T021500.tar.gz

Both read the database and MEDIA_ROOT from the portal's settings, as `manage.py` does (DATABASE_URL, MEDIA_ROOT,
a `.env` file; DJANGO_SETTINGS_MODULE, default dvc_portal.settings.local).

The archive is an ordinary .tar.gz (`tar -tzf` lists it): `manifest.json` (what was backed up: the engine, the
row count of every table, the applied migrations, the files), then the database, then `media/`, the files.

- PostgreSQL: `database.pgdump`, of `pg_dump --format=custom` (uncompressed inside the gzip), taken from a
  snapshot exported by the transaction that also counts the rows, so that the counts are those of the dump.
  pg_dump reads a consistent snapshot without blocking the portal.
- SQLite: `database.sqlite3`, a copy made by SQLite's online backup API (`sqlite3.Connection.backup`): a
  consistent copy of the whole file, safe while the web server and the worker run and write (a plain `cp`
  of a database in WAL mode is not). Not `dumpdata`: it would go through the ORM table by table outside one
  transaction, so not a snapshot, and lose what is not a model (the sequences, the migrations' record).

The database is saved first and the files after, so that a file attached in between is an extra file in
the archive, never a missing one.

Restoring refuses a database that has any table, or a MEDIA_ROOT that holds any file, unless --force:
- PostgreSQL: in one transaction (`pg_restore` into `psql --single-transaction`), with --force every table,
  view and sequence of the schemas on the search path is dropped first, then the dump is restored (with
  `--no-owner`: its objects belong to the user of DATABASE_URL). An error rolls everything back.
- SQLite: the archived copy is written into the database file through the backup API (--force: replacing
  its whole contents).
- The files are extracted into MEDIA_ROOT (tarfile's "data" filter: no path outside it, no links out);
  with --force, files of the same name are overwritten and other files are left where they are.
Then the row count of every table is compared with the manifest's, and the restore fails if one differs.
"""

import argparse
import datetime
import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "dvc-portal-backup"
VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP_MEMBER = "database.pgdump"
SQLITE_MEMBER = "database.sqlite3"
MEDIA_PREFIX = "media"
SUFFIX = ".tar.gz"
# A forced restore must not wait forever behind a running portal's locks (stop it first).
LOCK_TIMEOUT = "30s"


class Refused(Exception):
    """A reason to stop, for standard error; nothing was changed, unless the message says otherwise."""


# ---------------------------------------------------------------------------------------------------------
# The portal's settings


def _setup_django():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings.local")
    import django

    django.setup()


def _database_errors():
    """Django's database errors, once Django is set up (nothing to catch before)."""
    if "django.db" not in sys.modules:
        return ()
    from django.db import Error

    return (Error,)


def _target():
    """(vendor, settings of the default database, MEDIA_ROOT) as the portal sees them."""
    from django.conf import settings
    from django.db import connection

    return connection.vendor, settings.DATABASES["default"], Path(settings.MEDIA_ROOT)


def _describe(vendor, db):
    if vendor == "sqlite":
        return f"the SQLite database {db['NAME']}"
    where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"
    return f"the PostgreSQL database {db.get('NAME')} on {where}"


def _code_migrations():
    """The migrations of this release, as 'app.name'."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


# ---------------------------------------------------------------------------------------------------------
# PostgreSQL


def _libpq_env(db):
    """The environment that points pg_dump, pg_restore and psql at the database of `db` (Django's settings of
    it, as `manage.py dbshell` reads them); the password goes in the environment, never on a command line."""
    from django.db.backends.postgresql.client import DatabaseClient

    _, extra = DatabaseClient.settings_to_cmd_args_env(db, [])
    env = {**os.environ, **(extra or {})}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    options = db.get("OPTIONS") or {}
    if options.get("connect_timeout"):
        env["PGCONNECT_TIMEOUT"] = str(options["connect_timeout"])
    env["PGOPTIONS"] = " ".join(
        part for part in (str(options.get("options") or ""), "-c client_min_messages=warning") if part
    )
    return env


def _run(command, env, what):
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise Refused(f"{command[0]} not found: install PostgreSQL's client programs (postgresql-client)") from None
    if done.returncode:
        raise Refused(f"{what} failed (exit status {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _pg_relations(cursor):
    """[(kind, qualified name)] of the tables, views and sequences in the schemas of the search path, not those
    that belong to another (a partition, a column's sequence, an extension's)."""
    cursor.execute(
        """
        SELECT c.relkind, format('%I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
          AND n.nspname = ANY (current_schemas(false))
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')
          )
        ORDER BY 2
        """
    )
    return cursor.fetchall()


def _pg_counts(cursor, connection):
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_migrations(cursor, tables):
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _pg_backup(db, path):
    """pg_dump of the whole database into `path`; returns what the manifest says of it."""
    from django.db import connection, transaction

    env = _libpq_env(db)
    version = _run(["pg_dump", "--version"], env, "pg_dump --version").strip()
    with transaction.atomic(), connection.cursor() as cursor:
        # The dump and the counts read the same snapshot, that of this transaction.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        _run(
            ["pg_dump", "--format=custom", "--compress=0", f"--snapshot={snapshot}", f"--file={path}"],
            env,
            "pg_dump",
        )
        counts = _pg_counts(cursor, connection)
        migrations = _pg_migrations(cursor, counts)
    return {
        "engine": "postgresql",
        "database": db.get("NAME"),
        "database_member": PG_DUMP_MEMBER,
        "server_version": server_version,
        "pg_dump": version,
        "tables": counts,
        "migrations": migrations,
    }


def _pg_existing(connection):
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            return _pg_relations(cursor)
    except DatabaseError as exc:  # no such database, no server, a bad password
        reason = str(exc).strip()
        if "does not exist" in reason and "database" in reason:
            reason += "\n(create it first, empty: createdb -O OWNER NAME, or CREATE DATABASE)"
        raise Refused(f"cannot connect: {reason}") from None


def _pg_restore(db, dump, *, drop, privileges):
    """The dump restored in one transaction, after dropping the relations of `drop`."""
    env = _libpq_env(db)
    env["PGOPTIONS"] += f" -c lock_timeout={LOCK_TIMEOUT}"
    script = ["pg_restore", "--no-owner", "--file=-", str(dump)]
    if not privileges:
        script.insert(1, "--no-privileges")
    psql = ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
    kinds = {
        "v": "VIEW",
        "m": "MATERIALIZED VIEW",
        "r": "TABLE",
        "p": "TABLE",
        "f": "FOREIGN TABLE",
        "S": "SEQUENCE",
    }
    for kind in ("v", "m", "r", "p", "f", "S"):
        names = [name for relkind, name in drop if relkind == kind]
        if names:
            psql += ["--command", f"DROP {kinds[kind]} IF EXISTS {', '.join(names)} CASCADE"]
    psql += ["--file=-"]
    with tempfile.TemporaryFile() as script_errors:
        try:
            writer = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=script_errors, env=env)
        except FileNotFoundError:
            raise Refused("pg_restore not found: install PostgreSQL's client programs") from None
        try:
            reader = subprocess.run(
                psql, stdin=writer.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
            )
        except FileNotFoundError:
            writer.kill()
            raise Refused("psql not found: install PostgreSQL's client programs") from None
        finally:
            writer.stdout.close()
            writer.wait()
        script_errors.seek(0)
        errors = script_errors.read().decode(errors="replace").strip()
    if reader.returncode:
        reason = reader.stderr.strip()
        if "lock timeout" in reason:
            reason += "\n(the database is in use: stop the portal's web server and worker first)"
        if "does not exist" in reason and "role" in reason:
            reason += "\n(a GRANT to a role this server lacks: create the role, or restore with --no-privileges)"
        raise Refused(f"the restore failed and was rolled back, the database is as it was: {reason}")
    if writer.returncode:
        raise Refused(f"pg_restore could not read the dump (exit status {writer.returncode}): {errors}")


# ---------------------------------------------------------------------------------------------------------
# SQLite


def _sqlite_tables(conn):
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )
    return [name for (name,) in rows]


def _sqlite_counts(conn):
    return {
        table: conn.execute(f'SELECT count(*) FROM "{table.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
        for table in _sqlite_tables(conn)
    }


def _sqlite_migrations(conn, tables):
    if "django_migrations" not in tables:
        return []
    return [f"{app}.{name}" for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY 1, 2")]


def _sqlite_backup(db, path):
    source_path = Path(db["NAME"])
    if not source_path.is_file():
        raise Refused(f"no SQLite database at {source_path}")
    source = sqlite3.connect(source_path, timeout=20)
    copy = sqlite3.connect(path)
    try:
        # One step (pages=-1): the copy is of one moment, read in one read transaction; writers go on (WAL).
        source.backup(copy)
        # The copy stands alone: no -wal file beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise Refused(f"the copy of {source_path} fails SQLite's check: {check}")
        counts = _sqlite_counts(copy)
        migrations = _sqlite_migrations(copy, counts)
        version = sqlite3.sqlite_version
    finally:
        copy.close()
        source.close()
    return {
        "engine": "sqlite",
        "database": str(source_path),
        "database_member": SQLITE_MEMBER,
        "server_version": version,
        "tables": counts,
        "migrations": migrations,
    }


def _sqlite_existing(path):
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        conn = sqlite3.connect(path, timeout=20)
        try:
            return _sqlite_tables(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise Refused(f"{path} is not a SQLite database SQLite can read ({exc})") from None


def _sqlite_restore(copy_path, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy_path)
    dest = sqlite3.connect(target, timeout=20)
    try:
        # Through SQLite, not a file copy: a -wal file left beside the target cannot corrupt it, and every
        # page of the target (its tables not in the copy too, with --force) is replaced.
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")  # as the portal opens it (dvc_portal/settings/base.py)
    except sqlite3.Error as exc:
        raise Refused(f"could not write {target}: {exc} (is the portal still running?)") from None
    finally:
        dest.close()
        source.close()
    return _sqlite_counts_of(target)


def _sqlite_counts_of(path):
    conn = sqlite3.connect(path, timeout=20)
    try:
        return _sqlite_counts(conn)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------------------
# Files


def _media_files(media_root):
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() or p.is_symlink())


def _plural(n, word):
    return f"{n:,} {word}" if n != 1 else f"1 {word[:-1]}"


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------------------------------------------------
# backup


def backup(output, *, media=True, log=print):
    """Write the archive to `output` (which must not exist); returns its manifest."""
    started = time.monotonic()
    vendor, db, media_root = _target()
    if vendor not in ("postgresql", "sqlite"):
        raise Refused(f"backups support PostgreSQL and SQLite, not {vendor}")
    output = Path(output).absolute()
    if output.exists():
        raise Refused(f"{output} exists already")
    if media and output.resolve().is_relative_to(media_root.resolve()):
        raise Refused(f"the archive {output} would be inside MEDIA_ROOT ({media_root}), which it saves")
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=".dvc-backup-", dir=output.parent) as work:
        database_file = Path(work) / "database"
        manifest = (_pg_backup if vendor == "postgresql" else _sqlite_backup)(db, database_file)
        files = _media_files(media_root) if media else []
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            **manifest,
            "media": None
            if not media
            else {
                "root": str(media_root),
                "files": len(files),
                "bytes": sum(p.lstat().st_size for p in files),
            },
        }
        # Backups hold password hashes and sessions: readable by their owner only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as gz:
                with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False).encode())
                    tar.add(database_file, arcname=manifest["database_member"], recursive=False)
                    for path in files:
                        tar.add(path, arcname=f"{MEDIA_PREFIX}/{path.relative_to(media_root).as_posix()}")
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    rows = sum(manifest["tables"].values())
    what = f"{_describe(vendor, db)} ({_plural(len(manifest['tables']), 'tables')}, {_plural(rows, 'rows')})"
    if media:
        what += f" and {_plural(len(files), 'files')} of MEDIA_ROOT {media_root} ({_size(manifest['media']['bytes'])})"
    log(f"Backed up {what} in {time.monotonic() - started:.1f} s: {_size(output.stat().st_size)}.")
    return manifest


def main_backup(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/backup",
        description=(
            "Back up the portal's database and the attached files of MEDIA_ROOT into one .tar.gz archive "
            "(docs/deploy.md, 'Backups'); safe while the portal runs. Prints the archive's path as its last line."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", metavar="FILE", help=f"the archive to write, a {SUFFIX} (must not exist)")
    where.add_argument(
        "--output-dir",
        metavar="DIR",
        default=".",
        help="where to write dvc-portal-YYYY-MM-DDTHHMMSS.tar.gz (default: the current directory)",
    )
    parser.add_argument("--no-media", action="store_true", help="the database only, not MEDIA_ROOT's files")
    args = parser.parse_args(argv)

    def run():
        _setup_django()
        if args.output:
            output = Path(args.output)
        else:
            # In the portal's time zone (TIME_ZONE), as the manifest's time.
            stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%dT%H%M%S")
            output = Path(args.output_dir) / f"dvc-portal-{stamp}{SUFFIX}"
        if not output.parent.is_dir():
            raise Refused(f"no directory {output.parent}")
        backup(output, media=not args.no_media)
        print(output)

    return _exit_status("backup", run)


def _exit_status(command, run) -> int:
    """0 after run(), else 1 with the reason on stderr: a refusal, or the database's error."""
    try:
        run()
    except Refused as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    except _database_errors() as exc:
        print(f"{command}: the database failed: {str(exc).strip()}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------------------
# restore


def _read_manifest(tar):
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise Refused(f"no {MANIFEST} in the archive: not a backup of scripts/backup") from None
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except ValueError as exc:
        raise Refused(f"{MANIFEST} is not JSON ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise Refused(f"not a backup of scripts/backup ({MANIFEST} says format {manifest.get('format')!r})")
    if manifest.get("version") != VERSION:
        raise Refused(f"a backup of format version {manifest.get('version')}; this script reads version {VERSION}")
    return manifest


def _open_archive(path):
    try:
        return tarfile.open(path, mode="r:gz")
    except FileNotFoundError:
        raise Refused(f"no file {path}") from None
    except (tarfile.TarError, OSError) as exc:
        raise Refused(f"{path} is not a .tar.gz archive ({exc})") from None


def restore(archive, *, force=False, media=True, privileges=True, log=print):
    """Restore `archive` into the portal's database and MEDIA_ROOT; returns the restored tables' row counts."""
    started = time.monotonic()
    vendor, db, media_root = _target()
    with _open_archive(archive) as tar:
        manifest = _read_manifest(tar)
        if manifest["engine"] != vendor:
            raise Refused(
                f"this is a backup of a {manifest['engine']} database and DATABASE_URL names a {vendor} one; "
                "restore it into the same kind of database"
            )
        # Refuse before changing anything.
        target = _describe(vendor, db)
        if vendor == "postgresql":
            from django.db import connection

            existing = _pg_existing(connection)
            connection.close()
        else:
            existing = _sqlite_existing(Path(db["NAME"]))
        file_members = [m for m in tar.getmembers() if m.name.startswith(f"{MEDIA_PREFIX}/")] if media else []
        present = _media_files(media_root) if file_members else []
        relations = "tables, views or sequences" if vendor == "postgresql" else "tables"
        problems = []
        if existing and not force:
            problems.append(
                f"{target} is not empty ({_plural(len(existing), relations)}): restore into an empty "
                "database, or pass --force to replace its contents"
            )
        if present and not force:
            problems.append(
                f"MEDIA_ROOT {media_root} holds {_plural(len(present), 'files')}: restore into an empty directory, "
                "or pass --force to overwrite files of the same name (other files are kept)"
            )
        if problems:
            raise Refused("nothing was restored:\n  " + "\n  ".join(problems))

        with tempfile.TemporaryDirectory(prefix="dvc-restore-") as work:
            member = tar.getmember(manifest["database_member"])
            database_file = Path(work) / "database"
            with tar.extractfile(member) as source, open(database_file, "wb") as copy:
                shutil.copyfileobj(source, copy, 1024 * 1024)
            if vendor == "postgresql":
                _pg_restore(db, database_file, drop=existing, privileges=privileges)
                from django.db import connection

                with connection.cursor() as cursor:
                    counts = _pg_counts(cursor, connection)
            else:
                counts = _sqlite_restore(database_file, Path(db["NAME"]))
        differ = sorted(
            f"{table}: {manifest['tables'].get(table)} in the backup, {counts.get(table)} restored"
            for table in set(counts) | set(manifest["tables"])
            if counts.get(table) != manifest["tables"].get(table)
        )
        if differ:
            raise Refused("the restored database differs from the backup's manifest:\n  " + "\n  ".join(differ))

        if file_members:
            media_root.mkdir(parents=True, exist_ok=True)
            members = [m.replace(name=m.name[len(MEDIA_PREFIX) + 1 :], deep=False) for m in file_members]
            try:
                tar.extractall(media_root, members=members, filter="data")
            except (tarfile.TarError, OSError) as exc:
                raise Refused(f"the database was restored, but not every file into {media_root}: {exc}") from None
    restored_files = sum(1 for m in file_members if m.isfile())
    rows = sum(counts.values())
    what = f"{target}: {_plural(len(counts), 'tables')}, {_plural(rows, 'rows')}"
    if file_members:
        what += f"; {_plural(restored_files, 'files')} into MEDIA_ROOT {media_root}"
        if present:
            what += f" (which held {_plural(len(present), 'files')} before)"
    elif media and manifest.get("media") is None:
        what += "; the backup holds no files (made with --no-media)"
    log(f"Restored the backup of {manifest['created']} into {what}, in {time.monotonic() - started:.1f} s.")
    _migration_notes(manifest, log)
    return counts


def _migration_notes(manifest, log):
    code = _code_migrations()
    backed_up = set(manifest.get("migrations") or [])
    newer = sorted(backed_up - code)
    if newer:
        log(
            f"Warning: the backup has {len(newer)} migrations this release does not know ({', '.join(newer[:5])}"
            f"{', ...' if len(newer) > 5 else ''}): it was made by a newer release; run that release."
        )
    missing = len(code - backed_up)
    if missing:
        log(f"This release has {missing} migrations the backup lacks: run `manage.py migrate` next.")
    log(
        "Then `manage.py rebuild_totals` (the KPI totals recomputed, and no result reused from before the restore "
        "counts, even in a shared CACHE_URL), and start the portal."
    )


def main_restore(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/restore",
        description=(
            "Restore an archive of scripts/backup into the portal's database (DATABASE_URL) and MEDIA_ROOT, "
            "and check every table's row count against the archive's (docs/deploy.md, 'Backups'). Refuses a "
            "database with tables or a MEDIA_ROOT with files unless --force. Stop the portal first."
        ),
    )
    parser.add_argument("archive", help=f"a {SUFFIX} written by scripts/backup")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a database that is not empty (PostgreSQL: its tables, views and sequences are dropped, "
        "in the restore's transaction) and overwrite MEDIA_ROOT's files of the same name",
    )
    parser.add_argument("--no-media", action="store_true", help="restore the database only, not the files")
    parser.add_argument(
        "--no-privileges",
        action="store_true",
        help="PostgreSQL: leave out the dump's GRANTs (e.g. to a replica's read-only role this server lacks)",
    )
    args = parser.parse_args(argv)

    def run():
        _setup_django()
        restore(args.archive, force=args.force, media=not args.no_media, privileges=not args.no_privileges)

    return _exit_status("restore", run)
