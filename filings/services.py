"""The one write path for monthly figures, per procedure (`filings_upsert`) or per field
(`field_filings_upsert`, the official form 06's rows), and their deletion (`filings_delete`).

The entry form, the Excel import, the admin and the demo hand rows to them; they check the rows
(filings.rules), that no unit-month would hold figures of both kinds, and the month locks
(filings.locks), write in one transaction (COPY on PostgreSQL, bulk statements elsewhere), record each
created or changed row in the history (django-simple-history's table, written in bulk too, so bulk
writes are never missing from the audit trail) and send `figures_written` (filings.signals), by which
reports keeps its KPI totals.
"""

import functools
from dataclasses import dataclass, field
from itertools import batched
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RowsRefused
from units.models import Unit

from . import locks
from .kinds import PER_FIELD, PER_PROCEDURE
from .models import COUNT_FIELDS, FIGURE_FIELDS, SCORE_FIELDS, Grain, MonthlyFiling, ReportingMode
from .rules import check_month_range, refused_rows
from .signals import figures_written

_CHUNK = 2000
# What a new row holds in a figure its writer does not give.
_NEW_ROW = dict.fromkeys(COUNT_FIELDS, 0) | dict.fromkeys(SCORE_FIELDS)


class Source:
    """Where a change came from, as recorded in the history's change reason."""

    FORM = "form"
    IMPORT = "import"
    ADMIN = "admin"
    DEMO = "demo"


class FilingsRefused(RowsRefused):
    """Rows that break a rule of filings.rules, or would give a unit-month figures of both kinds: nothing
    was written (core.errors.RowsRefused)."""

    def __init__(self, problems: dict[int, list[tuple[str, str]]], rows, kind=None):
        kind = kind or PER_PROCEDURE
        refused = [rows[position] for position in problems]
        units = dict(Unit.objects.filter(pk__in={r["unit_id"] for r in refused}).values_list("pk", "code"))
        items = dict(kind.item_model.objects.filter(pk__in={r[kind.item] for r in refused}).values_list("pk", "code"))

        def describe(position):
            row = rows[position]
            return " · ".join(
                [
                    str(units.get(row["unit_id"], row["unit_id"])),
                    str(items.get(row[kind.item], row[kind.item])),
                    f"{row['month']}/{row['year']}",
                ]
            )

        super().__init__(problems, describe)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged


def _months_q(rows):
    months_q = Q()
    for year, month in {(row["year"], row["month"]) for row in rows}:
        months_q |= Q(year=year, month=month)
    return months_q


def _existing(kind, rows):
    """{key: {"id": .., figure fields: ..}} for the stored figures among the rows' keys."""
    unit_ids = sorted({row["unit_id"] for row in rows})
    months_q = _months_q(rows)
    names = ("id", *kind.key, *FIGURE_FIELDS)
    key_of = itemgetter(1, 2, 3, 4)
    found = {}
    for unit_batch in batched(unit_ids, _CHUNK):
        # Tuples, not the ORM's dicts: a re-import of 100,000 rows reads them all back.
        for values in (
            kind.model.objects.filter(months_q, unit_id__in=unit_batch)
            .order_by()
            .values_list(*names)
            .iterator(chunk_size=_CHUNK)
        ):
            found[key_of(values)] = dict(zip(names, values))
    return found


def filings_upsert(
    rows,
    *,
    fields=COUNT_FIELDS,
    source: str,
    user=None,
    note: str = "",
    force: bool = False,
    expected_versions: dict | None = None,
) -> UpsertResult:
    """Create or update monthly filings by their key (unit, procedure, year, month).

    Each row is a dict with `unit_id`, `procedure_id`, `year`, `month` and the figures named in `fields`:
    the counts of form 06 (COUNT_FIELDS: ints; None or missing means 0) and the optional Decision 766
    counts (SCORE_FIELDS: ints, or None, also when missing, for "not reported": no data, never 0).
    Figures not in `fields` keep their stored value (for a new row: 0 for form 06's counts, None for the
    Decision 766 counts). Rows equal to what is stored are left alone and counted as unchanged. All or
    nothing: rows that break a rule of filings.rules (a count out of range, a future month, a unit that did
    not exist in the month), or of a unit-month reported per field, raise FilingsRefused and nothing is
    written.

    The unit-months written must be writable by `user` (filings.locks: approved months need an admin's
    `force`; raises UnitMonthLocked, naming only the locked unit-months that a row would change: rows equal
    to what a locked unit-month stores are counted unchanged) and, for those in `expected_versions`
    ({(unit_id, year, month): version}), still at the version the user saw (raises VersionConflict)."""
    return _upsert(
        PER_PROCEDURE,
        rows,
        fields,
        source=source,
        user=user,
        note=note,
        force=force,
        expected_versions=expected_versions,
    )


