"""The rules a month's figures must follow, shared by the entry form, the Excel import, the admin and the API.

Errors (a row is refused, by every path and by `filings_upsert` itself): a count that is not a whole
number from 0 to MAX_COUNT (a Decision 766 count may also be None: not reported), a month outside 1..12 or
after the current month, a unit that did not exist in the month. Warnings (the row is kept and flagged;
the clerk confirms them before submitting): a broken identity of report form 06, a Decision 766 count more
than what it counts a part of (`score_warnings`), online receipts of a procedure the unit did not offer
online that month, and figures far outside the unit's own recent months (filings.quality).
docs/workflow.md states them all.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from operator import itemgetter

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import ServiceLevel
from units.models import Unit

from .models import COUNT_FIELDS, FIRST_YEAR, LAST_YEAR, MAX_COUNT, SCORE_FIELDS

_GROUPED = re.compile(r"^\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*$")


# How long a leader's reason for returning may be: a unit-month's (filings.workflow, its form), a task
# report's (directing.services.directives.report_return, its page's field).
RETURN_REASON_MAX = 2000


def reason_too_long(reason: str) -> str | None:
    """Why a return reason cannot be stored (longer than RETURN_REASON_MAX), or None."""
    if len(reason) <= RETURN_REASON_MAX:
        return None
    count = number_format(RETURN_REASON_MAX, force_grouping=True)
    return _("the reason may be at most %(count)s characters long") % {"count": count}


def parse_count(value) -> int:
    """A count as a whole number from 0 to MAX_COUNT, from a number or from text that groups thousands by
    `.`, `,` or spaces in threes (`3.553`, `3,553`, `10 717`). Empty means 0. Raises ValueError with the
    reason."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a whole number") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)):
        if not (value.is_integer() if isinstance(value, float) else value == value.to_integral_value()):
            raise ValueError(_("%(value)s is not a whole number") % {"value": value})
        number = int(value)
    else:
        text = str(value).strip()
        if not text:
            return 0
        # Unicode digits that int() does not read (a superscript ²) are not whole numbers either.
        digits = text if text.isdigit() else re.sub(r"\D", "", text) if _GROUPED.match(text) else None
        if digits is not None:
            try:
                number = int(digits)
            except ValueError:
                raise ValueError(_("%(value)r is not a whole number") % {"value": text}) from None
        elif re.fullmatch(r"-\s*[\d.,\s]+", text):
            raise ValueError(_("%(value)s is negative; counts cannot be below 0") % {"value": text})
        else:
            raise ValueError(_("%(value)r is not a whole number") % {"value": text})
    return check_count(number)


def check_count(number: int) -> int:
    """`number` when it is a count that may be stored, else ValueError with the reason."""
    if number < 0:
        raise ValueError(_("%(value)s is negative; counts cannot be below 0") % {"value": number})
    if number > MAX_COUNT:
        raise ValueError(
            _(
                "%(value)s is more than %(ceiling)s, the most one unit can receive for one procedure in a month; "
                "check for a typing error"
            )
            % {"value": _grouped(number), "ceiling": _grouped(MAX_COUNT)}
        )
    return number


def parse_optional_count(value) -> int | None:
    """A Decision 766 count as the entry page takes it: empty means not reported (None), anything else is
    parse_count's. (A file's empty cell is 0: the import uses parse_count; docs/import.md.)"""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_count(value)


def _counts_fine(rows, fields) -> bool:
    """Whether every count in `fields` of every row is an int from 0 to MAX_COUNT or None (0 for form 06's
    counts, not reported for the Decision 766 counts), checked over all rows at once in C's loops (0.06 s
    less than row by row for 100,000 rows). False sends refused_rows to its row-by-row check, which names
    each problem; so does a count missing from a row, though that is fine too (the same as None)."""
    if not rows or not fields:
        return True
    try:
        counts = itemgetter(*fields)
        values = list(chain.from_iterable(map(counts, rows))) if len(fields) > 1 else list(map(counts, rows))
    except KeyError:
        return False
    kinds = set(map(type, values))
    if not kinds <= {int, type(None)}:
        return False  # bool, float, str, Decimal: the check says which
    if type(None) in kinds:
        values = [value for value in values if value is not None]
    return not values or (min(values) >= 0 and max(values) <= MAX_COUNT)


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def check_month(year: int, month: int, today: datetime.date | None = None) -> None:
    """Raise ValueError unless (year, month) is a real month no later than the current one."""
    today = today or timezone.localdate()
    check_month_range(year, month)
    if (year, month) > (today.year, today.month):
        raise ValueError(_("%(month)02d/%(year)s is in the future") % {"month": month, "year": year})


