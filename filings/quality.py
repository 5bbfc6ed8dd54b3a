"""Data-quality warnings of one unit-month's figures: what a clerk sees while typing and confirms before
submitting, and what a leader sees beside the approve button (docs/workflow.md).

Four kinds of warning, none of which refuses a figure:
- a row that breaks an identity of report form 06 (filings.rules.balance_warnings);
- a row whose Decision 766 count is more than what it counts a part of (rules.score_warnings);
- online receipts of a procedure the unit did not offer online that month (rules.online_receipts_warning);
- a figure far outside the unit's own recent months: a row's new filings (a procedure's, or a field's
  for a unit-month reported per field), the unit's new filings, or the unit's online rate.

The outlier method. The baseline is the unit's reported months among the 12 before the month (a month
with at least one row of figures of the same kind; a row without figures in such a month counts 0), and needs at
least three of them.
- A count x (new filings of a procedure or of the unit) is compared with the median m of its baseline
  months. The spread is s = max(1.4826 x MAD, sqrt(max(m, 1))): the median absolute deviation, scaled to
  match a standard deviation, is robust to the odd bad month; the square root is the spread of a Poisson
  count, so that a small, steady number is not flagged for a swing that chance explains. x is flagged
  when |x - m| > max(5 s, 10).
- The online rate of the month (x online of n new filings) is compared with the baseline's rate p0 (a
  ratio of sums) by a binomial test: z = (x - n p0) / sqrt(n p0 (1 - p0)), with p0 held within
  [1%, 99%]. Flagged when |z| >= 4 and the rate is at least 10 percentage points from p0; the baseline
  needs 30 new filings in all. Tam Kỳ's June 2023 (43 / 2,150 = 2% against about 48.6%) gives z = -43; a
  commune's 0 of 10 against 40% gives z = -2.6, which chance explains.
static/js/entry.js repeats the two tests to flag cells while the clerk types; this module decides.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from django.db.models import F
from django.utils import formats
from django.utils.translation import gettext as _

from core.periods import FIRST_YEAR, Month, Period
from core.rates import Rate
from procedures.models import Offering

from .kinds import KINDS, PER_PROCEDURE, unit_month_kind
from .models import COUNT_FIELDS, SCORE_FIELDS
from .rules import balance_warnings, online_receipts_warning, score_warnings

HISTORY_MONTHS = 12
MIN_MONTHS = 3
MAD_TO_SD = 1.4826
FIGURE_SPREADS = 5
FIGURE_MIN_DIFFERENCE = 10
RATE_Z = 4
RATE_MIN_POINTS = 10
RATE_MIN_BASE = 30
RATE_CLIP = 0.01

NEW = ("received_online", "received_direct", "received_postal")


def figure_range(history) -> tuple[int, int] | None:
    """The counts not flagged, (low, high) inclusive, given the baseline months' counts; None with
    fewer than MIN_MONTHS of them."""
    history = list(history)
    if len(history) < MIN_MONTHS:
        return None
    middle = median(history)
    spread = max(MAD_TO_SD * median(abs(h - middle) for h in history), math.sqrt(max(middle, 1)))
    allowance = max(FIGURE_SPREADS * spread, FIGURE_MIN_DIFFERENCE)
    return max(math.ceil(middle - allowance), 0), math.floor(middle + allowance)


def rate_is_outlier(online: int, new: int, base_online: int, base_new: int) -> bool:
    """Whether `online` of `new` filings is far from the baseline rate base_online / base_new."""
    if not new or base_new < RATE_MIN_BASE:
        return False
    base = base_online / base_new
    p0 = min(max(base, RATE_CLIP), 1 - RATE_CLIP)
    z = (online - new * p0) / math.sqrt(new * p0 * (1 - p0))
    return abs(z) >= RATE_Z and abs(online / new - base) * 100 >= RATE_MIN_POINTS


@dataclass
class Baseline:
    """What the unit's reported months among the 12 before a month say about it."""

    months: list[Month]
    # Per row (procedure or field): the median of its new filings and the range not flagged.
    item_medians: dict[int, float] = field(default_factory=dict)
    item_ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    total_median: float | None = None
    total_range: tuple[int, int] | None = None
    online: int = 0
    new: int = 0

    @property
    def has_rate(self):
        return len(self.months) >= MIN_MONTHS and self.new >= RATE_MIN_BASE


