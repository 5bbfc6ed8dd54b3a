"""Reads of the filings app: a unit-month's state and history, completeness, the start page's lists.
(The entry grid is filings.grid.)

KPIs are not computed here (reports.selectors is the one read path for them); completeness counts
unit-months, not filings.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import Month, Period
from core.rates import Rate
from procedures.models import BEGINNING, Offering
from units.models import Unit

from .locks import entry_deadline
from .models import (
    FIGURE_FIELDS,
    SCORE_FIELDS,
    EntryException,
    FieldFiling,
    MonthlyFiling,
    UnitMonth,
    UnitMonthStatus,
)

# The grid's computed columns, each after the last count it sums (report form 06's groups).
NEW = ("received_online", "received_direct", "received_postal")
RESOLVED = ("resolved_early", "resolved_on_time", "resolved_late")
PENDING = ("pending_on_time", "pending_overdue")


def count_labels():
    """Column labels of the grid (form 06's counts and the Decision 766 counts), in the active language."""
    return {f: MonthlyFiling._meta.get_field(f).verbose_name for f in FIGURE_FIELDS}


def unit_month_state(unit: Unit, year: int, month: int) -> UnitMonth | None:
    return (
        UnitMonth.objects.filter(unit=unit, year=year, month=month)
        .select_related("submitted_by", "decided_by", "updated_by")
        .first()
    )


# --- history --------------------------------------------------------------------------------------


@dataclass
class Change:
    subject: str
    field: str
    old: object  # None: nothing before (or a Decision 766 count not reported)
    new: object  # None: deleted (deleted is True), or a Decision 766 count not reported
    deleted: bool = False


# Where a change came from, for people: the words the services record (filings.services.Source, and the
# workflow's, which are the same), before the colon of their note ("import: thang7.xlsx").
SOURCE_LABELS = {
    "form": gettext_lazy("Entry page"),
    "import": gettext_lazy("File import"),
    "admin": gettext_lazy("Administration"),
    "demo": gettext_lazy("Demo data"),
}


def source_label(source: str) -> str:
    """A recorded source for people: "import: thang7.xlsx" -> "File import: thang7.xlsx"; a word not
    known is shown as recorded."""
    word, colon, note = (source or "").partition(":")
    label = SOURCE_LABELS.get(word.strip())
    if label is None:
        return source or ""
    note = note.strip()
    return f"{label}: {note}" if colon and note else str(label)


@dataclass
class HistoryEntry:
    when: datetime.datetime
    user: object
    source: str  # as recorded: "form", "import: thang7.xlsx" ...
    kind: str  # "figures" or "status"
    changes: list[Change] = field(default_factory=list)
    reason: str = ""

    @property
    def source_label(self):
        return source_label(self.source)


def _status_label(value):
    return UnitMonthStatus(value).label if value else _("missing")


def _figure_records(history, subject_of, labels):
    """(when, history id, "figures", record, changes, "") for each history row of one table of figures
    (per procedure or per field), oldest first; `subject_of(record)` names the row's procedure or field."""
    previous = {}
    for record in history:
        before = previous.get(record.id)
        subject = subject_of(record)
        changes = []
        for name in FIGURE_FIELDS:
            new = getattr(record, name)
            old = getattr(before, name) if before is not None else None
            if record.history_type == "-":
                # A Decision 766 count never reported had nothing to delete.
                if new is not None or name not in SCORE_FIELDS:
                    changes.append(Change(subject, labels[name], new, None, deleted=True))
            elif before is None:
                # A new row's counts other than 0 (form 06), or reported (Decision 766, where 0 is a figure).
                if (new is not None) if name in SCORE_FIELDS else new:
                    changes.append(Change(subject, labels[name], None, new))
            elif old != new:
                changes.append(Change(subject, labels[name], old, new))
        if record.history_type == "+" and not changes:
            changes.append(Change(subject, _("all counts"), None, 0))
        previous[record.id] = None if record.history_type == "-" else record
        yield (record.history_date, record.history_id, "figures", record, changes, "")


def unit_month_history(unit: Unit, year: int, month: int) -> list[HistoryEntry]:
    """Every recorded change of the unit-month's figures (per procedure and per field) and status, newest
    first; the changes written together (one save, one import) make one entry. Three queries."""
    labels = count_labels()
    records = []
    filing_history = (
        MonthlyFiling.history.filter(unit_id=unit.pk, year=year, month=month)
        .select_related("history_user", "procedure")
        .order_by("history_date", "history_id")
    )
    records.extend(
        _figure_records(
            filing_history,
            lambda record: record.procedure.code if record.procedure_id else str(record.procedure_id),
            labels,
        )
    )
    field_history = (
        FieldFiling.history.filter(unit_id=unit.pk, year=year, month=month)
        .select_related("history_user", "field")
        .order_by("history_date", "history_id")
    )
    records.extend(
        _figure_records(
            field_history,
            lambda record: (record.field.name or record.field.code) if record.field_id else str(record.field_id),
            labels,
        )
    )

    status_history = (
        UnitMonth.history.filter(unit_id=unit.pk, year=year, month=month)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    before = None
    for record in status_history:
        old = before.status if before else None
        changes = []
        if old != record.status:
            changes.append(Change(_("status"), _("status"), _status_label(old), _status_label(record.status)))
        reason = record.return_reason if record.status == UnitMonthStatus.RETURNED else ""
        before = record
        if changes or reason:
            records.append((record.history_date, record.history_id, "status", record, changes, reason))

    entries = []
    for when, _id, kind, record, changes, reason in sorted(records, key=lambda r: (r[0], r[2], r[1]), reverse=True):
        source = record.history_change_reason or ""
        last = entries[-1] if entries else None
        if (
            last
            and last.kind == kind == "figures"
            and last.when == when
            and last.source == source
            and getattr(last.user, "pk", None) == record.history_user_id
        ):
            last.changes[:0] = changes
            continue
        entries.append(HistoryEntry(when, record.history_user, source, kind, list(changes), reason))
    for entry in entries:
        entry.changes.sort(key=lambda c: c.subject)
    return entries


# --- completeness ---------------------------------------------------------------------------------


@dataclass
class CompletenessCell:
    month: Month
    status: str
    due: bool
    deadline: datetime.date
    unit_month: UnitMonth | None = None
    on_time: bool | None = None

    @property
    def reported(self):
        return self.status in (UnitMonthStatus.SUBMITTED, UnitMonthStatus.APPROVED)

    @property
    def status_label(self):
        return _status_label(self.unit_month.status if self.unit_month else None)

    @property
    def submitted_at(self):
        return self.unit_month.submitted_at if self.unit_month else None

    @property
    def first_submitted_at(self):
        return self.unit_month.first_submitted_at if self.unit_month else None

    def as_json(self):
        def iso(value):
            return timezone.localtime(value).isoformat() if value else None

        return {
            "month": str(self.month),
            "status": self.status,
            "due": self.due,
            "deadline": self.deadline.isoformat(),
            "submitted_at": iso(self.submitted_at),
            "first_submitted_at": iso(self.first_submitted_at),
            "on_time": self.on_time,
        }


@dataclass
class CompletenessRow:
    unit: Unit
    depth: int
    cells: list[CompletenessCell]

    @property
    def due(self):
        return sum(cell.due for cell in self.cells)

    @property
    def reported(self):
        return sum(cell.due and cell.reported for cell in self.cells)

    @property
    def on_time(self):
        """Reported months whose first submission was by the deadline (a returned month is not reported)."""
        return sum(cell.due and cell.reported and cell.on_time is True for cell in self.cells)

    def as_json(self, parent_codes):
        return {
            "unit": self.unit.code,
            "name": self.unit.name,
            "parent": parent_codes.get(self.unit.parent_id),
            "months": [cell.as_json() for cell in self.cells],
            "due": self.due,
            "reported": self.reported,
            "on_time": self.on_time,
        }


@dataclass
class Completeness:
    parent: Unit
    period: Period
    rows: list[CompletenessRow]
    deadline_days: int

    @property
    def months(self):
        return self.period.months

    @property
    def due(self):
        return sum(row.due for row in self.rows)

    @property
    def reported(self):
        return sum(row.reported for row in self.rows)

    @property
    def on_time(self):
        return sum(row.on_time for row in self.rows)

    @property
    def reporting_rate(self):
        return Rate(self.reported, self.due)

    @property
    def on_time_rate(self):
        return Rate(self.on_time, self.due)

    def as_json(self):
        parent_codes = {self.parent.pk: self.parent.code}
        parent_codes.update({row.unit.pk: row.unit.code for row in self.rows})
        missing_parents = {row.unit.parent_id for row in self.rows} - set(parent_codes)
        if missing_parents:
            parent_codes.update(dict(Unit.objects.filter(pk__in=missing_parents).values_list("pk", "code")))
        return {
            "parent": self.parent.code,
            "name": self.parent.name,
            "period": self.period.as_json(),
            "deadline_days": self.deadline_days,
            "units": [row.as_json(parent_codes) for row in self.rows],
            "totals": {
                "units": len(self.rows),
                "due": self.due,
                "reported": self.reported,
                "on_time": self.on_time,
                "reporting_rate": self.reporting_rate.as_json(),
                "on_time_rate": self.on_time_rate.as_json(),
            },
        }


def completeness(parent: Unit, period: Period, *, today: datetime.date | None = None) -> Completeness:
    """For every unit strictly below `parent` that is expected to report in the period, the status of
    each month, whether it was submitted by the deadline, and the reporting and on-time rates (ratios of
    sums over the due unit-months). Three queries whatever the number of units."""
    today = today or timezone.localdate()
    months = period.months
    units = list(
        Unit.objects.subtree(parent)
        .exclude(pk=parent.pk)
        .active_between(period.start.first_day, period.end.last_day)
        .order_by("path")
    )
    # A unit is expected to report from the month of its first offering (any level) on.
    first_offering = dict(
        Offering.objects.filter(unit__path__startswith=parent.path)
        .exclude(unit_id=parent.pk)
        .annotate(start=Coalesce("valid_from", Value(BEGINNING)))
        .order_by()
        .values("unit_id")
        .annotate(first=Min("start"))
        .values_list("unit_id", "first")
    )
    states = {
        um.key: um
        for um in UnitMonth.objects.filter(period.filter_q(), unit__path__startswith=parent.path)
        .exclude(unit_id=parent.pk)
        .order_by()
    }
    rows = []
    for unit in units:
        cells = []
        for month in months:
            key = (unit.pk, month.year, month.month)
            state = states.get(key)
            offers = unit.pk in first_offering and first_offering[unit.pk] <= month.last_day
            expected = state is not None or (offers and unit.exists_between(month.first_day, month.last_day))
            deadline = entry_deadline(month.year, month.month)
            due = expected and month.last_day < today
            cell = CompletenessCell(month, state.status if state else "missing", due, deadline, state)
            if due:
                first = state.first_submitted_at if state else None
                if first is not None:
                    cell.on_time = timezone.localtime(first).date() <= deadline
                elif deadline < today:
                    cell.on_time = False
            cells.append(cell)
        if any(cell.due or cell.unit_month for cell in cells):
            rows.append(CompletenessRow(unit, unit.depth - parent.depth, cells))
    return Completeness(parent, period, rows, settings.FILINGS_ENTRY_CLOSE_DAYS)


# --- lists for the start page ---------------------------------------------------------------------


def unit_months_in_scope(user, *, statuses, limit=50):
    """Unit-months of the user's scope in the given statuses, the oldest month first (what waits longest)."""
    scope = Unit.objects.for_user(user)
    return list(
        UnitMonth.objects.filter(status__in=statuses, unit__in=scope)
        .select_related("unit", "submitted_by", "decided_by")
        .order_by("year", "month", "unit__code")[:limit]
    )


@dataclass(frozen=True)
class OpenMonth:
    unit: Unit
    month: Month
    unit_month: UnitMonth | None
    open_until: datetime.date

    @property
    def status_label(self):
        return _status_label(self.unit_month.status if self.unit_month else None)


def open_unit_months(user, *, today: datetime.date | None = None, limit: int = 30) -> tuple[list[OpenMonth], int]:
    """The unit-months of the user's scope that are open for entry now and not yet submitted (not started,
    or a draft), by deadline then unit: a clerk's work. Months past their deadline are left out unless an
    administrator extended it; returned months are listed by `unit_months_in_scope`. Units count when they
    offer procedures and existed in the month. Returns (at most `limit` of them, how many there are)."""
    today = today or timezone.localdate()
    this = Month.of(today)
    months = [m for m in (this.shift(-k) for k in range(24)) if entry_deadline(m.year, m.month) >= today]
    scope = Unit.objects.for_user(user).filter(Exists(Offering.objects.filter(unit_id=OuterRef("pk"))))
    extended = {
        (e.unit_id, e.year, e.month): e.open_until
        for e in EntryException.objects.filter(open_until__gte=today, unit__in=scope).order_by()
    }
    months_q = Q()
    for month in set(months) | {Month(y, m) for _u, y, m in extended}:
        months_q |= Q(year=month.year, month=month.month)
    units = list(scope.only("code", "name", "path", "valid_from", "valid_to").order_by("path")[:2000])
    states = {um.key: um for um in UnitMonth.objects.filter(months_q, unit__in=[u.pk for u in units]).order_by()}
    found = []
    for month in months:
        for unit in units:
            if not unit.exists_between(month.first_day, month.last_day):
                continue
            state = states.get((unit.pk, month.year, month.month))
            if state is None or state.status == UnitMonthStatus.DRAFT:
                found.append(OpenMonth(unit, month, state, entry_deadline(month.year, month.month)))
    by_id = {u.pk: u for u in units}
    for (unit_id, year, month_number), open_until in extended.items():
        month, state = Month(year, month_number), states.get((unit_id, year, month_number))
        if month not in months and unit_id in by_id and (state is None or state.status == UnitMonthStatus.DRAFT):
            found.append(OpenMonth(by_id[unit_id], month, state, open_until))
    found.sort(key=lambda item: (item.open_until, item.unit.path))
    return found[:limit], len(found)
