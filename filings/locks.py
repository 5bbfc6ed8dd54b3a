"""Who may write a unit-month's figures, and no lost updates (docs/workflow.md, "Locks").

`filings_upsert` calls `write_guard` inside its transaction before it writes anything, so every writer of
figures (entry form, import, admin, demo) obeys the same lock rule (`assert_writable`: the unit's validity,
the status, the entry deadline) and the same optimistic version check; the guard then bumps the versions
of the unit-months written and creates the missing ones as drafts, with their history rows.
"""

import datetime
from dataclasses import dataclass
from itertools import batched

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.periods import Month
from units.models import Unit

from .models import EntryException, UnitMonth, UnitMonthStatus
from .rules import unit_inactive_reason

Status = UnitMonthStatus
_CHUNK = 2000


class UnitMonthLocked(ValidationError):
    """A write refused by the lock rule. `locked` maps each refused (unit_id, year, month) to its message."""

    def __init__(self, locked: dict):
        super().__init__([ValidationError(message, code="locked") for message in locked.values()])
        self.locked = locked


@dataclass(frozen=True)
class Conflict:
    key: tuple
    unit_code: str
    expected: int
    current: int
    updated_at: datetime.datetime | None
    updated_by: str


class VersionConflict(ValidationError):
    """A save refused because someone changed the unit-month since the user loaded it."""

    def __init__(self, conflicts: list[Conflict]):
        super().__init__([ValidationError(_conflict_message(c), code="stale") for c in conflicts])
        self.conflicts = conflicts


# --- rules ----------------------------------------------------------------------------------------


def entry_deadline(year: int, month: int) -> datetime.date:
    """The last day on which clerks may enter or submit the month's figures."""
    return Month(year, month).last_day + datetime.timedelta(days=settings.FILINGS_ENTRY_CLOSE_DAYS)


def is_admin(user) -> bool:
    """Admins, and system processes (no user: the CLI, the demo), are not held by deadlines and may force."""
    return user is None or bool(getattr(user, "is_portal_admin", False))


def _user_label(user):
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def month_label(year, month):
    return f"{month:02d}/{year}"


def _day(value):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _conflict_message(conflict: Conflict):
    year, month = conflict.key[1:]
    if conflict.updated_at:
        return _(
            "%(unit)s %(month)s was changed by %(user)s at %(time)s after you opened it; nothing of yours "
            "was saved. The current figures are shown: check them and enter your changes again."
        ) % {
            "unit": conflict.unit_code,
            "month": month_label(year, month),
            "user": conflict.updated_by,
            "time": formats.date_format(timezone.localtime(conflict.updated_at), "SHORT_DATETIME_FORMAT"),
        }
    return _(
        "%(unit)s %(month)s was changed by someone else after you opened it; nothing of yours was saved. "
        "The current figures are shown: check them and enter your changes again."
    ) % {"unit": conflict.unit_code, "month": month_label(year, month)}


def _entry_open_until(keys, today):
    """{key: last day of entry} for the keys, with the admins' exceptions applied."""
    open_until = {key: entry_deadline(key[1], key[2]) for key in keys}
    late = [key for key, day in open_until.items() if day < today]
    for batch in batched(late, _CHUNK):
        for exception in EntryException.objects.filter(keys_q(batch)).only("unit_id", "year", "month", "open_until"):
            key = (exception.unit_id, exception.year, exception.month)
            if key in open_until and exception.open_until > open_until[key]:
                open_until[key] = exception.open_until
    return open_until


