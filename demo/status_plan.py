"""The statuses of the demo's unit-months on a given day, those of a working province: every month past
its entry deadline approved (on plausible dates), except a few submitted months waiting for a leader and
one returned to its clerk; the month still open for entry partly entered (drafts), nothing yet from some
units, the demo clerks' among them. Pure: the day decides, the database is not read."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from core.periods import Month
from filings.locks import entry_deadline
from filings.models import UnitMonthStatus

from .arithmetic import stable_int
from .specs import FieldFilingSpec, FilingSpec, UnitMonthSpec

# Units whose latest closed month (past its entry deadline) waits for a leader's decision: two communes of
# Quảng Ninh for `lanhdao22`, and a ward of Cẩm Phả for `lanhdao195` (the city ended with the 2025
# reform, so its ward waits with June 2025, the last month of the old tree).
AWAITING = ("22.QUANGHANH", "22.UONGBI", "06787")
# The latest closed month of the first of these units that has one was returned to its clerk
# (`canbo.campha`, else `canbo.camson`), by the demo leader closest to it.
RETURNED = ("22.CAMPHA", "06766")
RETURN_REASON = "Số hồ sơ tiếp nhận qua BCCI chưa khớp với sổ theo dõi; đề nghị kiểm tra lại."
# Units that have entered nothing yet for the month open for entry: the demo clerks' units and two others.
NOT_YET_ENTERED = ("22.CAMPHA", "06766", "22.CUAONG", "22.MONGDUONG")
# About one approved month in LATE_ONE_IN was submitted a few days after its deadline.
LATE_ONE_IN = 25


def last_reported_month(today: datetime.date) -> Month:
    """Figures for a month are reported after it ends: the demo's data stops at the month before today's."""
    return Month.of(today).shift(-1)


def open_month(today: datetime.date) -> Month | None:
    """The month with figures still open for entry: the month before today's, until its entry deadline
    (filings.forms.default_month offers the same month; after its deadline, the current month, which has
    no figures yet)."""
    month = last_reported_month(today)
    return month if entry_deadline(month.year, month.month) >= today else None


def _working_day(day: datetime.date, low: datetime.date, high: datetime.date) -> datetime.date:
    """`day`, or the nearest working day around it within [low, high] when it falls on a weekend."""
    if day.weekday() < 5:
        return day
    friday = day - datetime.timedelta(days=day.weekday() - 4)
    monday = day + datetime.timedelta(days=7 - day.weekday())
    return friday if friday >= low else monday if monday <= high else day


def _at(day: datetime.date, minutes: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60)),
        timezone.get_default_timezone(),
    )


def approval_dates(unit: str, month: Month, today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """When an approved demo month was submitted and approved: a working morning within its entry window
    (about one in LATE_ONE_IN a few days after the deadline), approved one to four days later in an
    afternoon; both before `today`."""
    j = stable_int(unit, month, "submitted")
    window = settings.FILINGS_ENTRY_CLOSE_DAYS
    deadline = entry_deadline(month.year, month.month)
    days = j % window + 1 if window else 0
    if j % LATE_ONE_IN == 0:
        days = window + 1 + (j >> 8) % 5
    latest = today - datetime.timedelta(days=1)
    first = month.last_day + datetime.timedelta(days=1)
    submitted = min(month.last_day + datetime.timedelta(days=days), latest)
    submitted = _working_day(submitted, first, deadline if submitted <= deadline else latest)
    decided = min(submitted + datetime.timedelta(days=1 + (j >> 12) % 4), latest)
    decided = _working_day(decided, submitted, latest)
    # Mornings 7:30-11:59 and afternoons 13:30-17:29: a decision on the day of its submission comes after it.
    return _at(submitted, 450 + (j >> 16) % 270), _at(decided, 810 + (j >> 20) % 240)


def status_plan(filings: list[FilingSpec | FieldFilingSpec], today: datetime.date) -> list[UnitMonthSpec]:
    """The status of every unit-month with figures (per procedure or per field) on `today`: drafts in the
    month open for entry; before it, approved, except the latest closed month of AWAITING (submitted) and
    of the first of RETURNED that has one (returned with RETURN_REASON)."""
    open_ = open_month(today)
    unit_months = sorted({(f.unit, Month(f.year, f.month)) for f in filings})
    closed = defaultdict(list)  # every month but the open one is past its deadline
    for unit, month in unit_months:
        if month != open_:
            closed[unit].append(month)
    special = {(unit, closed[unit][-1]): UnitMonthStatus.SUBMITTED for unit in AWAITING if closed[unit]}
    returned = next((unit for unit in RETURNED if closed[unit]), None)
    if returned:
        special[returned, closed[returned][-1]] = UnitMonthStatus.RETURNED
    specs = []
    for unit, month in unit_months:
        if month == open_:
            specs.append(UnitMonthSpec(unit, month, UnitMonthStatus.DRAFT))
        elif (unit, month) in special:
            status = special[unit, month]
            reason = RETURN_REASON if status == UnitMonthStatus.RETURNED else ""
            specs.append(UnitMonthSpec(unit, month, status, reason))
        else:
            submitted, decided = approval_dates(unit, month, today)
            specs.append(UnitMonthSpec(unit, month, UnitMonthStatus.APPROVED, "", submitted, decided))
    return specs