def field_filings_upsert(
    rows,
    *,
    fields=COUNT_FIELDS,
    source: str,
    user=None,
    note: str = "",
    force: bool = False,
    expected_versions: dict | None = None,
) -> UpsertResult:
    """filings_upsert for figures per field: each row has `field_id` instead of `procedure_id`, and a
    unit-month reported per procedure refuses them."""
    return _upsert(
        PER_FIELD, rows, fields, source=source, user=user, note=note, force=force, expected_versions=expected_versions
    )


def upsert_of(kind):
    """The write service of figures of `kind` (filings.kinds): filings_upsert or field_filings_upsert."""
    return field_filings_upsert if kind is PER_FIELD else filings_upsert


def _upsert(kind, rows, fields, *, source, user, note, force, expected_versions) -> UpsertResult:
    unknown = set(fields) - set(FIGURE_FIELDS)
    if unknown:
        raise ValueError(f"not count fields: {', '.join(sorted(unknown))}")
    fields = [name for name in FIGURE_FIELDS if name in set(fields)]
    rows = list(rows)
    result = UpsertResult()
    if not rows:
        return result
    problems = refused_rows(rows, fields)
    if problems:
        raise FilingsRefused(problems, rows, kind)
    given = rows
    positions = range(len(rows))  # of the rows written, in `given`
    with transaction.atomic():
        try:
            guard = locks.write_guard(rows, user=user, force=force, expected_versions=expected_versions)
        except locks.UnitMonthLocked as locked:
            # A locked month is refused only when a row would change it: a file exported and imported back,
            # or a year's report sent again with its approved months as they are, changes nothing there.
            positions = _outside_unchanged_locked(kind, rows, fields, locked)
            rows = [given[position] for position in positions]
            result.unchanged = len(given) - len(rows)
            if not rows:
                return result
            guard = locks.write_guard(rows, user=user, force=force, expected_versions=expected_versions)
        problems = _mixed(kind, rows)
        if problems:
            raise FilingsRefused({positions[p]: issues for p, issues in problems.items()}, given, kind)
        writer = _PostgresWriter(kind) if connection.vendor == "postgresql" else _OrmWriter(kind)
        reason = f"{source}: {note}" if note else source
        written = writer.upsert(rows, fields, user=user, reason=reason)
        guard.written(written.unit_months, reason=reason)
        _written(written.unit_months)
        result.created, result.updated = written.created, written.updated
        result.unchanged += written.unchanged
        result.changed_ids = written.ids
    return result


_SCORES = frozenset(SCORE_FIELDS)


def _figures(row, fields):
    """The row's figures in `fields` as they are stored: a missing or None count of form 06 is 0; a
    Decision 766 count stays None (not reported)."""
    return tuple(row.get(f) if f in _SCORES else row.get(f) or 0 for f in fields)


def _outside_unchanged_locked(kind, rows, fields, locked):
    """The positions of the rows to write when some of their unit-months are locked: all but those of a
    locked unit-month that equal what is stored. Raises UnitMonthLocked, for the locked unit-months only
    where a row would change (or add) figures."""
    in_locked = [row for row in rows if (row["unit_id"], row["year"], row["month"]) in locked.locked]
    stored = _existing(kind, in_locked)
    key_of = itemgetter(*kind.key)
    changing = {
        (row["unit_id"], row["year"], row["month"])
        for row in in_locked
        if (found := stored.get(key_of(row))) is None or _figures(found, fields) != _figures(row, fields)
    }
    if changing:
        raise locks.UnitMonthLocked({key: locked.locked[key] for key in changing})
    return [
        position
        for position, row in enumerate(rows)
        if (row["unit_id"], row["year"], row["month"]) not in locked.locked
    ]


