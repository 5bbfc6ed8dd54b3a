"""Convert a table of figures into a table partitioned by year: the plan of docs/deploy.md, "The filings
table partitioned by year". PostgreSQL only, and not part of the app: the models and migrations describe the
plain table, and the write path needs one change first (the plan says which). Run it on a scratch copy of a
database, or after a backup (docs/deploy.md, "Backups").

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_scratch .venv/bin/python scripts/partition_filings.py --dry-run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_scratch .venv/bin/python scripts/partition_filings.py
    ... scripts/partition_filings.py --table filings_fieldfiling

One transaction, with the table locked (ACCESS EXCLUSIVE: readers and writers wait) while its rows are copied
into a new table partitioned by RANGE (year): one partition per year from the first year with figures (or this
year) to next year, and a DEFAULT partition for any other year. The new table has the same columns, NOT NULL
and CHECK constraints, unique constraints (which must hold `year`: filings_monthlyfiling's unit, procedure,
year, month does), indexes, foreign keys, owner and grants, under the same names; its primary key becomes
(id, year), and its id sequence goes on from the old one's. The row counts are compared before the commit.
"""

import argparse
import datetime
import os
import re
import sys
from pathlib import Path

PARTITION_KEY = "year"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class Refused(Exception):
    """The table cannot be converted as it is; nothing was changed."""


def plan(connection, table, *, this_year=None):
    """The statements that convert `table`, read from the database's catalogue; raises Refused."""
    if not _NAME.match(table):
        raise Refused(f"{table!r} is not a plain table name")
    if connection.vendor != "postgresql":
        raise Refused("partitioning is PostgreSQL's; this database is " + connection.vendor)
    this_year = this_year or datetime.date.today().year
    q = connection.ops.quote_name
    new = f"{table}_partitioned"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind, pg_get_userbyid(c.relowner), current_user FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [table],
        )
        found = cursor.fetchone()
        if found is None:
            raise Refused(f"no table {table}")
        kind, owner, user = found
        if kind == "p":
            raise Refused(f"{table} is already partitioned")
        if kind != "r":
            raise Refused(f"{table} is not an ordinary table")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = %s::regclass", [table]
        )
        if referencing := cursor.fetchall():
            raise Refused(f"{table} is referenced by foreign keys ({referencing}), which would need (id, year)")
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), "
            "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey) "
            "ORDER BY attnum) "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype, conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid) "
            "ORDER BY i.indexrelid",
            [table],
        )
        indexes = [definition for (definition,) in cursor.fetchall()]
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT grantee, string_agg(privilege_type, ', ' ORDER BY privilege_type) "
            "FROM information_schema.role_table_grants WHERE table_schema = current_schema() AND table_name = %s "
            "AND grantee <> %s GROUP BY grantee ORDER BY grantee",
            [table, owner],
        )
        grants = cursor.fetchall()

    primary = [c for c in constraints if c[1] == "p"]
    if [columns for _, _, _, columns in primary] != [["id"]]:
        raise Refused(f"{table}'s primary key is not (id)")
    for name, kind, _, columns in constraints:
        if kind == "u" and PARTITION_KEY not in columns:
            raise Refused(f"the unique constraint {name} ({', '.join(columns)}) does not hold {PARTITION_KEY}")
    if sequence is None:
        raise Refused(f"{table}.id has no sequence")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min({PARTITION_KEY}), max({PARTITION_KEY}) FROM {q(table)}")
        first, last = cursor.fetchone()
    years = range(min(first or this_year, this_year), max(last or this_year, this_year + 1) + 1)

    statements = [
        # Foreign-key checks deferred by earlier statements of the same transaction run now (DROP TABLE would
        # refuse a table with pending checks), and those of the copy at once.
        "SET CONSTRAINTS ALL IMMEDIATE",
        f"LOCK TABLE {q(table)} IN ACCESS EXCLUSIVE MODE",
        f"CREATE TABLE {q(new)} (LIKE {q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({PARTITION_KEY})",
        *(
            f"CREATE TABLE {q(f'{table}_y{year}')} PARTITION OF {q(new)} FOR VALUES FROM ({year}) TO ({year + 1})"
            for year in years
        ),
        f"CREATE TABLE {q(f'{table}_other')} PARTITION OF {q(new)} DEFAULT",
        f"INSERT INTO {q(new)} SELECT * FROM {q(table)}",
        # The new identity goes on where the old one was (ids handed out and rolled back included).
        f"SELECT setval(pg_get_serial_sequence('{new}', 'id'), s.last_value, s.is_called) FROM {sequence} AS s",
        f"DROP TABLE {q(table)}",
        f"ALTER TABLE {q(new)} RENAME TO {q(table)}",
        f"ALTER SEQUENCE {q(f'{new}_id_seq')} RENAME TO {q(f'{table}_id_seq')}",
        # Keys and indexes after the rows: built once, and under their old names (Django's migrations find them).
        *(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} PRIMARY KEY (id, {PARTITION_KEY})"
            for name, kind, _, _ in constraints
            if kind == "p"
        ),
        *(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
            for name, kind, definition, _ in constraints
            if kind == "u"
        ),
        *indexes,
        *(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
            for name, kind, definition, _ in constraints
            if kind == "f"
        ),
    ]
    if owner != user:
        statements += [
            f"ALTER TABLE {q(name)} OWNER TO {q(owner)}"
            for name in [table, *(f"{table}_y{year}" for year in years), f"{table}_other"]
        ]
    statements += [f"GRANT {privileges} ON {q(table)} TO {q(grantee)}" for grantee, privileges in grants]
    statements.append(f"ANALYZE {q(table)}")
    return statements


def convert(connection, table, *, this_year=None):
    """Run plan(table) in one transaction, comparing the row counts before the old table is dropped.
    Returns the statements run."""
    from django.db import transaction

    q = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        statements = plan(connection, table, this_year=this_year)
        for statement in statements:
            if statement.startswith("DROP TABLE"):
                cursor.execute(
                    f"SELECT (SELECT count(*) FROM {q(table)}), (SELECT count(*) FROM {q(table + '_partitioned')})"
                )
                before, after = cursor.fetchone()
                if before != after:
                    raise RuntimeError(f"{table}: {before} rows, {after} copied; nothing changed")
            cursor.execute(statement)
    return statements


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default="filings_monthlyfiling", help="default: %(default)s")
    parser.add_argument("--dry-run", action="store_true", help="print the statements, change nothing")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings.local")
    import django

    django.setup()
    from django.db import connection

    try:
        statements = plan(connection, args.table) if args.dry_run else convert(connection, args.table)
    except Refused as exc:
        print(f"partition_filings: {exc}", file=sys.stderr)
        return 1
    for statement in statements:
        print(statement + ";")
    if not args.dry_run:
        print(f"-- {args.table} is partitioned by {PARTITION_KEY}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
