"""The workflow of a unit-month: its transitions, the lock rule and the version check (docs/workflow.md).

`filings_upsert` calls `write_guard` first, so every writer of figures (entry form, import, admin, API,
demo) obeys the same locks and the same optimistic version check; the transitions below are the only
code that changes a unit-month's status. Each runs in one transaction and writes its history row in it.
"""

import datetime
from dataclasses import dataclass
from itertools import batched

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.periods import Month
from units.models import Unit

from . import quality
from .models import EntryException, MonthlyFiling, UnitMonth, UnitMonthStatus
from .rules import unit_inactive_reason

Status = UnitMonthStatus
_CHUNK = 2000

# Where a status change came from, as recorded in the history's change reason (the figures' sources are
# filings.services.Source; the two share their words).
FORM = "form"
ADMIN = "admin"


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


class WarningsNotConfirmed(ValidationError):
    """A submission refused because the figures have data-quality warnings the submitter has not
    confirmed. `flags` are the filings.quality warnings."""

    def __init__(self, flags):
        super().__init__([ValidationError(flag.message, code="unconfirmed") for flag in flags])
        self.flags = flags


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


def _month_label(year, month):
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
            "unit": conflict.unit_code, "month": _month_label(year, month), "user": conflict.updated_by,
            "time": formats.date_format(timezone.localtime(conflict.updated_at), "SHORT_DATETIME_FORMAT"),
        }
    return _(
        "%(unit)s %(month)s was changed by someone else after you opened it; nothing of yours was saved. "
        "The current figures are shown: check them and enter your changes again."
    ) % {"unit": conflict.unit_code, "month": _month_label(year, month)}


def _entry_open_until(keys, today):
    """{key: last day of entry} for the keys, with the admins' exceptions applied."""
    open_until = {key: entry_deadline(key[1], key[2]) for key in keys}
    late = [key for key, day in open_until.items() if day < today]
    for batch in batched(late, _CHUNK):
        for exception in EntryException.objects.filter(_keys_q(batch)).only("unit_id", "year", "month", "open_until"):
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


def _locked(keys, states, *, user, force, today):
    today = today or timezone.localdate()
    open_until = _entry_open_until(keys, today) if not is_admin(user) else {}
    units = Unit.objects.only("code", "valid_from", "valid_to").in_bulk({key[0] for key in keys})
    locked = {}
    for key in sorted(keys):
        reason = _lock_reason(key, states.get(key), unit=units[key[0]], user=user, force=force,
                              open_until=open_until, today=today)
        if reason:
            locked[key] = f"{units[key[0]].code} {_month_label(key[1], key[2])}: {reason}"
    return locked


def assert_writable(unit_months, *, user, force: bool = False, today: datetime.date | None = None) -> None:
    """Raise UnitMonthLocked unless `user` may write the figures of every one of `unit_months`
    ((unit_id, year, month) keys or UnitMonth rows). A month in which the unit did not exist refuses
    everyone; approved months refuse everyone unless an admin forces the write; clerks and leaders are
    also refused submitted months and, unless returned, months past the entry deadline without an
    exception. The message names each unit code and month."""
    keys = {um.key if isinstance(um, UnitMonth) else tuple(um) for um in unit_months}
    locked = _locked(keys, _states(keys), user=user, force=force, today=today)
    if locked:
        raise UnitMonthLocked(locked)


def lock_reason(unit, year, month, unit_month, *, user, force=False, today=None):
    """The message saying why `user` may not write this unit-month's figures, or None (for pages)."""
    key = (unit.pk, year, month)
    return _locked({key}, {key: unit_month} if unit_month else {}, user=user, force=force, today=today).get(key)


def _in_scope(user, unit):
    return user is None or Unit.objects.for_user(user).filter(pk=unit.pk).exists()


def decision_refusal(unit_month: UnitMonth | None, *, user) -> str | None:
    """Why `user` may not return this unit-month (leaders of the unit's scope and admins may, never on
    their own submission), or None. Approving asks more: approval_refusal."""
    if user is None:
        return None
    if not user.can_decide:
        return _("Only a leader or an administrator can approve or return a month.")
    if unit_month is not None and unit_month.submitted_by_id == user.pk:
        return _("You submitted this month yourself; another leader must approve or return it.")
    return None


