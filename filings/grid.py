"""The entry grid of one unit-month: which procedure rows the page shows at first, which it folds, the
values in them (stored, typed, or carried over from last month), and the data-quality warnings.

A province's centre offers up to 2,000 procedures, of which a month has figures for a few hundred. The
page shows the rows with figures (this month or the last), then the procedures offered online, up to
PAGE_ROWS rows in all beyond those with figures; the rest are folded and come by pages or by search
(`folded_rows`, `search_rows`). Totals and rates are not computed here: the page adds up the cells it
shows, as the paper form 06 does, and its KPIs come from reports.selectors.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from core.periods import Month
from procedures.models import Offering, Procedure, ServiceLevel

from . import quality
from .locks import entry_deadline
from .models import COUNT_FIELDS, MonthlyFiling, UnitMonth, UnitMonthStatus
from .rules import parse_count

# The grid's computed columns, each after the last count it sums (report form 06's groups).
NEW = ("received_online", "received_direct", "received_postal")
RESOLVED = ("resolved_early", "resolved_on_time", "resolved_late")
PENDING = ("pending_on_time", "pending_overdue")

PAGE_ROWS = 300
SEARCH_ROWS = 50
_ONLINE = set(ServiceLevel.online())


def cell_number(value) -> int:
    """A cell's value for arithmetic: stored ints as they are, typed text when it is a valid count, else 0."""
    if isinstance(value, int):
        return value
    try:
        return parse_count(value)
    except ValueError:
        return 0


@dataclass
class GridRow:
    procedure: Procedure
    service_level: str | None  # in force that month; None: the unit does not offer it
    values: dict  # {count: int (stored) or str (typed)}
    stored: bool = False
    unsaved: bool = False  # the values differ from what is stored (typed, or carried over from last month)
    errors: dict = field(default_factory=dict)
    new_range: tuple[int, int] | None = None  # new filings not flagged as an outlier (filings.quality)
    flags: list = field(default_factory=list)  # filings.quality.Flag of this row

    def total(self, names):
        return sum(cell_number(self.values.get(name)) for name in names)

    @property
    def new_total(self):
        return self.total(NEW)

    @property
    def resolved_total(self):
        return self.total(RESOLVED)

    @property
    def pending_total(self):
        return self.total(PENDING)

    @property
    def balanced(self):
        return cell_number(self.values.get("carried_over")) + self.new_total == self.resolved_total + self.pending_total


@dataclass
class Grid:
    unit: object
    year: int
    month: int
    rows: list[GridRow]
    unit_month: UnitMonth | None
    folded: int = 0  # procedures the unit offers that are not among the rows
    baseline: quality.Baseline | None = None
    flags: list = field(default_factory=list)  # every filings.quality.Flag of the month as shown
    # A re-shown form keeps the version the user loaded, so that a later save still detects a conflict.
    posted_version: int | None = None

    @property
    def version(self):
        return self.unit_month.version if self.unit_month else 0

    @property
    def form_version(self):
        return self.version if self.posted_version is None else self.posted_version

    @property
    def status(self):
        return self.unit_month.status if self.unit_month else "missing"

    @property
    def deadline(self):
        return entry_deadline(self.year, self.month)

    @property
    def totals(self):
        return {name: sum(cell_number(row.values.get(name)) for row in self.rows) for name in COUNT_FIELDS}

    @property
    def new_total(self):
        return sum(row.new_total for row in self.rows)

    @property
    def resolved_total(self):
        return sum(row.resolved_total for row in self.rows)

    @property
    def pending_total(self):
        return sum(row.pending_total for row in self.rows)

    @property
    def balanced(self):
        return all(row.balanced for row in self.rows)

    def set_flags(self, flags):
        """The month's warnings, each row's with its row."""
        self.flags = list(flags)
        by_procedure = {}
        for flag in self.flags:
            by_procedure.setdefault(flag.procedure_id, []).append(flag)
        for row in self.rows:
            row.flags = by_procedure.get(row.procedure.pk, [])


def _stored(unit, year, month):
    return {
        values[0]: dict(zip(COUNT_FIELDS, values[1:]))
        for values in MonthlyFiling.objects.filter(unit=unit, year=year, month=month)
        .order_by()
        .values_list("procedure_id", *COUNT_FIELDS)
    }


def _offered(unit, year, month):
    return dict(Offering.objects.in_force(year, month).filter(unit=unit).values_list("procedure_id", "service_level"))


def _procedures(ids):
    return Procedure.objects.filter(pk__in=ids).only("code", "name").in_bulk()


def _last_month(unit, year, month):
    """{procedure id: pending files} of the month before, for the procedures it has figures for."""
    previous = Month(year, month).shift(-1)
    return {
        pid: on_time + overdue
        for pid, on_time, overdue in MonthlyFiling.objects.filter(unit=unit, year=previous.year, month=previous.month)
        .order_by()
        .values_list("procedure_id", "pending_on_time", "pending_overdue")
    }


