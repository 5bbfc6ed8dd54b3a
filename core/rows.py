"""Model instances from the rows of a plain SQL query, for the few reads on every request that the ORM would
spend more time building than the database spends answering (issue 16: an API answer reused from the cache
cost half its time in the ORM's compiling of the API token's and the unit's queries).

`Columns(alias, model, table_alias)` gives the select list of a model's concrete columns under a table
alias, and `instance(values)` turns those columns of a row into the model's instance with the ORM's own
converters (booleans, dates and times on SQLite), as a queryset would have built it.
"""

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
