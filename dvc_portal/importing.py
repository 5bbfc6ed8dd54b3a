"""The import framework shared by the five kinds (units, procedures, offerings, filings, targets).

One path for every entry point (the `import_data` command, the import page, the admin): find the header,
parse and validate every row with the rules the models and services use, collect every problem as a row
error naming row, column and reason, and only when there is none write everything in one transaction.
A dry run goes through the very same writes and rolls them back, so its counts are the real ones.
Every run, refused or not, is recorded as an ImportRecord.

Each kind is an `Importer` subclass in its app's `importers.py`, registered with `@register`.
"""

import datetime
import gc
import hashlib
import inspect
import re
from itertools import batched
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from . import tabular
from .tabular import FileProblem, Percent, clean_text, fold

KINDS = ("units", "procedures", "offerings", "filings", "targets")
_REGISTRY = {}


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

    def __str__(self):
        if self.row is None and self.message.startswith(self.column):
            return self.message  # a problem with the file, which names it already
        where = f"row {self.row}, column {self.column}" if self.row is not None else self.column
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    sha256: str = ""
    size: int = 0
    record: object = None

    @property
    def ok(self):
        return not self.errors

    def summary(self):
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, errors {len(self.errors)}"
        if self.warnings:
            text += f", warnings {len(self.warnings)}"
        return text


class _Rollback(Exception):
    pass


def register(cls):
    _REGISTRY[cls.kind] = cls
    return cls


def get_importer(kind: str):
    _load_importers()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}") from None


def _load_importers():
    if len(_REGISTRY) < len(KINDS):
        import filings.importers  # noqa: F401
        import procedures.importers  # noqa: F401
        import reports.importers  # noqa: F401
        import units.importers  # noqa: F401


class Importer:
    """One kind of file. Subclasses set `kind` and `columns` and implement `parse_row` (or `parse`) and
    `write`. Cell parsers raise ValueError with the reason; `self.error()` records it against the cell."""

    kind = ""
    columns: tuple[Column, ...] = ()
    example: dict = {}  # the template's example row
    choices: dict = {}  # the template's data-validation lists, by column key
    template_skip: tuple[str, ...] = ()
    want_formats = False  # read cell number formats (percent cells) at the cost of a slower reader

    def __init__(self, *, user=None, file_name="", force=False):
        self.user = user
        self.file_name = file_name
        self.force = force
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
        if self.header and key in self.header.texts:
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

    def warn(self, row, key, message):
        self.warnings.append(RowIssue(row, self.column_text(key), str(message), warning=True))

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


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


# --- cell parsers shared by the kinds -------------------------------------------------------------------


def parse_code(value) -> str:
    text = clean_text(value)
    if not text:
        raise ValueError(_("code is empty"))
    return text


def parse_text(value) -> str:
    return clean_text(value)


