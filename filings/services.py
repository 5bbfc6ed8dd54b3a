"""The one write path for monthly figures.

The entry form, the Excel import, the admin, the API and the demo hand rows to `filings_upsert`, which
writes them in one transaction (COPY on PostgreSQL, bulk statements elsewhere) and records each created
or changed row in the history (django-simple-history's table, written in bulk too, so bulk writes are
never missing from the audit trail).
"""

import functools
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import workflow
from .models import COUNT_FIELDS, MonthlyFiling

KEY = ("unit_id", "procedure_id", "year", "month")
_CHUNK = 2000


class Source:
    """Where a change came from, as recorded in the history's change reason."""

    FORM = "form"
    IMPORT = "import"
    ADMIN = "admin"
    API = "api"
    DEMO = "demo"


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged


def _chunks(items, size=_CHUNK):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _existing(rows):
    """{key: {"id": .., count fields: ..}} for the stored filings among the rows' keys."""
    months = {(row["year"], row["month"]) for row in rows}
    unit_ids = sorted({row["unit_id"] for row in rows})
    months_q = Q()
    for year, month in months:
        months_q |= Q(year=year, month=month)
    names = ("id", *KEY, *COUNT_FIELDS)
    key_of = itemgetter(1, 2, 3, 4)
    found = {}
    for unit_batch in _chunks(unit_ids):
        # Tuples, not the ORM's dicts: a re-import of 100,000 rows reads them all back.
        for values in (
            MonthlyFiling.objects.filter(months_q, unit_id__in=unit_batch)
            .order_by()
            .values_list(*names)
            .iterator(chunk_size=_CHUNK)
        ):
            found[key_of(values)] = dict(zip(names, values))
    return found


def filings_upsert(rows, *, fields=COUNT_FIELDS, source: str, user=None, note: str = "", force: bool = False,
                   expected_versions: dict | None = None) -> UpsertResult:
    """Create or update monthly filings by their key (unit, procedure, year, month).

    Each row is a dict with `unit_id`, `procedure_id`, `year`, `month` and the counts named in `fields`
    (already validated by filings.rules). Counts not in `fields` keep their stored value (0 for a new
    row). Rows equal to what is stored are left alone and counted as unchanged. All or nothing.

    The unit-months written must be writable by `user` (filings.workflow: approved months need an admin's
    `force`; raises UnitMonthLocked) and, for those in `expected_versions` ({(unit_id, year, month):
    version}), still at the version the user saw (raises VersionConflict)."""
    unknown = set(fields) - set(COUNT_FIELDS)
    if unknown:
        raise ValueError(f"not count fields: {', '.join(sorted(unknown))}")
    fields = [name for name in COUNT_FIELDS if name in set(fields)]
    rows = list(rows)
    result = UpsertResult()
    if not rows:
        return result
    with transaction.atomic():
        guard = workflow.write_guard(rows, user=user, force=force, expected_versions=expected_versions)
        existing = _existing(rows)
        to_create, to_update = [], []
        # The loop runs once per row of a 100,000-row import: C-level getters, no comprehension per row.
        key_of = itemgetter(*KEY)
        counts_of = itemgetter(*fields) if len(fields) > 1 else (lambda row: (row[fields[0]],)) if fields else (
            lambda row: ())
        zeros = dict.fromkeys(COUNT_FIELDS, 0)
        for row in rows:
            try:
                counts = counts_of(row)
            except KeyError:
                counts = tuple(row.get(f) for f in fields)
            if None in counts:
                counts = tuple(c or 0 for c in counts)
            stored = existing.get(key_of(row))
            if stored is None:
                new = dict(zip(KEY, key_of(row)))
                new.update(zeros)
                new.update(zip(fields, counts))
                to_create.append(new)
            elif any(stored[f] != c for f, c in zip(fields, counts)):
                stored.update(zip(fields, counts))
                to_update.append(stored)
            else:
                result.unchanged += 1
        writer = _PostgresWriter() if connection.vendor == "postgresql" else _OrmWriter()
        reason = f"{source}: {note}" if note else source
        changed_ids = writer.write(to_create, to_update, fields, user=user, reason=reason)
        guard.written(to_create + to_update, reason=reason)
        result.created, result.updated = len(to_create), len(to_update)
        result.changed_ids = changed_ids
    return result


@functools.cache
def _history_columns():
    # Cached: the history manager is rebuilt on every access, far too slow to ask once per row.
    model = MonthlyFiling.history.model
    return tuple(f.column for f in model._meta.concrete_fields if f.name != "history_id")


def _history_records(items, user, reason, now):
    """The history rows' values in the history table's column order, for COPY or bulk_create."""
    base = {"history_date": now, "history_change_reason": reason[:100], "history_user_id": getattr(user, "pk", None)}
    values = itemgetter(*_history_columns())
    for row, kind in items:
        yield values({**base, **row, "history_type": kind})


