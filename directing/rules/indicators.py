"""The rules of periodic indicators and their values, in one place: asked by `indicator_save` and
`indicator_values_upsert` for every writer (the entry form, the import, the admin, the demo), and the
arithmetic of an indicator's periods (a month, a quarter or a year, named by its first day)."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.periods import FIRST_YEAR, LAST_YEAR, Month, Period, PeriodError

from ..models import Periodicity
from .validity import unit_inactive_on_reason

# A value or a denominator: a decimal ≥ 0 with at most two places, below 10^16 (the column holds 18 digits).
MAX_AMOUNT = Decimal(10) ** 16
PLACES = 2

# How many months each periodicity's period spans.
MONTHS = {Periodicity.MONTH: 1, Periodicity.QUARTER: 3, Periodicity.YEAR: 12}


# --- periods --------------------------------------------------------------------------------------------


def is_period_start(periodicity: str, day: datetime.date) -> bool:
    """Whether `day` is the first day of a period of `periodicity`: the 1st of a month; of January, April,
    July or October; 1 January."""
    step = MONTHS[periodicity]
    return day.day == 1 and (day.month - 1) % step == 0


def period_start_of(periodicity: str, day: datetime.date) -> datetime.date:
    """The first day of the period of `periodicity` that holds `day`."""
    step = MONTHS[periodicity]
    return datetime.date(day.year, day.month - (day.month - 1) % step, 1)


def shift_start(periodicity: str, start: datetime.date, periods: int) -> datetime.date:
    """The first day of the period `periods` periods after (before, when negative) the one starting on
    `start`."""
    return Month.of(start).shift(periods * MONTHS[periodicity]).first_day


def starts_up_to(periodicity: str, last: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the `count` periods ending with the one starting on `last`, oldest first; those
    before the portal's first year left out (a window reaching back from 2001)."""
    first = Month.of(last)
    months = [first.shift_within(back * MONTHS[periodicity]) for back in range(-(count - 1), 1)]
    return [month.first_day for month in months if month is not None]


def period_of(periodicity: str, start: datetime.date) -> Period:
    """The report period (core.periods.Period) of the indicator's period starting on `start`."""
    first = Month.of(start)
    return Period(first, first.shift(MONTHS[periodicity] - 1))


def periodicity_of(period: Period) -> str | None:
    """The periodicity whose period `period` is (a month, a quarter or a year); None for anything else."""
    text = str(period)
    if period.start == period.end:
        return Periodicity.MONTH
    if re.fullmatch(r"\d{4}-Q[1-4]", text):
        return Periodicity.QUARTER
    if re.fullmatch(r"\d{4}", text):
        return Periodicity.YEAR
    return None


_QUARTER_VN = re.compile(r"^(?:quý|q)\s*([1-4])\s*[/.-]\s*(\d{4})$", re.I)
_WORDS = re.compile(r"^(?:năm|tháng|kỳ)\s+", re.I)


def parse_period(value) -> Period:
    """A period as files and pages write it: `2019`, `2019-Q3` (or `Q3/2019`, `quý 3/2019`), `07/2019` or
    `2019-07` (or `tháng 7/2019`, `năm 2019`), or a date cell (the period starting on it is then checked
    by the rules). Raises ValueError with the reason."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return Period(Month.of(value), Month.of(value))  # a date: its month; parse_period_start checks it
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    bare = _WORDS.sub("", text)
    if m := _QUARTER_VN.match(bare):
        bare = f"{m[2]}-Q{m[1]}"
    try:
        return Period.parse(bare)
    except PeriodError:
        raise ValueError(_("%(value)r is not a period (write 2019, 2019-Q3 or 07/2019)") % {"value": text}) from None


def period_start_for(periodicity: str, value) -> datetime.date:
    """The first day of the period of `periodicity` that `value` names (parse_period's texts; a date cell
    must be the first day of such a period). Raises ValueError naming what is wrong, e.g. a quarter given
    for a yearly indicator."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        if not is_period_start(periodicity, value):
            raise ValueError(_not_a_start(periodicity, value))
        return value
    period = value if isinstance(value, Period) else parse_period(value)
    if periodicity_of(period) != periodicity:
        raise ValueError(_("%(period)s is not a %(kind)s") % {"period": period, "kind": PERIOD_WORDS[periodicity]()})
    return period.start.first_day


PERIOD_WORDS = {
    Periodicity.MONTH: lambda: _("month (write 07/2019 or 2019-07)"),
    Periodicity.QUARTER: lambda: _("quarter (write 2019-Q3)"),
    Periodicity.YEAR: lambda: _("year (write 2019)"),
}


def _not_a_start(periodicity, day):
    return _("%(date)s is not the first day of a %(kind)s") % {
        "date": f"{day:%d/%m/%Y}",
        "kind": PERIOD_WORDS[periodicity](),
    }