def _lock_reason(key, state: UnitMonth | None, *, unit, user, force, open_until, today):
    """Why `user` may not write the unit-month's figures, or None when they may."""
    inactive = unit_inactive_reason(unit, key[1], key[2])
    if inactive:
        return inactive
    status = state.status if state else None
    if status == Status.APPROVED:
        if force and is_admin(user):
            return None
        return _("approved on %(date)s by %(user)s; an administrator must reopen it (or force the write)") % {
            "date": _day(state.decided_at) if state.decided_at else "?",
            "user": _user_label(state.decided_by) if state.decided_by_id else _("an administrator"),
        }
    if is_admin(user):
        return None
    if status == Status.SUBMITTED:
        return _(
            "submitted on %(date)s by %(user)s and waiting for a leader's decision; a leader must return it "
            "before it can be changed"
        ) % {
            "date": _day(state.submitted_at) if state.submitted_at else "?",
            "user": _user_label(state.submitted_by) if state.submitted_by_id else "?",
        }
    # A returned month stays open: the leader asked for a correction, whatever the date.
    if status != Status.RETURNED and open_until[key] < today:
        return _(
            "closed for entry since %(date)s (%(days)s days after the end of the month); an administrator "
            "can grant an exception"
        ) % {"date": _day(open_until[key] + datetime.timedelta(days=1)), "days": settings.FILINGS_ENTRY_CLOSE_DAYS}
    return None


def locked_reasons(keys, states, *, user, force, today):
    today = today or timezone.localdate()
    open_until = _entry_open_until(keys, today) if not is_admin(user) else {}
    units = Unit.objects.only("code", "valid_from", "valid_to").in_bulk({key[0] for key in keys})
    locked = {}
    for key in sorted(keys):
        reason = _lock_reason(
            key, states.get(key), unit=units[key[0]], user=user, force=force, open_until=open_until, today=today
        )
        if reason:
            locked[key] = f"{units[key[0]].code} {month_label(key[1], key[2])}: {reason}"
    return locked


def assert_writable(unit_months, *, user, force: bool = False, today: datetime.date | None = None) -> None:
    """Raise UnitMonthLocked unless `user` may write the figures of every one of `unit_months`
    ((unit_id, year, month) keys or UnitMonth rows). A month in which the unit did not exist refuses
    everyone; approved months refuse everyone unless an admin forces the write; clerks and leaders are
    also refused submitted months and, unless returned, months past the entry deadline without an
    exception. The message names each unit code and month."""
    keys = {um.key if isinstance(um, UnitMonth) else tuple(um) for um in unit_months}
    locked = locked_reasons(keys, unit_month_states(keys), user=user, force=force, today=today)
    if locked:
        raise UnitMonthLocked(locked)


def lock_reason(unit, year, month, unit_month, *, user, force=False, today=None):
    """The message saying why `user` may not write this unit-month's figures, or None (for pages)."""
    key = (unit.pk, year, month)
    return locked_reasons({key}, {key: unit_month} if unit_month else {}, user=user, force=force, today=today).get(key)


# --- reading and locking unit-month rows ----------------------------------------------------------


def keys_q(keys):
    months = Q()
    for year, month in {(key[1], key[2]) for key in keys}:
        months |= Q(year=year, month=month)
    return months & Q(unit_id__in={key[0] for key in keys})


def unit_month_states(keys, *, for_update=False):
    """{key: UnitMonth} for the stored unit-months among `keys`; locked FOR UPDATE when asked (PostgreSQL
    makes a concurrent writer wait for this transaction, then see its new version)."""
    keys = set(keys)
    found = {}
    if for_update and connection.vendor == "sqlite":
        # SQLite has no row locks: take the database's write lock first (a write statement, even one that
        # changes nothing, does), so that a concurrent writer waits and then reads this one's versions
        # instead of failing with "database is locked" on a stale snapshot.
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {UnitMonth._meta.db_table} SET version = version WHERE 1 = 0")
    for batch in batched(sorted(keys), _CHUNK):
        queryset = UnitMonth.objects.filter(keys_q(batch)).select_related("decided_by", "submitted_by", "updated_by")
        if for_update:
            queryset = queryset.select_for_update(of=("self",))
        for unit_month in queryset.order_by():
            if unit_month.key in keys:
                found[unit_month.key] = unit_month
    return found


