"""The entry grid of one unit-month: which rows the page shows at first, which it folds, the values in
them (stored, typed, or carried over from last month), and the data-quality warnings.

A unit-month is reported per procedure or per field (filings.kinds.unit_month_kind); the grid has a row
per procedure or per field accordingly. A province's centre offers up to 2,000 procedures, of which a
month has figures for a few hundred. The page shows the rows with figures (this month or the last),
then the procedures offered online (for a grid of fields: the fields of the procedures the unit offers),
up to PAGE_ROWS rows in all beyond those with figures; the rest are folded and come by pages or by
search (`folded_rows`, `search_rows`). Totals and rates are not computed here: the page adds up the
cells it shows, as the paper form 06 does, and its KPIs come from reports.selectors.
"""

import json
from dataclasses import dataclass, field

from django.db.models import Q

from core.periods import Month
from procedures.models import Offering, ServiceLevel

from . import quality
from .kinds import PER_FIELD, PER_PROCEDURE, unit_month_kind
from .locks import entry_deadline
from .models import COUNT_FIELDS, FIGURE_FIELDS, SCORE_FIELDS, UnitMonth, UnitMonthStatus
from .rules import SCORE_CEILINGS, parse_count, parse_optional_count

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


def optional_number(value) -> int | None:
    """A Decision 766 cell's value: stored ints (or None, not reported) as they are, typed text when it is
    a valid count, None when empty or not valid."""
    if value is None or isinstance(value, int):
        return value
    try:
        return parse_optional_count(value)
    except ValueError:
        return None


def figure_number(name, value):
    """A cell's value for the rules: a count of form 06 as cell_number, a Decision 766 count as
    optional_number."""
    return optional_number(value) if name in SCORE_FIELDS else cell_number(value)


def score_ceilings_json() -> str:
    """filings.rules.SCORE_CEILINGS for static/js/entry.js, which mirrors them: [[count, [parts], message
    with %(value)s and %(limit)s], ...] in the active language."""
    return json.dumps([[c.field, list(c.limit), str(c.message)] for c in SCORE_CEILINGS], ensure_ascii=False)


@dataclass
class GridRow:
    item: object  # a Procedure, or a Field for a unit-month reported per field
    service_level: str | None  # a procedure's in force that month; None: not offered, or a field
    values: dict  # {count: int (stored) or str (typed)}
    stored: bool = False
    unsaved: bool = False  # the values differ from what is stored (typed, or carried over from last month)
    errors: dict = field(default_factory=dict)
    new_range: tuple[int, int] | None = None  # new filings not flagged as an outlier (filings.quality)
    flags: list = field(default_factory=list)  # filings.quality.Flag of this row
    per_field: bool = False

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
    kind: object = PER_PROCEDURE  # filings.kinds: rows per procedure or per field
    folded: int = 0  # rows the unit offers that are not among the rows shown
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
        totals = {name: sum(cell_number(row.values.get(name)) for row in self.rows) for name in COUNT_FIELDS}
        # A Decision 766 count adds up the rows that report it; no row: not reported.
        for name in SCORE_FIELDS:
            known = [n for n in (optional_number(row.values.get(name)) for row in self.rows) if n is not None]
            totals[name] = sum(known) if known else None
        return totals

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
        by_item = {}
        for flag in self.flags:
            by_item.setdefault(flag.item_id, []).append(flag)
        for row in self.rows:
            row.flags = by_item.get(row.item.pk, [])

    @property
    def per_field(self):
        return self.kind is PER_FIELD


def _stored(kind, unit, year, month):
    return {
        values[0]: dict(zip(FIGURE_FIELDS, values[1:]))
        for values in kind.model.objects.filter(unit=unit, year=year, month=month)
        .order_by()
        .values_list(kind.item, *FIGURE_FIELDS)
    }


def _offered(kind, unit, year, month):
    """{procedure id: level in force} of the procedures the unit offers in the month; for a grid of
    fields, {field id: None} of their fields."""
    offerings = Offering.objects.in_force(year, month).filter(unit=unit)
    if kind is PER_FIELD:
        return dict.fromkeys(
            offerings.filter(procedure__field__isnull=False).values_list("procedure__field_id", flat=True).distinct()
        )
    return dict(offerings.values_list("procedure_id", "service_level"))


def _items(kind, ids):
    return kind.item_model.objects.filter(pk__in=ids).only("code", "name").in_bulk()


def _last_month(kind, unit, year, month):
    """{row id: pending files} of the month before, for the rows it has figures for."""
    previous = Month(year, month).shift_within(-1)
    if previous is None:  # January of the first year
        return {}
    return {
        item_id: on_time + overdue
        for item_id, on_time, overdue in kind.model.objects.filter(unit=unit, year=previous.year, month=previous.month)
        .order_by()
        .values_list(kind.item, "pending_on_time", "pending_overdue")
    }


def _wanted(kind, offered):
    """The rows worth showing before any figure: the procedures offered online, or every field offered."""
    if kind is PER_FIELD:
        return set(offered)
    return {pid for pid, level in offered.items() if level in _ONLINE}


def _shown(kind, with_figures, last_month, offered, items):
    """The rows shown at first: those with figures; then, up to PAGE_ROWS in all, last month's rows and
    those _wanted, by code."""
    wanted = set(last_month) | _wanted(kind, offered)
    room = max(PAGE_ROWS - len(with_figures), 0)
    extra = sorted(wanted - with_figures, key=lambda pk: (pk not in last_month, items[pk].code))[:room]
    return sorted(with_figures | set(extra), key=lambda pk: items[pk].code)