def period_start_problem(periodicity: str, day, today: datetime.date) -> str | None:
    """Why `day` cannot name a period of `periodicity` (not its first day, out of the years kept, in the
    future), or None."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        return _("a period is required")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return _("year %(year)s is not between %(first)s and %(last)s") % {
            "year": day.year,
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    if not is_period_start(periodicity, day):
        return _not_a_start(periodicity, day)
    if day > today:
        return _("the period starting on %(date)s is in the future") % {"date": f"{day:%d/%m/%Y}"}
    return None


# --- amounts --------------------------------------------------------------------------------------------

_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:([., \u00a0])\d{3})(?:\1\d{3})*$")  # 50.200 · 50,200 · 50 200
_GROUPED_VN = re.compile(r"^[1-9]\d{0,2}(?:[. \u00a0]\d{3})+,\d+$")  # 1.234,5
_GROUPED_EN = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+\.\d+$")  # 1,234.5
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")  # 50200 · 12,5 · 12.5


def parse_amount(value) -> Decimal:
    """A value or a denominator as a file's cell or the entry form gives it: a number, or text grouping
    thousands by `.`, `,` or spaces in threes (`50.200`, `50,200`, `50 200`, as counts are read) with `,`
    or `.` as the decimal mark (`12,5`, `12.5`, `1.234,5`, `1,234.5`). Raises ValueError with the reason;
    the range and the places are the rules' (amount_problem)."""
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a number") % {"value": value})
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raw = str(value).strip()
    if raw.startswith(("-", "\u2212")):
        raise ValueError(_("%(value)s is negative") % {"value": raw})
    if _GROUPED.match(raw):
        text = re.sub(r"\D", "", raw)
    elif _GROUPED_VN.match(raw):
        text = re.sub(r"[. \u00a0]", "", raw).replace(",", ".")
    elif _GROUPED_EN.match(raw):
        text = raw.replace(",", "")
    elif _DECIMAL.match(raw):
        text = raw.replace(",", ".")
    else:
        raise ValueError(_("%(value)r is not a number") % {"value": raw})
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(value)r is not a number") % {"value": raw}) from None


def amount_problem(amount) -> str | None:
    """Why `amount` cannot be stored as a value or a denominator (not a number, negative, 10^16 or more,
    more than two decimal places), or None."""
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        return _("%(value)r is not a number") % {"value": amount}
    amount = Decimal(amount)
    if not amount.is_finite():
        return _("%(value)s is not a number") % {"value": amount}
    if amount < 0:
        return _("%(value)s is negative") % {"value": amount}
    if amount >= MAX_AMOUNT:
        return _("%(value)s is too large") % {"value": amount}
    if amount != amount.quantize(Decimal(1).scaleb(-PLACES)):
        return _("%(value)s has more than two decimal places") % {"value": amount}
    return None


def shown(amount) -> str:
    """An amount as messages and pages write it, in the active language: 50.200, 12,5."""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return number_format(int(amount), force_grouping=True)
    return number_format(amount.normalize(), force_grouping=True)


# --- an indicator and its values ------------------------------------------------------------------------


def indicator_problems(data, *, stored=None, has_values=False) -> list[tuple[str, str]]:
    """[(field, reason)] of an indicator's definition (a dict with `code`, `name`, `measure`,
    `periodicity`, `denominator`), `stored` the Indicator it changes (None: a new one), `has_values`
    whether values of it are stored: their periods and denominators must keep their meaning, so the
    periodicity and whether there is a denominator are then fixed."""
    problems = []
    code = (data.get("code") or "").strip()
    try:
        validate_slug(code)
    except ValidationError:
        problems.append(("code", _("%(code)r is not a code (letters, digits, - and _)") % {"code": code}))
    for field, what in (("name", _("a name is required")), ("measure", _("a unit of measure is required"))):
        if not (data.get(field) or "").strip():
            problems.append((field, what))
    periodicity = data.get("periodicity")
    if periodicity not in Periodicity.values:
        problems.append(("periodicity", _("%(value)r is not a periodicity") % {"value": periodicity}))
    if stored is not None and has_values:
        if periodicity in Periodicity.values and periodicity != stored.periodicity:
            problems.append(("periodicity", _("values are stored for its periods: the periodicity stays")))
        if bool((data.get("denominator") or "").strip()) != bool(stored.denominator):
            problems.append(
                (
                    "denominator",
                    _("values are stored with their denominators or without: it keeps a denominator or none"),
                )
            )
    return problems


def indicator_value_problems(row, indicator, unit, today: datetime.date, *, stored=False) -> list[tuple[str, str]]:
    """[(field, reason)] of one value row (a dict with `period_start`, `value`, `denominator`), `indicator`
    and `unit` those it names (None: unknown), `stored` whether it updates a value already stored (an
    inactive indicator takes no new values, but its stored ones may be corrected). The fields:
    indicator, unit, period_start, value, denominator."""
    problems = []
    if indicator is None:
        problems.append(("indicator", _("unknown indicator")))
    elif not indicator.active and not stored:
        problems.append(("indicator", _("%(code)s is not active: it takes no new values") % {"code": indicator.code}))
    start = row.get("period_start")
    if indicator is not None and (reason := period_start_problem(indicator.periodicity, start, today)):
        problems.append(("period_start", reason))
        start = None
    value, denominator = row.get("value"), row.get("denominator")
    if value is None:
        problems.append(("value", _("a value is required")))
    elif reason := amount_problem(value):
        problems.append(("value", reason))
        value = None
    if indicator is not None and indicator.denominator:
        if denominator is None:
            problems.append(
                ("denominator", _("a denominator is required (%(what)s)") % {"what": indicator.denominator})
            )
        elif reason := amount_problem(denominator):
            problems.append(("denominator", reason))
        elif value is not None and value > denominator:
            problems.append(
                (
                    "value",
                    _("%(value)s is more than the denominator %(denominator)s")
                    % {"value": shown(value), "denominator": shown(denominator)},
                )
            )
    elif indicator is not None and denominator is not None:
        problems.append(("denominator", _("%(code)s has no denominator") % {"code": indicator.code}))
    if unit is None:
        problems.append(("unit", _("unknown unit")))
    elif indicator is not None and start is not None:
        period = period_of(indicator.periodicity, start)
        first, last = period.start.first_day, period.end.last_day
        if not unit.exists_between(first, last):
            day = last if unit.valid_from is not None and unit.valid_from > last else first
            problems.append(("unit", unit_inactive_on_reason(unit, day)))
    return problems