def check_month_range(year: int, month: int) -> None:
    """Raise ValueError unless (year, month) is a month of the years the portal keeps."""
    if not 1 <= month <= 12:
        raise ValueError(_("month %(month)s is not between 1 and 12") % {"month": month})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            _("year %(year)s is not between %(first)s and %(last)s")
            % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR}
        )


def unit_inactive_reason(unit, year: int, month: int) -> str | None:
    """Why `unit` can have no figures for the month (it did not exist at any day of it: created later, or
    dissolved before, as most communes were in the 2025 merger), or None. `unit` needs `code`,
    `valid_from` and `valid_to`."""
    first = datetime.date(year, month, 1)
    last = datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)
    if unit.exists_between(first, last):
        return None
    if unit.valid_from is not None and unit.valid_from > last:
        return _("%(unit)s starts on %(date)s; it has no figures for %(month)02d/%(year)s") % {
            "unit": unit.code,
            "date": _day(unit.valid_from),
            "month": month,
            "year": year,
        }
    return _(
        "%(unit)s ended on %(date)s (merged or dissolved); report %(month)02d/%(year)s under the unit that took it over"
    ) % {"unit": unit.code, "date": _day(unit.valid_to), "month": month, "year": year}


def _day(day: datetime.date) -> str:
    # Day first in every language: the dates of Vietnamese decisions, and the CLI prints in English.
    return day.strftime("%d/%m/%Y")


def refused_rows(rows, fields=COUNT_FIELDS, *, today: datetime.date | None = None) -> dict[int, list[tuple[str, str]]]:
    """The rows that must never be stored, by their position in `rows`, each with its (field, reason)
    problems: a count in `fields` that is not a whole number from 0 to MAX_COUNT (None means 0 for form
    06's counts and "not reported" for the Decision 766 counts, SCORE_FIELDS: both are fine), a month
    that is not real or is in the future, a unit that did not exist in the month (or does not exist).
    filings_upsert runs it on every write; the form and the importers run the same rules cell by cell
    first, so that their messages name the cell."""
    today = today or timezone.localdate()
    problems = {}
    if not _counts_fine(rows, fields):
        for position, row in enumerate(rows):
            for name in fields:
                value = row.get(name)
                if value is None:
                    continue
                try:
                    if value.__class__ is not int:
                        raise ValueError(_("%(value)r is not a whole number") % {"value": value})
                    check_count(value)
                except ValueError as exc:
                    problems.setdefault(position, []).append((name, str(exc)))
    unit_month = itemgetter("unit_id", "year", "month")
    refused = {}  # (unit, year, month) -> (field, reason)
    month_reasons = {}
    keys = set(map(unit_month, rows))
    units = Unit.objects.only("code", "valid_from", "valid_to").in_bulk({key[0] for key in keys})
    for unit_id, year, month in keys:
        if (year, month) not in month_reasons:
            try:
                check_month(year, month, today)
                month_reasons[year, month] = None
            except (ValueError, TypeError) as exc:
                month_reasons[year, month] = str(exc)
        field, reason = "month", month_reasons[year, month]
        if reason is None:
            unit = units.get(unit_id)
            field = "unit"
            reason = (
                _("unknown unit %(unit)r") % {"unit": unit_id}
                if unit is None
                else unit_inactive_reason(unit, year, month)
            )
        if reason:
            refused[unit_id, year, month] = (field, reason)
    if refused:
        for position, key in enumerate(map(unit_month, rows)):
            if key in refused:
                problems.setdefault(position, []).append(refused[key])
    return problems