def _shown(with_figures, last_month, offered, procedures):
    """The rows shown at first: those with figures; then, up to PAGE_ROWS in all, last month's procedures
    and those offered online, by code."""
    wanted = set(last_month) | {pid for pid, level in offered.items() if level in _ONLINE}
    room = max(PAGE_ROWS - len(with_figures), 0)
    extra = sorted(wanted - with_figures, key=lambda pid: (pid not in last_month, procedures[pid].code))[:room]
    return sorted(with_figures | set(extra), key=lambda pid: procedures[pid].code)


def _candidates(unit, year, month, posted=()):
    offered = _offered(unit, year, month)
    stored = _stored(unit, year, month)
    last_month = _last_month(unit, year, month)
    return offered, stored, last_month, set(stored) | set(posted)


def _shown_ids(unit, year, month):
    offered, _stored_values, last_month, with_figures = _candidates(unit, year, month)
    procedures = _procedures(with_figures | set(last_month) | set(offered))
    return offered, _shown(with_figures, last_month, offered, procedures)


def entry_grid(
    unit, year: int, month: int, *, copy_previous=False, posted: dict | None = None, errors: dict | None = None
) -> Grid:
    """The rows the entry page shows at first for a unit-month. `posted` ({procedure id: {count: text}},
    a re-shown form) replaces the stored values of its rows, `errors` ({procedure id: {count: message}})
    marks cells; with `copy_previous`, last month's procedures come *carried over* pre-filled with last
    month's pending files. Six queries, whatever the number of procedures."""
    posted = posted or {}
    offered, stored, last_month, with_figures = _candidates(unit, year, month, posted)
    base = quality.baseline(unit, year, month)
    online = {pid for pid, level in offered.items() if level in _ONLINE}
    procedures = _procedures(with_figures | set(last_month) | online | set(base.procedure_ranges))
    shown = _shown(with_figures, last_month, offered, procedures)

    values_now = {pid: dict(counts) for pid, counts in stored.items()}
    rows = []
    for pid in shown:
        row = GridRow(procedures[pid], offered.get(pid), {}, stored=pid in stored, errors=(errors or {}).get(pid, {}))
        if pid in posted:
            row.values = {name: posted[pid].get(name, "") for name in COUNT_FIELDS}
            row.unsaved = True
            if not row.errors:
                values_now[pid] = {name: cell_number(text) for name, text in row.values.items()}
        elif pid in stored:
            row.values = dict(stored[pid])
        else:
            row.values = dict.fromkeys(COUNT_FIELDS, "")
            carried = last_month.get(pid)
            if copy_previous and carried:
                row.values["carried_over"] = carried
                row.unsaved = True
        row.new_range = base.procedure_ranges.get(pid)
        rows.append(row)
    unit_month = (
        UnitMonth.objects.filter(unit=unit, year=year, month=month)
        .select_related("submitted_by", "decided_by", "updated_by")
        .first()
    )
    # Procedures with no row yet are flagged once the month is handed in, not while it is typed.
    handed_in = unit_month is not None and unit_month.status in (UnitMonthStatus.SUBMITTED, UnitMonthStatus.APPROVED)
    codes = {pid: p.code for pid, p in procedures.items()}
    flags = quality.check(
        values_now, year=year, month=month, codes=codes, levels=offered, base=base, missing_rows=handed_in
    )
    grid = Grid(unit, year, month, rows, unit_month, folded=len(set(offered) - set(shown)), baseline=base)
    grid.set_flags(flags)
    return grid


def _blank_rows(unit, year, month, procedures, offered):
    base = quality.baseline(unit, year, month)
    return [
        GridRow(p, offered.get(p.pk), dict.fromkeys(COUNT_FIELDS, ""), new_range=base.procedure_ranges.get(p.pk))
        for p in procedures
    ]


def folded_rows(
    unit, year: int, month: int, *, offset: int = 0, limit: int = PAGE_ROWS
) -> tuple[list[GridRow], int | None]:
    """The procedures the unit offers that entry_grid folded, by code, a page at a time, and the offset
    of the next page (None after the last)."""
    offered, shown = _shown_ids(unit, year, month)
    folded = Procedure.objects.filter(pk__in=set(offered) - set(shown)).only("code", "name").order_by("code")
    page = list(folded[offset : offset + limit + 1])
    more = offset + limit if len(page) > limit else None
    return _blank_rows(unit, year, month, page[:limit], offered), more


def search_rows(unit, year: int, month: int, query: str) -> list[GridRow]:
    """Up to SEARCH_ROWS procedures of the catalogue whose code or name contains `query`, other than the
    rows entry_grid shows at first: those the unit offers first. How a clerk finds a folded procedure,
    or adds one the unit does not offer (yet) to the month."""
    query = " ".join(query.split())
    if not query:
        return []
    offered, shown = _shown_ids(unit, year, month)
    matches = list(
        Procedure.objects.filter(Q(code__icontains=query) | Q(name__icontains=query))
        .exclude(pk__in=shown)
        .only("code", "name")
        .order_by("code")[:1000]
    )
    matches.sort(key=lambda p: (p.pk not in offered, p.code))
    return _blank_rows(unit, year, month, matches[:SEARCH_ROWS], offered)