def check_versions(expected_versions, states):
    conflicts = []
    for key, expected in sorted(expected_versions.items()):
        state = states.get(key)
        current = state.version if state else 0
        if current != expected:
            conflicts.append((key, expected, current, state))
    if not conflicts:
        return
    codes = dict(Unit.objects.filter(pk__in={conflict[0][0] for conflict in conflicts}).values_list("pk", "code"))
    raise VersionConflict(
        [
            Conflict(
                key=key,
                unit_code=codes.get(key[0], str(key[0])),
                expected=expected,
                current=current,
                updated_at=state.updated_at if state else None,
                updated_by=_user_label(state.updated_by) if state and state.updated_by_id else _("someone else"),
            )
            for key, expected, current, state in conflicts
        ]
    )


class WriteGuard:
    """What filings_upsert holds between its lock check and its writes: the unit-month rows it locked."""

    def __init__(self, states, user):
        self.states = states
        self.user = user

    def written(self, rows, *, reason: str, create_missing: bool = True):
        """After the figures of `rows` were written: bump the version of their unit-months, and create the
        missing ones as drafts (with their history rows: bulk writes send no signals)."""
        keys = {(row["unit_id"], row["year"], row["month"]) for row in rows}
        if not keys:
            return
        now = timezone.now()
        user_id = getattr(self.user, "pk", None)
        existing = [self.states[key].pk for key in keys if key in self.states]
        for batch in batched(existing, _CHUNK):
            UnitMonth.objects.filter(pk__in=batch).update(
                version=F("version") + 1, updated_at=now, updated_by_id=user_id
            )
        if create_missing:
            create_drafts(sorted(keys - set(self.states)), user_id=user_id, reason=reason[:100], now=now)


def create_drafts(keys, *, user_id, reason, now):
    """Insert draft unit-months for `keys` and their `+` history rows in set-based statements: an import
    may create thousands, and the ORM's per-object bulk path would cost more than the figures' COPY."""
    if not keys:
        return
    quote = connection.ops.quote_name
    table = quote(UnitMonth._meta.db_table)
    history_table = quote(UnitMonth.history.model._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(now)
    tracked = ", ".join(quote(f.column) for f in UnitMonth._meta.concrete_fields)
    with connection.cursor() as cursor:
        for batch in batched(keys, 500):
            cursor.execute(
                f"INSERT INTO {table} (unit_id, year, month, status, return_reason, submitted_warnings, version,"
                " updated_at, updated_by_id) VALUES " + ", ".join(["(%s, %s, %s, %s, '', '', 1, %s, %s)"] * len(batch)),
                [
                    value
                    for unit_id, year, month in batch
                    for value in (unit_id, year, month, Status.DRAFT, when, user_id)
                ],
            )
        wanted = set(keys)
        ids = [
            pk
            for batch in batched(keys, _CHUNK)
            for pk, *key in UnitMonth.objects.filter(keys_q(batch)).values_list("pk", "unit_id", "year", "month")
            if tuple(key) in wanted
        ]
        for batch in batched(ids, 500):
            cursor.execute(
                f"INSERT INTO {history_table} ({tracked}, history_date, history_change_reason, history_type,"
                f" history_user_id) SELECT {tracked}, %s, %s, '+', %s FROM {table}"
                f" WHERE id IN ({', '.join(['%s'] * len(batch))})",
                [when, reason, user_id, *batch],
            )


def write_guard(rows, *, user, force=False, expected_versions=None) -> WriteGuard:
    """The lock rule and the version check for a write of `rows` ({"unit_id", "year", "month", ...}),
    called by filings_upsert inside its transaction before it writes anything."""
    keys = {(row["unit_id"], row["year"], row["month"]) for row in rows}
    if expected_versions:
        keys |= set(expected_versions)
    states = unit_month_states(keys, for_update=True)
    locked = locked_reasons(keys, states, user=user, force=force, today=None)
    if locked:
        raise UnitMonthLocked(locked)
    if expected_versions:
        check_versions(expected_versions, states)
    return WriteGuard(states, user)
