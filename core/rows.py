"""Model instances from the rows of a plain SQL query, for the few reads on every request that the ORM would
spend more time building than the database spends answering (issue 16: an API answer reused from the cache
cost half its time in the ORM's compiling of the API token's and the unit's queries).

`Columns(alias, model, table_alias)` gives the select list of a model's concrete columns under a table
alias, and `instance(values)` turns those columns of a row into the model's instance with the ORM's own
converters (booleans, dates and times on SQLite), as a queryset would have built it. `fetch_row(alias, sql,
params)` runs such a query, prepared on PostgreSQL.
"""

import psycopg
from django.db import connections


class Columns:
    """The concrete columns of `model` as `table_alias.column`, in the model's field order."""

    def __init__(self, alias, model, table_alias):
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        self.alias, self.model = alias, model
        self.fields = meta.concrete_fields
        self.sql = ", ".join(f"{table_alias}.{quote(field.column)}" for field in self.fields)
        self.table = quote(meta.db_table)
        self._converters = []
        for field in self.fields:
            col = field.get_col(meta.db_table)
            self._converters.append((col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)))

    def __len__(self):
        return len(self.fields)

    def instance(self, values):
        """The model instance of these columns' values (a row's slice, in select-list order)."""
        connection = connections[self.alias]
        converted = []
        for value, (col, functions) in zip(values, self._converters, strict=True):
            for function in functions:
                value = function(value, col, connection)
            converted.append(value)
        return self.model.from_db(self.alias, [field.attname for field in self.fields], converted)


class _PreparedCursor(psycopg.Cursor):
    """psycopg's cursor with the parameters bound on the server, which prepares every query it runs."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def fetch_row(alias, sql, params):
    """The first row of `sql` (None without one): for the few queries of every request.

    On PostgreSQL the query is prepared on the connection at its first run, and later runs skip parsing and
    planning, which cost these small queries more than the rest of their time in the database (issue 16).
    Django's own cursors bind parameters on the client and never prepare. So only a query whose best plan
    does not depend on its parameters belongs here (equalities on unique columns, one range of an index,
    not a `LIKE` of a parameter): after five runs PostgreSQL may plan it once for any parameters. Nothing
    is prepared when the connection's `prepare_threshold` is None (DB_PREPARED_STATEMENTS=0:
    dvc_portal/settings/base.py). Counted, logged and wrapped like any query of the ORM.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    # What connection.cursor() does, with a cursor of another class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _PreparedCursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
