"""Exports of every kind the portal imports, in the layout its importer reads: `manage.py export_data KIND
FILE [--unit CODE] [--period PERIOD]` (CONTRACT.md), so that `import_data KIND FILE` on the file reports
every row unchanged.

What a kind writes is its importer's business (`Importer.export_table` and `export_limits`, next to the
columns it reads: imports.base); this module writes it to .xlsx (core.xlsx: title lines, the header, the
rows) or .csv (UTF-8 with a BOM, comma-separated, the header on the first line), streaming the rows from
the database as it writes them. `export_data` writes to a path or a binary file without any request or
command around it: what a background job calls.

An export holds every unit (or the subtree of `unit`): it is for whoever runs the server, not limited to
a user's scope."""

import csv
import datetime
import io
import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from core import xlsx

from .registry import get_importer

FILE_FORMATS = (".xlsx", ".csv")
LIMITS = ("unit", "period")


class ExportRefused(ValueError):
    """A parameter the export cannot take; the message names the parameter first (`--unit: ...`)."""


@dataclass
class ExportReport:
    kind: str
    rows: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self, file_name):
        return f"wrote {self.rows} rows to {file_name}"


def file_format_of(name) -> str:
    """`.xlsx` or `.csv` by the file's suffix; ExportRefused naming FILE otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_FORMATS:
        raise ExportRefused(_("FILE: %(name)s: write .xlsx or .csv (by the file's suffix)") % {"name": Path(name).name})
    return suffix


def check_limits(kind, *, unit=None, period=None):
    """ExportRefused naming the option when the kind does not take a limit given."""
    importer = get_importer(kind)
    for option, value in (("unit", unit), ("period", period)):
        if value is not None and option not in importer.export_limits:
            reason = (
                _("%(kind)s are not kept per unit (a catalogue): export them whole")
                if option == "unit"
                else _("%(kind)s have no dates or months: export them whole")
            )
            raise ExportRefused(f"--{option}: " + reason % {"kind": kind})
    return importer


def export_data(kind, destination, *, unit=None, period=None, file_format=None) -> ExportReport:
    """Write the stored rows of `kind` (limited to `unit`'s subtree, a Unit, and to `period`, a
    core.periods.Period, when given) to `destination`: a path (the format by its suffix), or a binary file
    open for writing (then `file_format` says `.xlsx` or `.csv`). The rows are read from the database in
    chunks while the file is written. Returns how many rows were written, and the kind's warnings."""
    importer = check_limits(kind, unit=unit, period=period)
    if file_format is None:
        file_format = file_format_of(destination)
    table = importer.export_table(unit=unit, period=period)
    report = ExportReport(kind=kind, warnings=list(table.warnings))

    def counted(rows):
        for row in rows:
            report.rows += 1
            yield row

    rows = counted(table.rows)
    if file_format == ".csv":
        _write_csv(destination, table.columns, rows)
    else:
        workbook = xlsx.new_workbook()
        xlsx.add_table(
            workbook,
            sheet_title=kind,
            titles=[str(importer.label) or kind, _limits_line(unit, period)],
            columns=table.columns,
            rows=rows,
        )
        xlsx.save(workbook, destination)
    return report


def export_to_file(kind, path, **options) -> ExportReport:
    """export_data to `path`, written whole or not at all: into a temporary file of the same folder,
    renamed to `path` once complete (a failed export leaves no half-written file)."""
    path = Path(path)
    file_format = file_format_of(path)
    # Created like any file (the umask's permissions), under a name no other export takes.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        with open(temporary, "xb") as file:
            report = export_data(kind, file, file_format=file_format, **options)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return report


def _limits_line(unit, period):
    where = (
        _("%(unit)s and the units below it") % {"unit": f"{unit.code} – {unit.name}"}
        if unit is not None
        else _("Every unit")
    )
    when = _("period %(period)s") % {"period": period} if period is not None else _("every period")
    return f"{where} · {when}"


def _write_csv(destination, columns, rows):
    if isinstance(destination, (str, os.PathLike)):
        with open(destination, "w", encoding="utf-8-sig", newline="") as text:
            _csv_rows(text, columns, rows)
        return
    text = io.TextIOWrapper(destination, encoding="utf-8-sig", newline="")
    try:
        _csv_rows(text, columns, rows)
        text.flush()
    finally:
        text.detach()  # the caller's file stays open


def _csv_rows(text, columns, rows):
    """The header, then each row: text escaped as in .xlsx (core.xlsx.escape_text), dates as dd/mm/yyyy,
    decimals with a point (30.5), nothing for no value."""
    writer = csv.writer(text)
    writer.writerow([xlsx.escape_text(col.header) for col in columns])
    width = len(columns)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row[:width]])


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return xlsx.escape_text(value)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return xlsx.escape_text(str(value))