def baseline(unit, year: int, month: int, kind=PER_PROCEDURE) -> Baseline:
    """The unit's own baseline for (year, month): its months and totals from its figures of both kinds
    (a unit that switched to reporting per field keeps its history), each row's from the months it
    reported in `kind` (filings.kinds). Two queries."""
    current = Month(year, month)
    before = current.shift_within(-1)
    if before is None:  # January of the first year: no month before it
        return Baseline([])
    period = Period(current.shift_within(-HISTORY_MONTHS) or Month(FIRST_YEAR, 1), before)
    by_item = defaultdict(dict)
    item_months = set()
    totals = defaultdict(int)
    online = 0
    for each in KINDS.values():
        rows = (
            each.model.objects.filter(period.filter_q(), unit=unit)
            .order_by()
            .annotate(new=F("received_online") + F("received_direct") + F("received_postal"))
            .values_list(each.item, "year", "month", "received_online", "new")
        )
        for item_id, y, m, received_online, new in rows:
            if each is kind:
                by_item[item_id][y, m] = new
                item_months.add((y, m))
            totals[y, m] += new
            online += received_online
    months = sorted(totals)
    result = Baseline([Month(y, m) for y, m in months], online=online, new=sum(totals.values()))
    if len(months) < MIN_MONTHS:
        return result
    if len(item_months) >= MIN_MONTHS:
        for item_id, values in by_item.items():
            history = [values.get(key, 0) for key in sorted(item_months)]
            result.item_medians[item_id] = median(history)
            result.item_ranges[item_id] = figure_range(history)
    history = [totals[key] for key in months]
    result.total_median = median(history)
    result.total_range = figure_range(history)
    return result


@dataclass(frozen=True)
class Flag:
    """One warning: its kind (balance, score, not_online, figure, total, rate), the row (procedure or field) it
    belongs to (None for the whole month) and what to tell the user."""

    kind: str
    message: str
    item_id: int | None = None


def _count(value):
    return formats.number_format(value, decimal_pos=0, force_grouping=True)


def _percent(numerator, denominator):
    value = Rate(numerator, denominator).value
    return formats.number_format(value, decimal_pos=2, force_grouping=True) + "%"


def _outside(value, bounds):
    return bounds is not None and not bounds[0] <= value <= bounds[1]