def _mixed(kind, rows):
    """{position: problems} of the rows whose unit-month holds figures of the other kind: a unit-month is
    reported per procedure or per field, never both (their sums would count the same filings twice)."""
    other = PER_FIELD if kind is PER_PROCEDURE else PER_PROCEDURE
    unit_ids = sorted({row["unit_id"] for row in rows})
    stored = set()
    for batch in batched(unit_ids, _CHUNK):
        stored.update(
            other.model.objects.filter(_months_q(rows), unit_id__in=batch)
            .order_by()
            .values_list("unit_id", "year", "month")
            .distinct()
        )
    if not stored:
        return {}
    message = (
        _(
            "this unit-month is reported per field (form 06): figures per procedure cannot be added to it; "
            "delete its figures per field first, or give the figures per field"
        )
        if kind is PER_PROCEDURE
        else _(
            "this unit-month is reported per procedure: figures per field cannot be added to it; delete its "
            "figures per procedure first, or give the figures per procedure"
        )
    )
    return {
        position: [("unit", message)]
        for position, row in enumerate(rows)
        if (row["unit_id"], row["year"], row["month"]) in stored
    }


def _written(unit_months):
    """Tell the apps above (reports' KPI totals) which unit-months changed, inside the transaction."""
    if unit_months:
        figures_written.send(MonthlyFiling, unit_months=unit_months)


@functools.cache
def _history_columns(model):
    # Cached: the history manager is rebuilt on every access, far too slow to ask once per row.
    history = model.history.model
    return tuple(f.column for f in history._meta.concrete_fields if f.name != "history_id")


def _history_records(model, items, user, reason, now):
    """The history rows' values in the history table's column order, for COPY or bulk_create."""
    base = {"history_date": now, "history_change_reason": reason[:100], "history_user_id": getattr(user, "pk", None)}
    values = itemgetter(*_history_columns(model))
    for row, kind in items:
        yield values({**base, **row, "history_type": kind})


@dataclass
class _Written:
    created: int
    updated: int
    unchanged: int
    ids: list  # of the created, then the updated rows
    unit_months: list  # {"unit_id", "year", "month"} of the rows written, for the workflow and the totals


class _OrmWriter:
    """Any database: the rows compared with the stored ones in Python, bulk INSERT for new rows,
    executemany UPDATE for changed ones, history rows by bulk_create."""

    def __init__(self, kind):
        self.kind = kind
        self.model = kind.model

    def upsert(self, rows, fields, *, user, reason):
        existing = _existing(self.kind, rows)
        to_create, to_update, unchanged = [], [], 0
        key = self.kind.key
        key_of = itemgetter(*key)
        for row in rows:
            counts = _figures(row, fields)
            stored = existing.get(key_of(row))
            if stored is None:
                new = dict(zip(key, key_of(row)))
                new.update(_NEW_ROW)
                new.update(zip(fields, counts))
                to_create.append(new)
            elif any(stored[f] != c for f, c in zip(fields, counts)):
                stored.update(zip(fields, counts))
                to_update.append(stored)
            else:
                unchanged += 1
        self.create(to_create)
        self.update(to_update, fields)
        self.history([(row, "+") for row in to_create] + [(row, "~") for row in to_update], user, reason)
        unit_months = {(row["unit_id"], row["year"], row["month"]) for row in to_create + to_update}
        return _Written(
            len(to_create),
            len(to_update),
            unchanged,
            [row["id"] for row in to_create + to_update],
            [{"unit_id": u, "year": y, "month": m} for u, y, m in sorted(unit_months)],
        )

    def create(self, rows):
        # SQLite (3.35+) and PostgreSQL return the new ids from a bulk insert.
        objects = self.model.objects.bulk_create([self.model(**row) for row in rows], batch_size=500)
        for row, obj in zip(rows, objects, strict=True):
            row["id"] = obj.pk

    def update(self, rows, fields):
        if not rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in fields)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",
                [[row[f] for f in fields] + [row["id"]] for row in rows],
            )

    def history(self, items, user, reason):
        model = self.model.history.model
        now = timezone.now()
        columns = _history_columns(self.model)
        records = _history_records(self.model, items, user, reason, now)
        model.objects.bulk_create([model(**dict(zip(columns, record))) for record in records], batch_size=500)