class _OrmWriter:
    """Any database: bulk INSERT for new rows, executemany UPDATE for changed ones."""

    def write(self, to_create, to_update, fields, *, user, reason):
        """Write the rows and their history rows; returns the ids of the created, then updated, rows."""
        self.create(to_create)
        self.update(to_update, fields)
        self.history([(row, "+") for row in to_create] + [(row, "~") for row in to_update], user, reason)
        return [row["id"] for row in to_create + to_update]

    def create(self, rows):
        # SQLite (3.35+) and PostgreSQL return the new ids from a bulk insert.
        objects = MonthlyFiling.objects.bulk_create([MonthlyFiling(**row) for row in rows], batch_size=500)
        for row, obj in zip(rows, objects, strict=True):
            row["id"] = obj.pk

    def update(self, rows, fields):
        if not rows:
            return
        table = connection.ops.quote_name(MonthlyFiling._meta.db_table)
        assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in fields)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",
                [[row[f] for f in fields] + [row["id"]] for row in rows],
            )

    def history(self, items, user, reason):
        model = MonthlyFiling.history.model
        now = timezone.now()
        columns = _history_columns()
        model.objects.bulk_create(
            [model(**dict(zip(columns, record))) for record in _history_records(items, user, reason, now)],
            batch_size=500,
        )


class _PostgresWriter:
    """PostgreSQL: the rows are COPYed (the fastest way in) into a temporary table, then one statement
    inserts (or updates) them and writes their history rows from what it wrote (RETURNING), so that
    neither the figures nor the ids cross the wire a second time."""

    def _copy(self, cursor, table, columns, records):
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        # The raw psycopg cursor bypasses Django's error translation; keep IntegrityError & co. the same.
        with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)

    def _history_insert(self, source):
        """INSERT of history rows selected from `source` (a CTE of written rows); params now/reason/kind/user."""
        quote = connection.ops.quote_name
        constants = {"history_date": "%(now)s", "history_change_reason": "%(reason)s", "history_type": "%(kind)s",
                     "history_user_id": "%(user)s"}
        columns = _history_columns()
        return (f"INSERT INTO {quote(MonthlyFiling.history.model._meta.db_table)} "
                f"({', '.join(quote(c) for c in columns)}) "
                f"SELECT {', '.join(constants.get(c, quote(c)) for c in columns)} FROM {source}")

    def write(self, to_create, to_update, fields, *, user, reason):
        table = connection.ops.quote_name(MonthlyFiling._meta.db_table)
        params = {"now": timezone.now(), "reason": reason[:100], "user": getattr(user, "pk", None)}
        ids = []
        with connection.cursor() as cursor:
            if to_create:
                columns = [*KEY, *COUNT_FIELDS]
                listed = ", ".join(columns)
                cursor.execute("CREATE TEMPORARY TABLE filing_new (" + ", ".join(f"{c} bigint" for c in columns) + ")")
                values = itemgetter(*columns)
                self._copy(cursor.cursor, "filing_new", columns, (values(row) for row in to_create))
                cursor.execute(
                    f"WITH written AS (INSERT INTO {table} ({listed}) SELECT {listed} FROM filing_new RETURNING *), "
                    f"history AS ({self._history_insert('written')}) SELECT array_agg(id) FROM written",
                    {**params, "kind": "+"},
                )
                ids += cursor.fetchone()[0]
                cursor.execute("DROP TABLE filing_new")
            if to_update:
                cursor.execute("CREATE TEMPORARY TABLE filing_update (id bigint PRIMARY KEY, "
                               + ", ".join(f"{f} integer" for f in fields) + ")")
                values = itemgetter("id", *fields)
                self._copy(cursor.cursor, "filing_update", ["id", *fields], (values(row) for row in to_update))
                assignments = ", ".join(f"{name} = u.{name}" for name in fields)
                cursor.execute(
                    f"WITH written AS (UPDATE {table} AS f SET {assignments} FROM filing_update AS u "
                    f"WHERE f.id = u.id RETURNING f.*), "
                    f"history AS ({self._history_insert('written')}) SELECT array_agg(id) FROM written",
                    {**params, "kind": "~"},
                )
                ids += cursor.fetchone()[0]
                cursor.execute("DROP TABLE filing_update")
        return ids


def filings_delete(filings, *, source: str, user=None, force: bool = False) -> int:
    """Delete monthly filings (the admin's delete) under the lock rule of filings_upsert, with a `-`
    history row for each (who, where from) and their unit-months' versions bumped. All or nothing."""
    filings = list(filings)
    if not filings:
        return 0
    keys = [{"unit_id": f.unit_id, "year": f.year, "month": f.month} for f in filings]
    with transaction.atomic():
        guard = workflow.write_guard(keys, user=user, force=force)
        for filing in filings:
            # simple-history's post_delete receiver writes the history row from these.
            filing._change_reason = source
            if user is not None:
                filing._history_user = user
            filing.delete()
        guard.written(keys, reason=source, create_missing=False)
    return len(filings)
