"""What every kind's importer builds on: its columns, the problems it records, and the `Importer` base
class (header checks, cell parsing with a problem per bad cell, duplicates). Each kind is an `Importer`
subclass in its app's `importers.py`, registered with `imports.registry.register`; it parses the file's
rows and hands them to its app's write service (units_upsert, procedures_upsert, offerings_upsert,
filings_upsert, targets_upsert), which applies the rules; imports.runner drives it.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.xlsx import TEXT, Col

from . import tabular
from .tabular import fold


@dataclass(frozen=True)
class Column:
    """A field a file may carry: its key, the Vietnamese labels it may go by, whether it must be there."""

    key: str
    labels: tuple[str, ...] = ()
    required: bool = False

    @property
    def label(self):
        return self.labels[0] if self.labels else self.key


@dataclass(frozen=True)
class RowIssue:
    """One problem with one cell (or a whole row, or the file when `row` is None)."""

    row: int | None
    column: str
    message: str
    warning: bool = False
    # What kind of warning it is, for people ("does not balance"): the many warnings of one kind that a
    # large file may carry are summarised by it (imports.issues). Empty: grouped by the message's wording.
    kind: str = ""

    def __str__(self):
        if self.row is None and self.message.startswith(self.column):
            return self.message  # a problem with the file, which names it already
        where = f"row {self.row}, column {self.column}" if self.row is not None else self.column
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass(frozen=True)
class RowChange:
    """What an import would do to one stored row, for the preview: create it, or change some of its
    fields. `values` are (label, old, new) as text: the values of a new row (old ""), or the fields an
    update changes."""

    row: int | None  # the file's row
    key: str  # the row's key as people name it: "881.TTHCC · 1.001193 · 07/2024"
    created: bool
    values: tuple[tuple[str, str, str], ...]


# Rows whose stored values one query reads for the preview of changes.
_STORED_CHUNK = 2000
# Rows an export reads from the database at a time.
EXPORT_CHUNK = 5000


@dataclass
class ExportTable:
    """What `export_data KIND` writes (imports.exports): columns headed by the import's own labels
    (core.xlsx.Col), the rows (an iterable read once, as the file is written: a generator over a
    queryset's `.iterator()`), and warnings for whoever asked (a column left out, and why)."""

    columns: list
    rows: object
    warnings: list[str] = dataclasses.field(default_factory=list)


class Importer:
    """One kind of file. Subclasses set `kind` and `columns` and implement `parse_row` (or `parse`) and
    `write`. Cell parsers raise ValueError with the reason; `self.error()` records it against the cell."""

    kind = ""
    label = ""  # what the file holds, for people (the import page, the import log)
    columns: tuple[Column, ...] = ()
    example: dict = {}  # the template's example row
    choices: dict = {}  # the template's data-validation lists, by column key
    template_skip: tuple[str, ...] = ()
    # What the blank file says of its columns beyond "required columns are marked *" (optional columns
    # whose absence means something other than empty cells).
    template_notes: tuple[str, ...] = ()
    # A blank file of the kind's own layout (a callable returning a workbook), instead of the generic one.
    template_workbook = None
    want_formats = False  # read cell number formats (percent cells) at the cost of a slower reader
    accepts_unit = False  # takes --unit, the unit of a file that names it only in its title
    parse_json = None  # reads a .json document (one-stop statistics) into rows, when the kind has one

    def __init__(self, *, user=None, file_name="", force=False, unit_code=""):
        self.user = user
        self.file_name = file_name
        self.force = force
        self.unit_code = (unit_code or "").strip()  # --unit: the unit of a file that has no unit column
        self.errors: list[RowIssue] = []
        self.warnings: list[RowIssue] = []
        self.header: tabular.Header | None = None

    # --- header -------------------------------------------------------------------------------------

    @classmethod
    def labels(cls):
        """{folded text: key} for every key and label of the kind's columns."""
        labels = {}
        for column in cls.columns:
            for text in (column.key, *column.labels):
                labels.setdefault(fold(text), column.key)
        return labels

    @classmethod
    def column(cls, key):
        return next(c for c in cls.columns if c.key == key)

    def present(self, key):
        return key in self.header.columns

    def column_text(self, key):
        """How the file names the column (for messages); the Vietnamese label when the file lacks it."""
        if self.header is None:
            return key  # a JSON file: its own key
        if key in self.header.texts:
            return self.header.texts[key]
        return self.column(key).label

    def check_header(self):
        for column in self.columns:
            if column.required and not self.present(column.key):
                self.errors.append(
                    RowIssue(
                        self.header.last_row,
                        column.label,
                        _("required column is missing (header “%(label)s” or “%(key)s”)")
                        % {"label": column.label, "key": column.key},
                    )
                )

    # --- rows ---------------------------------------------------------------------------------------

    def error(self, row, key, message):
        self.errors.append(RowIssue(row, self.column_text(key), str(message)))

    def warn(self, row, key, message, kind=""):
        """A warning on a cell: the row is imported. `kind` names the rule it breaks (a short lazy text,
        "does not balance"), by which a file's many warnings are summarised."""
        self.warnings.append(RowIssue(row, self.column_text(key), str(message), warning=True, kind=kind))

    def refused(self, refusal, numbers, columns=None):
        """A write service's RowsRefused (core.errors) as row errors: `numbers[position]` is the file's
        row of each row handed over, `columns` maps the service's field names to the importer's keys."""
        columns = columns or {}
        for position, issues in sorted(refusal.problems.items()):
            for field, message in issues:
                self.error(numbers[position], columns.get(field, field), message)

    def parse(self, rows):
        """Parse every data row; returns what `write` needs. The default calls `parse_row` for each row
        with {key: raw cell} and keeps the non-None results."""
        columns = list(self.header.columns.items())
        parsed = []
        for number, cells in rows:
            width = len(cells)
            raw = {key: (cells[col] if col < width else "") for key, col in columns}
            item = self.parse_row(number, raw)
            if item is not None:
                parsed.append(item)
        return parsed

    def parse_row(self, number, raw):
        raise NotImplementedError

    def cell(self, number, raw, key, parser, *, required=False):
        """Parse one cell; on a problem record it and return None. An empty cell of a required column is
        a problem too."""
        value = raw.get(key, "")
        if _is_empty(value):
            if required:
                self.error(number, key, _("required value is empty"))
            return None
        try:
            return parser(value)
        except ValueError as exc:
            self.error(number, key, exc)
            return None

    def with_units(self, parsed):
        """The parsed rows whose `unit_code` names a unit, its id set as `unit_id`; an error on each other
        row, naming its code. One query."""
        from units.models import Unit

        from .parsers import lookup_codes

        units = lookup_codes(Unit, {item["unit_code"] for item in parsed})
        valid = []
        for item in parsed:
            item["unit_id"] = units.get(item["unit_code"])
            if item["unit_id"] is None:
                self.error(item["_row"], "unit_code", _("unknown unit code %(code)r") % {"code": item["unit_code"]})
            else:
                valid.append(item)
        return valid

    def check_duplicates(self, items, key_of, describe, column_key):
        """Two rows with the same natural key in one file are an error on the later one."""
        seen = {}
        for item in items:
            key = key_of(item)
            if key in seen:
                self.error(
                    item["_row"],
                    column_key,
                    _("duplicate of row %(row)s (same %(key)s)") % {"row": seen[key], "key": describe},
                )
            else:
                seen[key] = item["_row"]

    def write(self, parsed) -> tuple[int, int, int]:
        """Write everything (inside the driver's transaction); returns (created, updated, unchanged)."""
        raise NotImplementedError

    # --- the export (manage.py export_data, imports.exports) ------------------------------------------
    # A kind's export writes the layout its importer reads, so that importing the file back changes
    # nothing. `export_limits` says which limits it takes: "unit" (the unit's subtree) and "period" (a
    # core.periods.Period: the kind's dates or months inside it).

    export_limits: frozenset[str] = frozenset()

    @classmethod
    def export_table(cls, *, unit=None, period=None) -> ExportTable:
        """The kind's stored rows, limited to `unit`'s subtree and to `period` when given (and taken)."""
        raise NotImplementedError

    @classmethod
    def export_column(cls, key, kind=TEXT, width=None):
        """A column of the export headed by the import's first label for `key` (its key when it has none)."""
        return Col(cls.column(key).label, kind, width)

    # --- the preview of changes ---------------------------------------------------------------------
    # The runner reads what is stored under the parsed rows' keys before the dry run's write and again
    # after it, in its transaction, and shows the rows whose values differ: exactly what the write
    # service did, whatever rules it applied. A kind without `stored_fields` shows counts only.

    stored_fields: tuple[str, ...] = ()  # column keys whose stored values the preview compares

    def row_keys(self, parsed):
        """(file row, key) of each parsed row, in order; the keys of `stored`."""
        raise NotImplementedError

    def stored(self, parsed) -> dict:
        """{key: tuple of the stored values of `stored_fields`} of the stored rows among the keys of
        `parsed` (at most a few thousand rows at a time)."""
        raise NotImplementedError

    def describe_keys(self, keys) -> dict:
        """{key: how people name the row} for the keys of the rows shown."""
        return {key: str(key) for key in keys}

    def display(self, field, value) -> str:
        """A stored value as text for people."""
        if value is None:
            return ""
        if isinstance(value, int | Decimal):
            return number_format(value, force_grouping=True)
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, tuple | list):
            return ", ".join(self.display(field, v) for v in value)
        return str(value)

    def shown_when_created(self, field, value) -> bool:
        """Whether a new row's preview lists this value (empty values are left out)."""
        return value not in (None, "", ())

    def stored_before(self, parsed) -> dict:
        """The stored values under the keys of every parsed row (the runner calls it before writing)."""
        found = {}
        for chunk in batched(parsed, _STORED_CHUNK):
            found.update(self.stored(list(chunk)))
        return found

    def changes(self, parsed, before, limit) -> list[RowChange]:
        """The first `limit` rows (in the file's order) whose stored values differ from `before`, read
        after the write, in its transaction; stops reading once it has them."""
        found = []
        keyed = list(zip(parsed, self.row_keys(parsed), strict=True))
        for chunk in batched(keyed, _STORED_CHUNK):
            after = self.stored([item for item, _key in chunk])
            for _item, (number, key) in chunk:
                new, old = after.get(key), before.get(key)
                if new is not None and new != old:
                    found.append((number, key, old, new))
                    if len(found) >= limit:
                        break
            if len(found) >= limit:
                break
        names = self.describe_keys([key for _number, key, _old, _new in found])
        return [
            RowChange(number, names.get(key, str(key)), old is None, self._changed_values(old, new))
            for number, key, old, new in found
        ]

    def _changed_values(self, old, new):
        label = self.change_label
        if old is None:
            return tuple(
                (label(field), "", self.display(field, value))
                for field, value in zip(self.stored_fields, new)
                if self.shown_when_created(field, value)
            )
        return tuple(
            (label(field), self.display(field, before), self.display(field, after))
            for field, before, after in zip(self.stored_fields, old, new)
            if before != after
        )

    def change_label(self, field) -> str:
        """How the preview names a field: its column's (Vietnamese) label, as files head it."""
        try:
            return self.column(field).label
        except StopIteration:
            return field


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())