class _PostgresWriter:
    """PostgreSQL: the rows are COPYed (the fastest way in) into a temporary table, then one
    INSERT ... ON CONFLICT DO UPDATE (only where a value differs) writes them and, from what it returns,
    their history rows. The comparison with the stored rows happens in the database: nothing is read
    back into Python, and the figures cross the wire once."""

    def __init__(self, kind):
        self.kind = kind
        self.model = kind.model

    def _copy(self, cursor, table, columns, records):
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        # The raw psycopg cursor bypasses Django's error translation; keep IntegrityError & co. the same.
        with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)

    def upsert(self, rows, fields, *, user, reason):
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        history_table = quote(self.model.history.model._meta.db_table)
        key = self.kind.key
        staged = [*key, *fields]
        values = itemgetter(*staged)

        def records():
            for row in rows:
                try:
                    yield values(row)
                except KeyError:  # a count left out of a row means 0 (a Decision 766 count: None), like None
                    yield tuple(row.get(c) for c in staged)

        # A new row's Decision 766 counts not in `fields` are left to the column's NULL (not reported).
        scores = [f for f in SCORE_FIELDS if f in fields]
        columns = [*key, *COUNT_FIELDS, *scores]
        select = (
            [f"s.{k}" for k in key]
            + [f"COALESCE(s.{f}, 0)" if f in fields else "0" for f in COUNT_FIELDS]
            + [f"s.{f}" for f in scores]
        )
        if fields:
            on_conflict = (
                "DO UPDATE SET "
                + ", ".join(f"{f} = EXCLUDED.{f}" for f in fields)
                + f" WHERE ({', '.join(f'f.{f}' for f in fields)}) IS DISTINCT FROM "
                + f"({', '.join(f'EXCLUDED.{f}' for f in fields)})"
            )
        else:
            on_conflict = "DO NOTHING"
        history_columns = _history_columns(self.model)
        history_values = {
            "history_date": "%(now)s",
            "history_change_reason": "%(reason)s",
            "history_user_id": "%(user)s",
            "history_type": "CASE WHEN inserted THEN '+' ELSE '~' END",
        }
        insert = (
            f"INSERT INTO {table} AS f ({', '.join(columns)}) SELECT {', '.join(select)} FROM filing_in AS s "
            "{conflict}RETURNING f.*"
        )
        history = (
            f"history AS (INSERT INTO {history_table} ({', '.join(quote(c) for c in history_columns)}) "
            f"SELECT {', '.join(history_values.get(c, quote(c)) for c in history_columns)} FROM written) "
            # The unit-months as one number each, deduplicated in Python: DISTINCT would sort 100,000 rows.
            "SELECT inserted, array_agg(id), array_agg(unit_id * 1000000 + year * 100 + month) "
            "FROM written GROUP BY inserted"
        )
        same_key = " AND ".join(f"b.{k} = w.{k}" for k in key)
        params = {"now": timezone.now(), "reason": reason[:100], "user": getattr(user, "pk", None)}
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE filing_in (" + ", ".join(f"{c} bigint" for c in staged) + ")")
            self._copy(cursor.cursor, "filing_in", staged, records())
            # A month's first figures (a new report, most imports) need no conflict handling, and a plain
            # INSERT is a sixth faster than ON CONFLICT's speculative one; the check costs one probe of
            # the (year, month, unit) index per unit-month. The guard has locked the unit-months known
            # to the workflow; a concurrent first write of the same new row fails on the unique key.
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {table} AS f JOIN (SELECT DISTINCT unit_id, year, month "
                "FROM filing_in) AS k ON f.year = k.year AND f.month = k.month AND f.unit_id = k.unit_id), "
                "(SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass)",
                [self.model._meta.db_table],
            )
            any_stored, partitioned = cursor.fetchone()
            if not any_stored:
                sql = f"WITH written AS ({insert.format(conflict='')}, TRUE AS inserted), {history}"
            elif not partitioned:
                # Inserted rather than updated: a new row version no transaction has deleted yet.
                conflict = f"ON CONFLICT ({', '.join(key)}) {on_conflict} "
                sql = f"WITH written AS ({insert.format(conflict=conflict)}, (f.xmax = 0) AS inserted), {history}"
            else:
                # A partitioned table (docs/deploy.md, scripts/partition_filings.py) has no system columns
                # to return: the keys stored before the insert, read in the statement's own snapshot, tell.
                conflict = f"ON CONFLICT ({', '.join(key)}) {on_conflict} "
                sql = (
                    f"WITH stored AS MATERIALIZED (SELECT {', '.join(f'f.{k}' for k in key)} FROM {table} AS f "
                    f"JOIN filing_in AS s ON {' AND '.join(f'f.{k} = s.{k}' for k in key)}), "
                    f"upserted AS ({insert.format(conflict=conflict)}), "
                    f"written AS (SELECT w.*, NOT EXISTS (SELECT 1 FROM stored AS b WHERE {same_key}) AS inserted "
                    f"FROM upserted AS w), {history}"
                )
            cursor.execute(sql, params)
            by_kind = {inserted: (ids, keys) for inserted, ids, keys in cursor.fetchall()}
            cursor.execute("DROP TABLE filing_in")
        created_ids, created_keys = by_kind.get(True, ([], []))
        updated_ids, updated_keys = by_kind.get(False, ([], []))
        unit_months = sorted(set(created_keys) | set(updated_keys))
        return _Written(
            len(created_ids),
            len(updated_ids),
            len(rows) - len(created_ids) - len(updated_ids),
            created_ids + updated_ids,
            [{"unit_id": key // 1000000, "year": key % 1000000 // 100, "month": key % 100} for key in unit_months],
        )


def filings_delete(filings, *, source: str, user=None, force: bool = False) -> int:
    """Delete figures (per procedure or per field; the admin's delete) under the lock rule of
    filings_upsert, with a `-` history row for each (who, where from) and their unit-months' versions
    bumped, then send `figures_written` for those unit-months. All or nothing.

    `filings` is a list of figures or a QuerySet; a QuerySet is deleted in set-based statements whatever
    its size (the synthetic dataset removes millions), with the same history rows, versions and signal."""
    if isinstance(filings, QuerySet):
        return _filings_delete_set(filings, source=source, user=user, force=force)
    filings = list(filings)
    if not filings:
        return 0
    keys = [{"unit_id": f.unit_id, "year": f.year, "month": f.month} for f in filings]
    with transaction.atomic():
        guard = locks.write_guard(keys, user=user, force=force)
        for filing in filings:
            # simple-history's post_delete receiver writes the history row from these.
            filing._change_reason = source
            if user is not None:
                filing._history_user = user
            filing.delete()
        guard.written(keys, reason=source, create_missing=False)
        _written(keys)
    return len(filings)


def _filings_delete_set(filings: QuerySet, *, source, user, force) -> int:
    """filings_delete for a QuerySet: the history rows written and the rows deleted by two statements (one
    on PostgreSQL), never one per row."""
    filings = filings.order_by()
    model = filings.model
    with transaction.atomic():
        keys = [
            {"unit_id": unit_id, "year": year, "month": month}
            for unit_id, year, month in filings.values_list("unit_id", "year", "month").distinct()
        ]
        if not keys:
            return 0
        guard = locks.write_guard(keys, user=user, force=force)
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        own = {f.column for f in model._meta.concrete_fields}
        columns = _history_columns(model)
        record = {"history_date": "%s", "history_change_reason": "%s", "history_type": "'-'", "history_user_id": "%s"}
        values = ", ".join(quote(c) if c in own else record[c] for c in columns)
        params = [timezone.now(), source[:100], getattr(user, "pk", None)]
        ids_sql, ids_params = filings.values("pk").query.sql_with_params()
        insert = f"INSERT INTO {quote(model.history.model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement: the history holds exactly the rows deleted.
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {table} WHERE id IN ({ids_sql}) RETURNING *) "
                    f"{insert} SELECT {values} FROM gone",
                    [*ids_params, *params],
                )
                deleted = cursor.rowcount
            else:
                # SQLite has one writer at a time, and the guard took the write lock: nothing changes the
                # table between the two statements.
                cursor.execute(f"{insert} SELECT {values} FROM {table} WHERE id IN ({ids_sql})", [*params, *ids_params])
                cursor.execute(f"DELETE FROM {table} WHERE id IN ({ids_sql})", ids_params)
                deleted = cursor.rowcount
        guard.written(keys, reason=source, create_missing=False)
        _written(keys)
    return deleted


def reporting_mode_set(unit, year: int, month: int, grain: str) -> ReportingMode:
    """From (year, month) on, `unit` reports per procedure or per field (filings.models.Grain), until its
    next mode. The one write path of reporting modes (admin, demo). Raises ValueError naming the bad
    parameter. A month that already has figures keeps them: its figures decide how it is reported."""
    if grain not in Grain.values:
        raise ValueError(
            _("reports: %(value)r is not one of %(choices)s") % {"value": grain, "choices": ", ".join(Grain.values)}
        )
    check_month_range(year, month)
    mode, _created = ReportingMode.objects.update_or_create(
        unit=unit, year=year, month=month, defaults={"grain": grain}
    )
    return mode