def approval_refusal(unit_month: UnitMonth | None, *, user) -> str | None:
    """Why `user` may not approve this unit-month, or None. Four eyes: besides the rule of
    decision_refusal, nobody approves figures they entered or changed themselves (in any way: the form,
    an import, the admin), so that every approved month was seen by two people."""
    refusal = decision_refusal(unit_month, user=user)
    if refusal or user is None or unit_month is None:
        return refusal
    if MonthlyFiling.history.filter(
        unit_id=unit_month.unit_id, year=unit_month.year, month=unit_month.month, history_user_id=user.pk
    ).exists():
        return _("You entered or changed figures of this month yourself; another leader must approve it.")
    return None


def allowed_actions(unit, year, month, unit_month, *, user, today=None) -> set[str]:
    """What `user` may do on this unit-month now (scope already checked): save, submit, approve, return,
    reopen. For showing the right buttons; the transitions check the same rules again."""
    status = unit_month.status if unit_month else None
    actions = set()
    if lock_reason(unit, year, month, unit_month, user=user, today=today) is None:
        actions.add("save")
        if status in (None, Status.DRAFT, Status.RETURNED):
            actions.add("submit")
    if status == Status.SUBMITTED and decision_refusal(unit_month, user=user) is None:
        actions.add("return")
        if approval_refusal(unit_month, user=user) is None:
            actions.add("approve")
    if status == Status.APPROVED and is_admin(user):
        actions.add("reopen")
    return actions


# --- reading and locking unit-month rows ----------------------------------------------------------



def _keys_q(keys):
    months = Q()
    for year, month in {(key[1], key[2]) for key in keys}:
        months |= Q(year=year, month=month)
    return months & Q(unit_id__in={key[0] for key in keys})


def _states(keys, *, for_update=False):
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
        queryset = UnitMonth.objects.filter(_keys_q(batch)).select_related("decided_by", "submitted_by", "updated_by")
        if for_update:
            queryset = queryset.select_for_update(of=("self",))
        for unit_month in queryset.order_by():
            if unit_month.key in keys:
                found[unit_month.key] = unit_month
    return found


def _check_versions(expected_versions, states):
    conflicts = []
    for key, expected in sorted(expected_versions.items()):
        state = states.get(key)
        current = state.version if state else 0
        if current != expected:
            conflicts.append((key, expected, current, state))
    if not conflicts:
        return
    codes = dict(Unit.objects.filter(pk__in={conflict[0][0] for conflict in conflicts}).values_list("pk", "code"))
    raise VersionConflict([
        Conflict(
            key=key, unit_code=codes.get(key[0], str(key[0])), expected=expected, current=current,
            updated_at=state.updated_at if state else None,
            updated_by=_user_label(state.updated_by) if state and state.updated_by_id else _("someone else"),
        )
        for key, expected, current, state in conflicts
    ])


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
            _create_drafts(sorted(keys - set(self.states)), user_id=user_id, reason=reason[:100], now=now)