_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value) -> datetime.date:
    """A date cell, or text written day/month/year (`01/07/2025`) or ISO (`2025-07-01`)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = clean_text(value)
    try:
        if m := _DATE_TEXT.match(text):
            return datetime.date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO_DATE.match(text):
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        pass
    raise ValueError(_("%(value)r is not a date (write it as dd/mm/yyyy)") % {"value": text})


def parse_whole(value, what) -> int:
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a %(what)s") % {"value": value, "what": what})
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
    elif isinstance(value, int):
        return value
    else:
        text = clean_text(value)
        if re.fullmatch(r"\d+", text):
            return int(text)
        if re.fullmatch(r"\d+[.,]0+", text):
            return int(re.split(r"[.,]", text)[0])
    raise ValueError(_("%(value)r is not a %(what)s") % {"value": value, "what": what})


_PERCENT_TEXT = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)\s*%?$")


def parse_percentage(value):
    """`30`, `30%`, `30,5%`, `30.5` mean 30.5 where so written; a percent-formatted cell holding 0.305
    means 30.5. Returns a Decimal with two places."""
    from decimal import ROUND_HALF_UP, Decimal

    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a percentage") % {"value": value})
    if isinstance(value, Percent):
        number = Decimal(repr(float(value))) * 100
    elif isinstance(value, (int, float)):
        number = Decimal(repr(value))
    else:
        text = clean_text(value)
        m = _PERCENT_TEXT.match(text.replace(" ", ""))
        if not m:
            raise ValueError(_("%(value)r is not a percentage (write 30, 30%% or 30,5%%)") % {"value": text})
        number = Decimal(m[1].replace(",", "."))
    if number < 0:
        raise ValueError(_("%(value)s is negative") % {"value": number})
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def choice_parser(words: dict[str, str], what: str):
    """A parser for a choice matched case-insensitively in any of its wordings: {wording: value}."""
    folded = {fold(k): v for k, v in words.items()}
    allowed = ", ".join(dict.fromkeys(words))

    def parse(value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = fold(value)
        if text in folded:
            return folded[text]
        raise ValueError(
            _("%(value)r is not a known %(what)s (expected one of: %(allowed)s)")
            % {"value": clean_text(value), "what": what, "allowed": allowed}
        )

    return parse


def lookup_codes(model, codes, field_name="code"):
    """{code: id} for the given codes, one query per 5,000 codes."""
    found = {}
    for batch in batched(codes, 5000):
        found.update(model.objects.filter(**{f"{field_name}__in": batch}).values_list(field_name, "id"))
    return found


# --- the driver -------------------------------------------------------------------------------------


def file_sha256(path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def run_import(kind, path, *, name=None, user=None, dry_run=False, force=False, source="cli", record=True):
    """Import one file of one kind. Returns an ImportReport; writes only when there is no error, and then
    everything in one transaction. `name` is the file's name as the user knows it (uploads live under
    another name). `force` lets an admin overwrite figures of locked (approved or closed) months."""
    importer_class = get_importer(kind)
    path = Path(path)
    name = name or path.name
    report = ImportReport(kind=kind, file_name=name, dry_run=dry_run)
    try:
        report.sha256, report.size = file_sha256(path)
        with _without_cyclic_gc():
            _import(importer_class, path, name, report, user=user, dry_run=dry_run, force=force)
    except FileProblem as exc:
        report.errors.append(RowIssue(None, name, str(exc)))
    if not report.ok:
        report.created = report.updated = report.unchanged = 0
    if record:
        report.record = _record(report, user=user, source=source)
    return report


@contextmanager
def _without_cyclic_gc():
    """A 100,000-row file makes millions of lists, tuples and dicts, none in a reference cycle; the cyclic
    collector's repeated passes over them cost a tenth of the import and free nothing. Reference counting
    still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(importer_class, path, name, report, *, user, dry_run, force):
    importer = importer_class(user=user, file_name=name, force=force)
    labels = importer_class.labels()
    required = sum(1 for c in importer_class.columns if c.required)
    for sheet in tabular.read_sheets(path, name, want_formats=importer_class.want_formats):
        header = tabular.find_header(sheet, labels, minimum=min(2, required or 1))
        if header is not None:
            break
    else:
        expected = ", ".join(f"{c.label} ({c.key})" for c in importer_class.columns if c.required)
        raise FileProblem(
            _(
                "%(name)s: no sheet has a recognisable header in its first %(rows)s rows; expected columns such as %(columns)s"
            )
            % {"name": name, "rows": tabular.HEADER_SEARCH_ROWS, "columns": expected}
        )
    importer.header = header
    importer.sheet = sheet
    importer.check_header()
    if importer.errors:
        report.errors = importer.errors
        return
    parsed = importer.parse(tabular.data_rows(sheet, header))
    report.rows = len(parsed) if isinstance(parsed, list) else 0
    report.errors, report.warnings = by_row(importer.errors), by_row(importer.warnings)
    if importer.errors:
        return
    try:
        with transaction.atomic():
            report.created, report.updated, report.unchanged = importer.write(parsed)
            # The write may find problems only the database can see (a locked month, a cycle in the tree).
            if importer.errors:
                report.errors = by_row(importer.errors)
                raise _Rollback
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except (DatabaseError, ValidationError) as exc:
        # Validation should leave nothing for the database to refuse; if it still does (a concurrent
        # write, a rule only the database knows), the file is refused as a whole, with the reason.
        message = "; ".join(validation_messages(exc)) if isinstance(exc, ValidationError) else str(exc).strip()
        report.created = report.updated = report.unchanged = 0
        report.errors = [*report.errors, RowIssue(None, name, _("the database refused the import: %(reason)s")
                                                  % {"reason": message.splitlines()[0] if message else exc})]


def by_row(issues):
    """In row order; within a row, in the order the cells were read (left to right)."""
    return sorted(issues, key=lambda issue: (issue.row is not None, issue.row or 0))


def _record(report, *, user, source):
    from .models import ImportRecord

    return ImportRecord.objects.create(
        user=user if getattr(user, "pk", None) else None,
        kind=report.kind,
        file_name=report.file_name[:255],
        sha256=report.sha256,
        size=report.size,
        source=source,
        dry_run=report.dry_run,
        succeeded=report.ok,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        errors=len(report.errors),
        warnings=len(report.warnings),
        first_error=str(report.errors[0])[:500] if report.errors else "",
    )


def accepts_force(function) -> bool:
    """Whether a write service takes `force=` (filings_upsert gains it with the workflow's month locks)."""
    return "force" in inspect.signature(function).parameters


def validation_messages(exc: ValidationError) -> list[str]:
    return [unicodedata.normalize("NFC", str(m)) for m in exc.messages]


def template_workbook(kind):
    """A blank file to fill in: Vietnamese headers (required ones marked *), an example row and lists to
    pick levels and kinds from."""
    from core import xlsx

    importer = get_importer(kind)
    columns = [c for c in importer.columns if c.key not in importer.template_skip]
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=kind,
        titles=[
            _("Import template: %(kind)s") % {"kind": kind},
            _("Replace the example row; the header may stay where it is. Required columns are marked *."),
        ],
        columns=[
            xlsx.Col(
                c.label + (" *" if c.required else ""),
                xlsx.TEXT,
                max(len(c.label) + 4, 14),
                tuple(importer.choices.get(c.key, ())),
            )
            for c in columns
        ],
        rows=[[importer.example.get(c.key, "") for c in columns]],
    )
    return workbook