def check(
    values: dict,
    *,
    year: int,
    month: int,
    codes: dict,
    levels: dict | None,
    base: Baseline,
    missing_rows: bool = True,
    kind=PER_PROCEDURE,
) -> list[Flag]:
    """The warnings of a unit-month's figures `values` ({row id: {count: int}}, rows of `kind`: procedures
    or fields), given each row's code, each procedure's service level in force that month ({procedure id:
    level}; missing: not offered; None for figures per field, which have no level) and the unit's
    baseline. `missing_rows`: also flag the rows that usually have filings but have no row (not while the
    month is being typed, when most rows are still to come)."""
    flags = []
    month_new = month_online = 0

    def row_name(item_id):
        return kind.item_label % {"code": codes.get(item_id, str(item_id))}

    for item_id, counts in sorted(values.items(), key=lambda item: codes.get(item[0], "")):
        for _field, message in balance_warnings(counts):
            flags.append(
                Flag("balance", _("%(row)s: %(message)s") % {"row": row_name(item_id), "message": message}, item_id)
            )
        for _field, message in score_warnings(counts):
            flags.append(
                Flag("score", _("%(row)s: %(message)s") % {"row": row_name(item_id), "message": message}, item_id)
            )
        if levels is not None:
            message = online_receipts_warning(
                counts.get("received_online", 0),
                levels.get(item_id),
                procedure=codes.get(item_id, str(item_id)),
                year=year,
                month=month,
            )
            if message:
                flags.append(Flag("not_online", message, item_id))
        new = sum(counts.get(name, 0) for name in NEW)
        month_new += new
        month_online += counts.get("received_online", 0)
        if _outside(new, base.item_ranges.get(item_id)):
            flags.append(
                Flag(
                    "figure",
                    _(
                        "%(row)s: %(new)s new filings, far from its usual %(usual)s (the median of %(months)s "
                        "recent months); check for a typing error"
                    )
                    % {
                        "row": row_name(item_id),
                        "new": _count(new),
                        "usual": _count(round(base.item_medians[item_id])),
                        "months": len(base.months),
                    },
                    item_id,
                )
            )
    # Rows with a baseline but no row now count 0 this month.
    for item_id, bounds in base.item_ranges.items() if missing_rows else ():
        if item_id not in values and _outside(0, bounds):
            flags.append(
                Flag(
                    "figure",
                    _(
                        "%(row)s: no new filings, far from its usual %(usual)s (the median of %(months)s recent "
                        "months); was it forgotten?"
                    )
                    % {
                        "row": row_name(item_id),
                        "usual": _count(round(base.item_medians[item_id])),
                        "months": len(base.months),
                    },
                    item_id,
                )
            )
    if _outside(month_new, base.total_range):
        flags.append(
            Flag(
                "total",
                _(
                    "The unit's new filings, %(new)s, are far from its usual %(usual)s a month (the median of "
                    "%(months)s recent months)"
                )
                % {"new": _count(month_new), "usual": _count(round(base.total_median)), "months": len(base.months)},
            )
        )
    if base.has_rate and rate_is_outlier(month_online, month_new, base.online, base.new):
        flags.append(
            Flag(
                "rate",
                _(
                    "The online rate of the month, %(rate)s (%(online)s / %(new)s), is far from the unit's "
                    "%(usual)s over its %(months)s recent months"
                )
                % {
                    "rate": _percent(month_online, month_new),
                    "online": _count(month_online),
                    "new": _count(month_new),
                    "usual": _percent(base.online, base.new),
                    "months": len(base.months),
                },
            )
        )
    return flags


def unit_month_warnings(unit, year: int, month: int, *, changes: dict | None = None, kind=None) -> list[Flag]:
    """The warnings of the figures stored for a unit-month, or of what they would be with `changes`
    ({row id: {count: int}}) written over them; rows of `kind` (filings.kinds; by default as the
    unit-month is reported). Four to six queries."""
    kind = kind or unit_month_kind(unit, year, month)
    values, codes = {}, {}
    for filing in kind.model.objects.filter(unit=unit, year=year, month=month).select_related(kind.item_field):
        item_id = getattr(filing, kind.item)
        values[item_id] = {name: getattr(filing, name) for name in (*COUNT_FIELDS, *SCORE_FIELDS)}
        codes[item_id] = getattr(filing, kind.item_field).code
    new_row = dict.fromkeys(COUNT_FIELDS, 0) | dict.fromkeys(SCORE_FIELDS)
    for item_id, counts in (changes or {}).items():
        values[item_id] = {**values.get(item_id, new_row), **counts}
    levels = None
    if kind is PER_PROCEDURE:
        levels = dict(
            Offering.objects.in_force(year, month).filter(unit=unit).values_list("procedure_id", "service_level")
        )
    base = baseline(unit, year, month, kind)
    missing = (set(base.item_ranges) | set(values)) - set(codes)
    if missing:
        codes.update(kind.item_model.objects.filter(pk__in=missing).values_list("pk", "code"))
    return check(values, year=year, month=month, codes=codes, levels=levels, base=base, kind=kind)