@dataclass(frozen=True)
class Identity:
    """left == right, summed over the named fields."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    description: str

    @property
    def fields(self):
        return self.left + self.right


# The identities of report form 06 that can be checked on stored fields. (new = online + direct + postal,
# resolved = early + on time + late and pending = on time + overdue define the totals, which are not stored.)
IDENTITIES = (
    Identity(
        ("carried_over", "received_online", "received_direct", "received_postal"),
        ("resolved_early", "resolved_on_time", "resolved_late", "pending_on_time", "pending_overdue"),
        "carried over + received = resolved + pending",
    ),
)


def _local_count(number) -> str:
    """A count with thousands grouped in the active language (1.239 in Vietnamese, 1,239 in English); the
    command line, which runs without a language (@no_translations), writes 1239."""
    return number_format(number, force_grouping=True)


def balance_warnings(values: dict, present=COUNT_FIELDS) -> list[tuple[str, str]]:
    """(field, message) for each identity of the form that the values break. An identity is checked only
    when every field it involves is `present` (a file may carry only some columns)."""
    warnings = []
    for identity in IDENTITIES:
        if not set(identity.fields) <= set(present):
            continue
        left = sum(values.get(f) or 0 for f in identity.left)
        right = sum(values.get(f) or 0 for f in identity.right)
        if left != right:
            warnings.append(
                (
                    identity.left[0],
                    _("%(rule)s does not balance: %(left)s ≠ %(right)s")
                    % {"rule": _(identity.description), "left": _local_count(left), "right": _local_count(right)},
                )
            )
    if {"returned_postal", "resolved_early", "resolved_on_time", "resolved_late"} <= set(present):
        resolved = sum(values.get(f) or 0 for f in ("resolved_early", "resolved_on_time", "resolved_late"))
        if (values.get("returned_postal") or 0) > resolved:
            warnings.append(
                (
                    "returned_postal",
                    _("more results returned by post (%(returned)s) than resolved (%(resolved)s)")
                    % {"returned": _local_count(values.get("returned_postal")), "resolved": _local_count(resolved)},
                )
            )
    return warnings


@dataclass(frozen=True)
class Ceiling:
    """A Decision 766 count that cannot be more than the sum of other counts of its row: a warning (the
    row is kept) when it is, checked only when every count involved is known."""

    field: str
    limit: tuple[str, ...]
    message: str  # with %(value)s and %(limit)s

    @property
    def fields(self):
        return (self.field, *self.limit)


_RECEIVED = ("received_online", "received_direct", "received_postal")
_RESOLVED = ("resolved_early", "resolved_on_time", "resolved_late")

# The Decision 766 counts against what they count a part of (docs/workflow.md). static/js/entry.js checks
# the same list, which the entry page hands it (filings.grid.score_ceilings_json).
SCORE_CEILINGS = (
    Ceiling(
        "synced",
        _RECEIVED,
        gettext_lazy("%(value)s synchronised to the national portal, more than the %(limit)s received"),
    ),
    Ceiling("fee_required", _RECEIVED, gettext_lazy("%(value)s filings with a fee, more than the %(limit)s received")),
    Ceiling(
        "paid_online",
        ("fee_required",),
        gettext_lazy("%(value)s fees paid online, more than the %(limit)s filings with a fee"),
    ),
    Ceiling("digitised", _RECEIVED, gettext_lazy("%(value)s digitised on receipt, more than the %(limit)s received")),
    Ceiling(
        "e_results",
        _RESOLVED,
        gettext_lazy("%(value)s results issued electronically, more than the %(limit)s resolved"),
    ),
    Ceiling(
        "ratings_satisfied",
        ("ratings",),
        gettext_lazy("%(value)s satisfied ratings, more than the %(limit)s ratings received"),
    ),
)


def score_warnings(values: dict, present=(*COUNT_FIELDS, *SCORE_FIELDS)) -> list[tuple[str, str]]:
    """(field, message) for each Decision 766 count that is more than what it is a part of (paid online >
    with a fee, satisfied ratings > ratings, synchronised, digitised or with a fee > received, results
    issued electronically > resolved). Checked when every count involved is `present` (a file may carry
    only some columns) and known: a Decision 766 count that is None was not reported."""
    warnings = []
    for ceiling in SCORE_CEILINGS:
        value = values.get(ceiling.field)
        if value is None or not set(ceiling.fields) <= set(present):
            continue
        parts = [values.get(name) for name in ceiling.limit]
        if any(part is None for name, part in zip(ceiling.limit, parts) if name in SCORE_FIELDS):
            continue
        limit = sum(part or 0 for part in parts)
        if value > limit:
            warnings.append(
                (ceiling.field, ceiling.message % {"value": _local_count(value), "limit": _local_count(limit)})
            )
    return warnings


def online_receipts_warning(
    received_online: int, level: str | None, *, procedure: str, year: int, month: int
) -> str | None:
    """Online receipts of a procedure that the unit did not offer online in the month (its level in force
    was "not online", or it had no offering of it). A warning, not an error: the one-stop software's
    count is the better evidence when a level was lowered during the month or the offerings catalogue
    lags behind the provincial decision (docs/workflow.md)."""
    if not received_online or level in ServiceLevel.online():
        return None
    how = _("its level was “not online”") if level == ServiceLevel.NONE else _("the unit had no offering of it")
    return _(
        "%(count)s received online, but procedure %(procedure)s was not offered online in "
        "%(month)02d/%(year)s (%(how)s)"
    ) % {"count": _local_count(received_online), "procedure": procedure, "month": month, "year": year, "how": how}