def _create_drafts(keys, *, user_id, reason, now):
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
                [value for unit_id, year, month in batch
                 for value in (unit_id, year, month, Status.DRAFT, when, user_id)],
            )
        wanted = set(keys)
        ids = [
            pk
            for batch in batched(keys, _CHUNK)
            for pk, *key in UnitMonth.objects.filter(_keys_q(batch)).values_list("pk", "unit_id", "year", "month")
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
    states = _states(keys, for_update=True)
    locked = _locked(keys, states, user=user, force=force, today=None)
    if locked:
        raise UnitMonthLocked(locked)
    if expected_versions:
        _check_versions(expected_versions, states)
    return WriteGuard(states, user)


# --- transitions ----------------------------------------------------------------------------------


def _refuse(unit, year, month, state, rule):
    """`rule` says which months the transition takes, e.g. "only a submitted month can be approved"."""
    status = state.get_status_display() if state else _("Not started")
    raise ValidationError(
        _("%(unit)s %(month)s is “%(status)s”: %(rule)s.")
        % {"unit": unit.code, "month": _month_label(year, month), "status": status, "rule": rule},
        code="invalid_transition",
    )


def _current(unit, year, month, expected_version):
    state = _states({(unit.pk, year, month)}, for_update=True).get((unit.pk, year, month))
    if expected_version is not None:
        _check_versions({(unit.pk, year, month): expected_version}, {(unit.pk, year, month): state} if state else {})
    return state


def _save(unit_month, *, user, source, **changes):
    now = timezone.now()
    for name, value in changes.items():
        setattr(unit_month, name, value)
    unit_month.version += 1
    unit_month.updated_at = now
    unit_month.updated_by = user
    unit_month._change_reason = source
    if user is not None:
        unit_month._history_user = user
    unit_month.full_clean(validate_unique=False)
    unit_month.save()
    return unit_month


def unit_month_submit(*, unit: Unit, year: int, month: int, user, expected_version: int | None = None,
                      source: str = FORM, today: datetime.date | None = None,
                      confirm_warnings: bool = False) -> UnitMonth:
    """draft / returned / missing -> submitted, by someone who may write the month (scope, deadline).
    Figures with data-quality warnings (filings.quality) are submitted only when `confirm_warnings` is
    given (else WarningsNotConfirmed); the confirmed warnings are kept on the unit-month for the leader."""
    with transaction.atomic():
        if not _in_scope(user, unit):
            raise PermissionDenied(_("This unit is outside your scope."))
        state = _current(unit, year, month, expected_version)
        if state is not None and state.status not in (Status.DRAFT, Status.RETURNED):
            _refuse(unit, year, month, state, _("only a draft or a returned month can be submitted"))
        key = (unit.pk, year, month)
        locked = _locked({key}, {key: state} if state else {}, user=user, force=False, today=today)
        if locked:
            raise UnitMonthLocked(locked)
        flags = quality.unit_month_warnings(unit, year, month)
        if flags and not confirm_warnings:
            raise WarningsNotConfirmed(flags)
        now = timezone.now()
        unit_month = state or UnitMonth(unit=unit, year=year, month=month)
        return _save(
            unit_month, user=user, source=source, status=Status.SUBMITTED, return_reason="",
            submitted_at=now, submitted_by=user, first_submitted_at=unit_month.first_submitted_at or now,
            submitted_warnings="\n".join(flag.message for flag in flags),
        )


def _decide(unit, year, month, *, user, expected_version, source, status, reason=""):
    with transaction.atomic():
        if not _in_scope(user, unit):
            raise PermissionDenied(_("This unit is outside your scope."))
        state = _current(unit, year, month, expected_version)
        if state is None or state.status != Status.SUBMITTED:
            _refuse(unit, year, month, state, _("only a submitted month can be approved") if status == Status.APPROVED
                    else _("only a submitted month can be returned"))
        refusal = (approval_refusal if status == Status.APPROVED else decision_refusal)(state, user=user)
        if refusal:
            raise PermissionDenied(refusal)
        return _save(state, user=user, source=source, status=status, return_reason=reason,
                     decided_at=timezone.now(), decided_by=user)


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason, so that the clerk knows what to correct.")},
                              code="required")
    return reason


def unit_month_approve(*, unit: Unit, year: int, month: int, user, expected_version: int | None = None,
                       source: str = FORM) -> UnitMonth:
    """submitted -> approved, by a leader of the unit's scope (not the submitter) or an admin."""
    return _decide(unit, year, month, user=user, expected_version=expected_version, source=source,
                   status=Status.APPROVED)


def unit_month_return(*, unit: Unit, year: int, month: int, user, reason: str,
                      expected_version: int | None = None, source: str = FORM) -> UnitMonth:
    """submitted -> returned with a reason, by a leader of the unit's scope (not the submitter) or an admin."""
    reason = _reason(reason)
    return _decide(unit, year, month, user=user, expected_version=expected_version, source=source,
                   status=Status.RETURNED, reason=reason)


def unit_month_reopen(*, unit: Unit, year: int, month: int, user, reason: str,
                      expected_version: int | None = None, source: str = FORM) -> UnitMonth:
    """approved -> returned with a reason, by an admin: the clerks can correct it and submit it again."""
    reason = _reason(reason)
    with transaction.atomic():
        if not is_admin(user):
            raise PermissionDenied(_("Only an administrator can reopen an approved month."))
        state = _current(unit, year, month, expected_version)
        if state is None or state.status != Status.APPROVED:
            _refuse(unit, year, month, state, _("only an approved month can be reopened"))
        return _save(state, user=user, source=source, status=Status.RETURNED, return_reason=reason,
                     decided_at=timezone.now(), decided_by=user)


