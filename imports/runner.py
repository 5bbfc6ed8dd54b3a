"""Running an import: one path for every entry point (the `import_data` command, the import page, the
admin). Read the file, find the header, let the kind's importer parse and validate every row (collecting
every problem as a row error naming row, column and reason), and only when there is none let it hand
the rows to its app's write service, in one transaction. A dry run goes through the very same writes and
rolls them back, so its counts are the real ones; asked for, it also lists the first rows it changed
(the import page's preview). Every run, refused or not, is recorded as an ImportRecord, with its errors
and warnings (ImportIssues); a run that writes records itself in its write's transaction, so that the
rows and their record commit together or not at all. A `progress` (imports.progress) follows the run: the
command line's bar, or the import page's job (imports.jobs).
"""

import gc
import hashlib
import os
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from . import tabular
from .base import RowChange, RowIssue
from .issues import issues_store
from .models import ImportRecord
from .progress import Progress
from .registry import get_importer, kind_label
from .tabular import FileProblem


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
    # A dry run's first rows that would change (run_import's `preview_changes`); None when not asked
    # for, or when the kind shows counts only.
    changes: list[RowChange] | None = None

    @property
    def ok(self):
        return not self.errors

    @property
    def kind_label(self):
        """What the file holds, for people (the importer's label)."""
        return kind_label(self.kind)

    @property
    def more_changes(self):
        """How many rows that would change the preview leaves out."""
        return max(0, self.created + self.updated - len(self.changes or ()))

    def summary(self):
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, errors {len(self.errors)}"
        if self.warnings:
            text += f", warnings {len(self.warnings)}"
        return text


class _Rollback(Exception):
    pass


