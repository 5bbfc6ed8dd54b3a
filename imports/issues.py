"""An import's problems when there are many: its warnings summarised by kind ("98.762 rows: does not balance;
the first 20: ..."), as the import page and `import_data` show them, and the full list of its errors and
warnings kept with its record (ImportIssues) as a CSV to download."""

import csv
import gzip
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .base import RowIssue
from .models import ImportIssues

# Warnings of each kind listed; the rest are counted, and in the download.
FIRST = 20
# Errors the pages list (the download has them all).
LISTED_ERRORS = 200

# Numbers in a message (1.239, 1,239, 08/2024, 1.001193): a warning without a kind is grouped with those
# of the same wording but for its numbers.
_NUMBERS = re.compile(r"\d+(?:[.,/ ]\d+)*")


@dataclass
class WarningGroup:
    """The warnings of one kind: how many, on how many rows, and the first FIRST of them."""

    kind: str
    count: int = 0
    rows: int = 0
    first: list = field(default_factory=list)

    @property
    def more(self):
        return self.count - len(self.first)


def kind_of(issue: RowIssue) -> str:
    if issue.kind:
        return str(issue.kind)
    return _NUMBERS.sub("…", issue.message)


def warning_groups(warnings, first=FIRST) -> list[WarningGroup]:
    """The warnings by kind, in the order each kind first appears (warnings come in row order)."""
    groups, rows = {}, {}
    for issue in warnings:
        kind = kind_of(issue)
        group = groups.get(kind)
        if group is None:
            group = groups[kind] = WarningGroup(kind)
            rows[kind] = set()
        group.count += 1
        rows[kind].add(issue.row)
        if len(group.first) < first:
            group.first.append(issue)
    for kind, group in groups.items():
        group.rows = len(rows[kind])
    return list(groups.values())


def needs_summary(groups, first=FIRST) -> bool:
    """Whether some kind has more warnings than are listed of it."""
    return any(group.count > first for group in groups)


def _as_list(issue):
    return [issue.row, issue.column, issue.message]


def _from_list(item, warning):
    row, column, message = item
    return RowIssue(row, column, message, warning=warning)


def issues_store(record, errors, warnings) -> ImportIssues | None:
    """Keep every error and warning of an import with its record (nothing when there is none)."""
    if not errors and not warnings:
        return None
    groups = warning_groups(warnings)
    summary = {
        "errors": [_as_list(issue) for issue in errors[:LISTED_ERRORS]],
        "groups": [
            {"kind": g.kind, "count": g.count, "rows": g.rows, "first": [_as_list(i) for i in g.first]} for g in groups
        ],
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    error_word, warning_word = _("error"), _("warning")
    writer.writerows(("" if i.row is None else i.row, i.column, error_word, "", i.message) for i in errors)
    writer.writerows(("" if i.row is None else i.row, i.column, warning_word, kind_of(i), i.message) for i in warnings)
    content = gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=6)
    return ImportIssues.objects.create(record=record, summary=summary, content=content)


def stored_errors(issues: ImportIssues | None) -> list[RowIssue]:
    """The first errors of a stored import (LISTED_ERRORS at most)."""
    if issues is None:
        return []
    return [_from_list(item, False) for item in issues.summary.get("errors", [])]


def stored_groups(issues: ImportIssues | None) -> list[WarningGroup]:
    if issues is None:
        return []
    return [
        WarningGroup(g["kind"], g["count"], g["rows"], [_from_list(item, True) for item in g["first"]])
        for g in issues.summary.get("groups", [])
    ]


def csv_header() -> str:
    """The download's first line, in the language of whoever downloads it."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_("Row"), _("Column"), _("Type"), _("Kind"), _("Problem")])
    return buffer.getvalue()