def _bulk_status_history(cursor, ids, *, when, reason, user_id):
    """The `~` history rows of unit-months whose status a bulk transition just changed (set-based, like
    _create_drafts): each row as it now stands, with who, when and the source."""
    quote = connection.ops.quote_name
    table = quote(UnitMonth._meta.db_table)
    history_table = quote(UnitMonth.history.model._meta.db_table)
    tracked = ", ".join(quote(f.column) for f in UnitMonth._meta.concrete_fields)
    for batch in batched(ids, 500):
        cursor.execute(
            f"INSERT INTO {history_table} ({tracked}, history_date, history_change_reason, history_type,"
            f" history_user_id) SELECT {tracked}, %s, %s, '~', %s FROM {table}"
            f" WHERE id IN ({', '.join(['%s'] * len(batch))})",
            [when, reason, user_id, *batch],
        )


def unit_months_approve_bulk(keys, *, user, source: str = ADMIN, dates: dict | None = None) -> int:
    """Approve many unit-months at once, for the system (`user=None`: the CLI, the demo) or an
    administrator: last years' official figures after their import, a quarter's submitted months.
    `keys` are (unit_id, year, month). Returns how many were approved.

    Each unit-month goes the way of the single transitions and is recorded as they would record it: a
    missing one is created as a draft (`+`); a draft or returned one is submitted by `user` (`~`, draft or
    returned -> submitted: submitted_at/by, first_submitted_at kept when it was submitted before); then
    every one is approved by `user` (`~`, submitted -> approved: decided_at/by). Each step bumps the version
    and writes its history row (who, now, `source`), in set-based statements: a thousand unit-months cost a
    few dozen statements instead of a dozen per unit-month. All or nothing, in one transaction, the rows
    locked as the single transitions lock them.

    The rules are those of unit_month_submit and unit_month_approve: refused (nothing changes) for anyone
    but an administrator or the system (PermissionDenied), for an approved month (ValidationError) and for
    a month in which the unit did not exist (UnitMonthLocked). Deadlines do not bind either of them. An
    administrator is held by the four-eyes rule (approval_refusal): they approve months that someone else
    submitted and whose figures they did not write, but cannot submit and approve a month themselves; the
    system can. No data-quality check is run and the submission records no warnings: the system or the
    administrator vouches for the figures (official ones, as published).

    `dates` ({key: (submitted_at, decided_at)}) records when a month was submitted and decided, when that
    is known and earlier than now (the dates of last years' reports, the demo's); a key left out takes
    now. A month already submitted keeps its submission and takes only the decision's date. The dates
    may not be in the future, a decision may not precede its submission, nor a new submission the
    decision that returned the month (ValueError). The history rows are dated when they are written."""
    keys = sorted({tuple(key) for key in keys})
    if not keys:
        return 0
    if not is_admin(user):
        raise PermissionDenied(_("Only an administrator can approve many months at once."))
    dates = dates or {}
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    with transaction.atomic():
        states = _states(keys, for_update=True)
        approved = [key for key in keys if key in states and states[key].status == Status.APPROVED]
        if approved:
            codes = dict(Unit.objects.filter(pk__in={key[0] for key in approved}).values_list("pk", "code"))
            raise ValidationError([
                ValidationError(
                    _("%(unit)s %(month)s is “%(status)s”: %(rule)s.") % {
                        "unit": codes[key[0]], "month": _month_label(key[1], key[2]),
                        "status": states[key].get_status_display(),
                        "rule": _("only a draft, returned or submitted month can be approved")},
                    code="invalid_transition")
                for key in approved
            ])
        locked = _locked(keys, states, user=user, force=False, today=None)
        if locked:
            raise UnitMonthLocked(locked)
        to_submit = [key for key in keys if key not in states or states[key].status != Status.SUBMITTED]
        submitting = set(to_submit)
        if user is not None:
            _refuse_own_months(keys, states, submitting, user)

        plan = {}
        for key in keys:
            state = states.get(key)
            submitted_at, decided_at = dates.get(key, (now, now))
            if key not in submitting:
                submitted_at = state.submitted_at
            elif submitted_at > now or (state and state.decided_at and submitted_at < state.decided_at):
                raise ValueError(f"unit {key[0]} {_month_label(key[1], key[2])}: submission date "
                                 f"{submitted_at} is in the future or before the month's last decision")
            if decided_at > now or (submitted_at and decided_at < submitted_at):
                raise ValueError(f"unit {key[0]} {_month_label(key[1], key[2])}: decision date "
                                 f"{decided_at} is in the future or before the submission")
            plan[key] = (submitted_at, decided_at)

        missing = [key for key in keys if key not in states]
        _create_drafts(missing, user_id=user_id, reason=source[:100], now=now)
        states.update(_states(missing))

        adapt = connection.ops.adapt_datetimefield_value
        table = connection.ops.quote_name(UnitMonth._meta.db_table)
        when = adapt(now)
        with connection.cursor() as cursor:
            if to_submit:
                cursor.executemany(
                    f"UPDATE {table} SET status = %s, return_reason = '', submitted_warnings = '',"
                    " submitted_at = %s, submitted_by_id = %s,"
                    " first_submitted_at = COALESCE(first_submitted_at, %s),"
                    " version = version + 1, updated_at = %s, updated_by_id = %s WHERE id = %s",
                    [(Status.SUBMITTED, adapt(plan[key][0]), user_id, adapt(plan[key][0]), when, user_id,
                      states[key].pk) for key in to_submit],
                )
                _bulk_status_history(cursor, [states[key].pk for key in to_submit], when=when,
                                     reason=source[:100], user_id=user_id)
            cursor.executemany(
                f"UPDATE {table} SET status = %s, return_reason = '', decided_at = %s, decided_by_id = %s,"
                " version = version + 1, updated_at = %s, updated_by_id = %s WHERE id = %s",
                [(Status.APPROVED, adapt(plan[key][1]), user_id, when, user_id, states[key].pk)
                 for key in keys],
            )
            _bulk_status_history(cursor, [states[key].pk for key in keys], when=when, reason=source[:100],
                                 user_id=user_id)
    return len(keys)