def _candidates(kind, unit, year, month, posted=()):
    offered = _offered(kind, unit, year, month)
    stored = _stored(kind, unit, year, month)
    last_month = _last_month(kind, unit, year, month)
    return offered, stored, last_month, set(stored) | set(posted)


def _shown_ids(kind, unit, year, month):
    offered, _stored_values, last_month, with_figures = _candidates(kind, unit, year, month)
    items = _items(kind, with_figures | set(last_month) | set(offered))
    return offered, _shown(kind, with_figures, last_month, offered, items)


def entry_grid(
    unit,
    year: int,
    month: int,
    *,
    copy_previous=False,
    posted: dict | None = None,
    errors: dict | None = None,
    kind=None,
) -> Grid:
    """The rows the entry page shows at first for a unit-month, per procedure or per field (`kind`; by
    default as filings.kinds.unit_month_kind says). `posted` ({row id: {count: text}}, a re-shown form)
    replaces the stored values of its rows, `errors` ({row id: {count: message}}) marks cells; with
    `copy_previous`, last month's rows come *carried over* pre-filled with last month's pending files.
    About ten queries, whatever the number of rows."""
    kind = kind or unit_month_kind(unit, year, month)
    posted = posted or {}
    offered, stored, last_month, with_figures = _candidates(kind, unit, year, month, posted)
    base = quality.baseline(unit, year, month, kind)
    items = _items(kind, with_figures | set(last_month) | _wanted(kind, offered) | set(base.item_ranges))
    shown = _shown(kind, with_figures, last_month, offered, items)

    values_now = {pk: dict(counts) for pk, counts in stored.items()}
    rows = []
    for pk in shown:
        row = GridRow(
            items[pk],
            offered.get(pk),
            {},
            stored=pk in stored,
            errors=(errors or {}).get(pk, {}),
            per_field=kind is PER_FIELD,
        )
        if pk in posted:
            # A Decision 766 count the page did not send stays as stored.
            kept = {name: stored[pk][name] for name in SCORE_FIELDS if pk in stored and name not in posted[pk]}
            row.values = {name: kept[name] if name in kept else posted[pk].get(name, "") for name in FIGURE_FIELDS}
            row.unsaved = True
            if not row.errors:
                values_now[pk] = {name: figure_number(name, text) for name, text in row.values.items()}
        elif pk in stored:
            row.values = dict(stored[pk])
        else:
            row.values = dict.fromkeys(FIGURE_FIELDS, "")
            carried = last_month.get(pk)
            if copy_previous and carried:
                row.values["carried_over"] = carried
                row.unsaved = True
        row.new_range = base.item_ranges.get(pk)
        rows.append(row)
    unit_month = (
        UnitMonth.objects.filter(unit=unit, year=year, month=month)
        .select_related("submitted_by", "decided_by", "updated_by")
        .first()
    )
    # Rows with no figures yet are flagged once the month is handed in, not while it is typed.
    handed_in = unit_month is not None and unit_month.status in (UnitMonthStatus.SUBMITTED, UnitMonthStatus.APPROVED)
    flags = quality.check(
        values_now,
        year=year,
        month=month,
        codes={pk: item.code for pk, item in items.items()},
        levels=None if kind is PER_FIELD else offered,
        base=base,
        missing_rows=handed_in,
        kind=kind,
    )
    grid = Grid(unit, year, month, rows, unit_month, kind=kind, folded=len(set(offered) - set(shown)), baseline=base)
    grid.set_flags(flags)
    return grid


def _blank_rows(kind, unit, year, month, items, offered):
    base = quality.baseline(unit, year, month, kind)
    return [
        GridRow(
            item,
            offered.get(item.pk),
            dict.fromkeys(FIGURE_FIELDS, ""),
            new_range=base.item_ranges.get(item.pk),
            per_field=kind is PER_FIELD,
        )
        for item in items
    ]


def folded_rows(
    unit, year: int, month: int, *, offset: int = 0, limit: int = PAGE_ROWS, kind=None
) -> tuple[list[GridRow], int | None]:
    """The rows the unit offers that entry_grid folded, by code, a page at a time, and the offset of the
    next page (None after the last)."""
    kind = kind or unit_month_kind(unit, year, month)
    offered, shown = _shown_ids(kind, unit, year, month)
    folded = kind.item_model.objects.filter(pk__in=set(offered) - set(shown)).only("code", "name").order_by("code")
    page = list(folded[offset : offset + limit + 1])
    more = offset + limit if len(page) > limit else None
    return _blank_rows(kind, unit, year, month, page[:limit], offered), more


def search_rows(unit, year: int, month: int, query: str, *, kind=None) -> list[GridRow]:
    """Up to SEARCH_ROWS procedures (or fields) of the catalogue whose code or name contains `query`,
    other than the rows entry_grid shows at first: those the unit offers first. How a clerk finds a
    folded row, or adds one the unit does not offer (yet) to the month."""
    query = " ".join(query.split())
    if not query:
        return []
    kind = kind or unit_month_kind(unit, year, month)
    offered, shown = _shown_ids(kind, unit, year, month)
    matches = list(
        kind.item_model.objects.filter(Q(code__icontains=query) | Q(name__icontains=query))
        .exclude(pk__in=shown)
        .only("code", "name")
        .order_by("code")[:1000]
    )
    matches.sort(key=lambda item: (item.pk not in offered, item.code))
    return _blank_rows(kind, unit, year, month, matches[:SEARCH_ROWS], offered)