def file_sha256(path) -> tuple[str, int]:
    """The file's SHA-256 (hex) and size, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest(), os.fstat(handle.fileno()).st_size


def run_import(
    kind,
    path,
    *,
    name=None,
    user=None,
    dry_run=False,
    force=False,
    source="cli",
    record=True,
    unit_code="",
    preview_changes=0,
    progress=None,
):
    """Import one file of one kind. Returns an ImportReport; writes only when there is no error, and then
    everything in one transaction. `name` is the file's name as the user knows it (uploads live under
    another name). `force` lets an admin overwrite figures of locked (approved or closed) months. A dry
    run with `preview_changes` lists up to that many rows that would change (ImportReport.changes), with
    their old and new values, for the kinds that can (Importer.stored_fields). `progress` (an
    imports.progress.Progress) is told how far the run has got."""
    importer_class = get_importer(kind)
    path = Path(path)
    name = name or path.name
    report = ImportReport(kind=kind, file_name=name, dry_run=dry_run)
    progress = progress or Progress()
    progress.reading()
    # Recorded in the write's transaction when the import writes; else (refused, dry) just below.
    recorder = (lambda: _record(report, user=user, source=source, unit_code=unit_code)) if record else None
    try:
        report.sha256, report.size = file_sha256(path)
        with _without_cyclic_gc():
            _import(
                importer_class,
                path,
                name,
                report,
                user=user,
                dry_run=dry_run,
                force=force,
                unit_code=unit_code,
                preview_changes=preview_changes if dry_run else 0,
                progress=progress,
                recorder=recorder,
            )
    except FileProblem as exc:
        # A reader's reason may name the file where it was read (openpyxl's does: an upload's staged copy,
        # a path of the server); people are told the name they know.
        report.errors.append(RowIssue(None, name, str(exc).replace(str(path), name)))
    if not report.ok:
        report.created = report.updated = report.unchanged = 0
    if recorder and report.record is None:
        report.record = recorder()
    progress.finished()
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


def _parse_sheet(importer, path, name, progress):
    """The importer's rows of the first sheet whose header has every required column (else of the first
    with a recognisable header, whose missing columns are then reported); None after header problems.
    So an export of figures per procedure and per field, one sheet each, imports as either kind."""
    importer_class = type(importer)
    labels = importer_class.labels()
    required = {c.key for c in importer_class.columns if c.required}
    found = None
    for sheet in tabular.read_sheets(path, name, want_formats=importer_class.want_formats):
        header = tabular.find_header(sheet, labels, minimum=min(2, len(required) or 1))
        if header is not None:
            if required <= set(header.columns):
                found = header, sheet
                break
            found = found or (header, sheet)
    if found is None:
        expected = ", ".join(f"{c.label} ({c.key})" for c in importer_class.columns if c.required)
        raise FileProblem(
            _(
                "%(name)s: no sheet has a recognisable header in its first %(rows)s rows; expected columns "
                "such as %(columns)s"
            )
            % {"name": name, "rows": tabular.HEADER_SEARCH_ROWS, "columns": expected}
        )
    header, sheet = found
    importer.header = header
    importer.sheet = sheet
    importer.check_header()
    if importer.errors:
        return None
    progress.read(max(0, len(sheet.rows) - (header.last_row - sheet.first_row + 1)))
    rows = progress.counting(tabular.data_rows(sheet, header), header.last_row)
    return importer.parse(_until_too_many_errors(rows, importer, name))


# A file refused this many times over is listed that far: a few bytes (an .ods row repeated a million
# times, a CSV of empty rows) must not make millions of errors, each kept in memory and stored.
MAX_ERRORS = 100_000


def _until_too_many_errors(rows, importer, name):
    """The rows, until the importer has found MAX_ERRORS errors; then one error saying where it stopped."""
    last = None
    for number, cells in rows:
        if len(importer.errors) >= MAX_ERRORS:
            importer.errors.append(
                RowIssue(
                    None,
                    name,
                    _("%(name)s: more than %(count)s errors; the rows after row %(row)s were not checked")
                    % {"name": name, "count": f"{MAX_ERRORS:,}", "row": f"{last:,}"},
                )
            )
            return
        last = number
        yield number, cells


def _import(
    importer_class,
    path,
    name,
    report,
    *,
    user,
    dry_run,
    force,
    unit_code,
    preview_changes=0,
    progress,
    recorder=None,
):
    importer = importer_class(user=user, file_name=name, force=force, unit_code=unit_code)
    is_json = Path(name).suffix.lower() == ".json"
    if unit_code and (not importer_class.accepts_unit or is_json):
        raise FileProblem(
            _("--unit: a .json file names the unit of each row (govAgencyCode)")
            if is_json and importer_class.accepts_unit
            else _("--unit: only figures (filings, field_filings) take the unit of a one-unit file")
        )
    if is_json:
        if importer.parse_json is None:
            raise FileProblem(
                _("%(name)s: a .json file holds one-stop statistics, imported as filings") % {"name": name}
            )
        document = tabular.read_json(path, name)
        progress.read(_json_objects(document))
        parsed = importer.parse_json(document)
    else:
        parsed = _parse_sheet(importer, path, name, progress)
        if parsed is None:
            report.errors = importer.errors
            return
    progress.checked()
    report.rows = len(parsed) if isinstance(parsed, list) else 0
    report.errors, report.warnings = by_row(importer.errors), by_row(importer.warnings)
    if importer.errors:
        return
    progress.writing()
    try:
        with transaction.atomic():
            preview = preview_changes and importer.stored_fields and isinstance(parsed, list)
            before = importer.stored_before(parsed) if preview else None
            report.created, report.updated, report.unchanged = importer.write(parsed)
            # The write may find problems only the database can see (a locked month, a cycle in the tree).
            if importer.errors:
                report.errors = by_row(importer.errors)
                raise _Rollback
            progress.wrote(report.created + report.updated + report.unchanged)
            if dry_run:
                if preview:
                    # Read back inside the transaction: the very rows and values the write service wrote.
                    report.changes = (
                        importer.changes(parsed, before, preview_changes) if report.created + report.updated else []
                    )
                raise _Rollback
            _test_write_delay()
            if recorder:
                report.record = recorder()
            progress.committing(report)
    except _Rollback:
        pass
    except (DatabaseError, ValidationError) as exc:
        report.record = None  # rolled back with the rows
        # Validation should leave nothing for the database to refuse; if it still does (a concurrent
        # write, a rule only the database knows), the file is refused as a whole, with the reason.
        message = "; ".join(validation_messages(exc)) if isinstance(exc, ValidationError) else str(exc).strip()
        report.created = report.updated = report.unchanged = 0
        report.errors = [
            *report.errors,
            RowIssue(
                None,
                name,
                _("the database refused the import: %(reason)s")
                % {"reason": message.splitlines()[0] if message else exc},
            ),
        ]


def _json_objects(document) -> int:
    """How many objects a .json file's body holds, for the progress (the importer checks its shape)."""
    items = document.get("data") if isinstance(document, dict) else document
    return len(items) if isinstance(items, list) else 0


def _test_write_delay():
    """Tests only (settings.IMPORT_TEST_WRITE_DELAY): hold the write's transaction open, written but not
    committed, so that a test can watch the progress or kill the worker half-way."""
    delay = getattr(settings, "IMPORT_TEST_WRITE_DELAY", 0)
    if delay:
        time.sleep(delay)


def by_row(issues):
    """In row order; within a row, in the order the cells were read (left to right)."""
    return sorted(issues, key=lambda issue: (issue.row is not None, issue.row or 0))


def _record(report, *, user, source, unit_code=""):
    record = ImportRecord.objects.create(
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
        unit_code=unit_code[:40],
    )
    issues_store(record, report.errors, report.warnings)
    return record


def validation_messages(exc: ValidationError) -> list[str]:
    return [unicodedata.normalize("NFC", str(m)) for m in exc.messages]