def _refuse_own_months(keys, states, submitting, user):
    """Four eyes for an administrator's bulk approval: PermissionDenied naming every unit-month they would
    submit themselves, did submit, or whose figures they entered or changed (approval_refusal's rule)."""
    wrote = set()
    for batch in batched(keys, _CHUNK):
        wrote.update(
            MonthlyFiling.history.filter(_keys_q(batch), history_user_id=user.pk)
            .values_list("unit_id", "year", "month").distinct().order_by()
        )
    own = [key for key in keys
           if key in submitting or states[key].submitted_by_id == user.pk or key in wrote]
    if not own:
        return
    codes = dict(Unit.objects.filter(pk__in={key[0] for key in own}).values_list("pk", "code"))
    raise PermissionDenied(
        _("Four eyes: nobody approves a month they submit or submitted themselves, or whose figures they "
          "entered; these need a submission by someone else, or another leader: %(months)s")
        % {"months": ", ".join(f"{codes[key[0]]} {_month_label(key[1], key[2])}" for key in own)}
    )


def unit_month_save(*, unit: Unit, year: int, month: int, rows, user, expected_version: int,
                    submit: bool = False, confirm_warnings: bool = False, source: str = FORM):
    """Save a unit-month's figures from the entry form (through filings_upsert, with the version the
    user saw) and, when asked, submit it, all in one transaction: a refused submission saves nothing
    either. Returns filings_upsert's result."""
    from .services import filings_upsert  # services imports this module

    key = (unit.pk, year, month)
    with transaction.atomic():
        result = filings_upsert(rows, source=source, user=user, expected_versions={key: expected_version})
        if submit:
            # filings_upsert checked the version under lock and bumped it once if anything changed.
            changed = bool(result.created or result.updated)
            version = expected_version + 1 if changed else expected_version
            unit_month_submit(unit=unit, year=year, month=month, user=user, expected_version=version,
                              source=source, confirm_warnings=confirm_warnings)
    return result
