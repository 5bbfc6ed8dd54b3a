"""Report periods: a month, quarter, half, year or range of months, as the CLI, API and pages write them.

`2019-07`, `2019-Q3`, `2019-H1`, `2019`, `2019-01..2019-07` (inclusive); a month may also be written the
Vietnamese way, `07/2019` (so `01/2019..07/2019`).
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db.models import Q

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_VN = re.compile(r"^(\d{1,2})/(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})-[Hh]([12])$")
_YEAR = re.compile(r"^(\d{4})$")


# The years figures, targets and periods may name.
FIRST_YEAR = 2000
LAST_YEAR = 2100
# The years a request's period may name (period_param): pages and the API also compute the same period a
# year before and after, which must stay within FIRST_YEAR..LAST_YEAR.
REQUEST_YEARS = (FIRST_YEAR + 1, LAST_YEAR - 1)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self):
        if not 1 <= self.month <= 12:
            raise PeriodError(f"month {self.month} is not between 1 and 12")
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise PeriodError(f"year {self.year} is not between {FIRST_YEAR} and {LAST_YEAR}")

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self):
        """Months since year 0, so that ranges are arithmetic."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index):
        return cls(index // 12, index % 12 + 1)

    def shift(self, months):
        return Month.from_index(self.index + months)

    def shift_within(self, months):
        """The month `months` months away, or None where it falls outside FIRST_YEAR..LAST_YEAR: for the
        windows that reach back (or ahead) from a month near either end, as January 2000's month before."""
        index = self.index + months
        return Month.from_index(index) if FIRST_YEAR * 12 <= index < (LAST_YEAR + 1) * 12 else None

    @property
    def first_day(self):
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self):
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @classmethod
    def of(cls, day: datetime.date):
        return cls(day.year, day.month)


@dataclass(frozen=True)
class Period:
    start: Month
    end: Month

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(f"the range ends ({self.end}) before it starts ({self.start})")

    def __str__(self):
        if self.start == self.end:
            return str(self.start)
        if self.start.year == self.end.year:
            first, last, year = self.start.month, self.end.month, self.start.year
            if (first, last) == (1, 12):
                return str(year)
            if last - first == 2 and first % 3 == 1:
                return f"{year}-Q{first // 3 + 1}"
            if last - first == 5 and first in (1, 7):
                return f"{year}-H{1 if first == 1 else 2}"
        return f"{self.start}..{self.end}"

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Read a PERIOD; a PeriodError names what is wrong with it."""
        raw = (text or "").strip()
        try:
            if ".." in raw:
                first, _, last = raw.partition("..")
                return cls(_parse_month(first.strip()), _parse_month(last.strip()))
            if m := _QUARTER.match(raw):
                year, quarter = int(m[1]), int(m[2])
                return cls(Month(year, 3 * quarter - 2), Month(year, 3 * quarter))
            if m := _HALF.match(raw):
                year, half = int(m[1]), int(m[2])
                return cls(Month(year, 6 * half - 5), Month(year, 6 * half))
            if m := _YEAR.match(raw):
                year = int(m[1])
                return cls(Month(year, 1), Month(year, 12))
            if _MONTH.match(raw) or _MONTH_VN.match(raw):
                month = _parse_month(raw)
                return cls(month, month)
        except PeriodError as exc:
            raise PeriodError(f"invalid period {raw!r}: {exc}") from None
        raise PeriodError(
            f"invalid period {raw!r}: expected YYYY-MM (or MM/YYYY), YYYY-Qn, YYYY-Hn, YYYY or YYYY-MM..YYYY-MM"
        )

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(Month(year, 1), Month(year, 12))

    @property
    def months(self):
        return [Month.from_index(i) for i in range(self.start.index, self.end.index + 1)]

    def previous(self) -> "Period":
        """The previous comparable period: the month, quarter, half or year before; for any other range
        (January to July, say), the same months a year earlier."""
        length = self.end.index - self.start.index + 1
        if str(self) != f"{self.start}..{self.end}" or length == 1:
            # A month, quarter, half or year: the one just before it.
            return Period(self.start.shift(-length), self.end.shift(-length))
        return self.previous_year()

    def previous_year(self) -> "Period":
        """The same months a year earlier."""
        return Period(self.start.shift(-12), self.end.shift(-12))

    @property
    def end_year(self):
        """Targets are set per year; a period takes the targets of the year it ends in."""
        return self.end.year

    def as_json(self):
        return {"from": str(self.start), "to": str(self.end)}

    def filter_q(self, prefix=""):
        """A Q selecting the rows of a (year, month) table inside the period."""
        year, month = f"{prefix}year", f"{prefix}month"
        s, e = self.start, self.end
        if s.year == e.year:
            return Q(**{year: s.year, f"{month}__gte": s.month, f"{month}__lte": e.month})
        q = Q(**{year: s.year, f"{month}__gte": s.month}) | Q(**{year: e.year, f"{month}__lte": e.month})
        if e.year - s.year > 1:
            q |= Q(**{f"{year}__gt": s.year, f"{year}__lt": e.year})
        return q


def _parse_month(text):
    if m := _MONTH.match(text):
        return Month(int(m[1]), int(m[2]))
    if m := _MONTH_VN.match(text):
        return Month(int(m[2]), int(m[1]))
    raise PeriodError(f"{text!r} is not a month written YYYY-MM (or MM/YYYY)")


def year_to_date(day: datetime.date) -> Period:
    """January to the month of `day`: the period a page shows when none is asked for."""
    return Period(Month(day.year, 1), Month.of(day))


def period_param(query, name: str = "period", *, today: datetime.date | None = None) -> Period:
    """The period in a request's query parameter `name` (`2019-07`, `2019-Q3`, `2019-H1`, `2019`,
    `2019-01..2019-07`); empty or absent, the current year so far, the one default of every page and
    export (the API requires the parameter), within REQUEST_YEARS. A PeriodError says what is wrong."""
    text = (query.get(name) or "").strip()
    if not text:
        from django.utils import timezone

        return year_to_date(today or timezone.localdate())
    period = Period.parse(text)
    first, last = REQUEST_YEARS
    if period.start.year < first or period.end.year > last:
        raise PeriodError(f"invalid period {text!r}: the years {first} to {last} only")
    return period
