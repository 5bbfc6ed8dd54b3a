"""The workflow of a unit-month: its transitions and who may decide (docs/workflow.md, "Transitions").

The transitions below are the only code that changes a unit-month's status. Each runs in one transaction,
takes the row under the lock rule and the version check of filings.locks, and writes its history row in
it.
"""

import datetime
from itertools import batched

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit

from . import quality
from .kinds import KINDS, PER_PROCEDURE
from .locks import (
    Status,
    UnitMonthLocked,
    check_versions,
    create_drafts,
    is_admin,
    keys_q,
    lock_reason,
    locked_reasons,
    month_label,
    unit_month_states,
)
from .models import COUNT_FIELDS, UnitMonth
from .rules import reason_too_long
from .services import upsert_of
from .signals import statuses_changed

# Where a status change came from, as recorded in the history's change reason (the figures' sources are
# filings.services.Source; the two share their words).
FORM = "form"
ADMIN = "admin"
_CHUNK = 2000


class WarningsNotConfirmed(ValidationError):
    """A submission refused because the figures have data-quality warnings the submitter has not
    confirmed. `flags` are the filings.quality warnings."""

    def __init__(self, flags):
        super().__init__([ValidationError(flag.message, code="unconfirmed") for flag in flags])
        self.flags = flags


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
    if any(
        kind.model.history.filter(
            unit_id=unit_month.unit_id, year=unit_month.year, month=unit_month.month, history_user_id=user.pk
        ).exists()
        for kind in KINDS.values()
    ):
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


# --- transitions ----------------------------------------------------------------------------------


def _refuse(unit, year, month, state, rule):
    """`rule` says which months the transition takes, e.g. "only a submitted month can be approved"."""
    status = state.get_status_display() if state else _("Not started")
    raise ValidationError(
        _("%(unit)s %(month)s is “%(status)s”: %(rule)s.")
        % {"unit": unit.code, "month": month_label(year, month), "status": status, "rule": rule},
        code="invalid_transition",
    )


def _current(unit, year, month, expected_version):
    state = unit_month_states({(unit.pk, year, month)}, for_update=True).get((unit.pk, year, month))
    if expected_version is not None:
        check_versions({(unit.pk, year, month): expected_version}, {(unit.pk, year, month): state} if state else {})
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
    if "status" in changes:
        statuses_changed.send(
            UnitMonth,
            unit_months=[{"unit_id": unit_month.unit_id, "year": unit_month.year, "month": unit_month.month}],
        )
    return unit_month


def unit_month_submit(
    *,
    unit: Unit,
    year: int,
    month: int,
    user,
    expected_version: int | None = None,
    source: str = FORM,
    today: datetime.date | None = None,
    confirm_warnings: bool = False,
) -> UnitMonth:
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
        locked = locked_reasons({key}, {key: state} if state else {}, user=user, force=False, today=today)
        if locked:
            raise UnitMonthLocked(locked)
        flags = quality.unit_month_warnings(unit, year, month)
        if flags and not confirm_warnings:
            raise WarningsNotConfirmed(flags)
        now = timezone.now()
        unit_month = state or UnitMonth(unit=unit, year=year, month=month)
        return _save(
            unit_month,
            user=user,
            source=source,
            status=Status.SUBMITTED,
            return_reason="",
            submitted_at=now,
            submitted_by=user,
            first_submitted_at=unit_month.first_submitted_at or now,
            submitted_warnings="\n".join(flag.message for flag in flags),
        )


def _decide(unit, year, month, *, user, expected_version, source, status, reason=""):
    with transaction.atomic():
        if not _in_scope(user, unit):
            raise PermissionDenied(_("This unit is outside your scope."))
        state = _current(unit, year, month, expected_version)
        if state is None or state.status != Status.SUBMITTED:
            _refuse(
                unit,
                year,
                month,
                state,
                _("only a submitted month can be approved")
                if status == Status.APPROVED
                else _("only a submitted month can be returned"),
            )
        refusal = (approval_refusal if status == Status.APPROVED else decision_refusal)(state, user=user)
        if refusal:
            raise PermissionDenied(refusal)
        return _save(
            state,
            user=user,
            source=source,
            status=status,
            return_reason=reason,
            decided_at=timezone.now(),
            decided_by=user,
        )


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason, so that the clerk knows what to correct.")}, code="required")
    if too_long := reason_too_long(reason):
        raise ValidationError({"reason": too_long}, code="max_length")
    return reason


def unit_month_approve(
    *, unit: Unit, year: int, month: int, user, expected_version: int | None = None, source: str = FORM
) -> UnitMonth:
    """submitted -> approved, by a leader of the unit's scope (not the submitter) or an admin."""
    return _decide(
        unit, year, month, user=user, expected_version=expected_version, source=source, status=Status.APPROVED
    )


def unit_month_return(
    *, unit: Unit, year: int, month: int, user, reason: str, expected_version: int | None = None, source: str = FORM
) -> UnitMonth:
    """submitted -> returned with a reason, by a leader of the unit's scope (not the submitter) or an admin."""
    reason = _reason(reason)
    return _decide(
        unit,
        year,
        month,
        user=user,
        expected_version=expected_version,
        source=source,
        status=Status.RETURNED,
        reason=reason,
    )


def unit_month_reopen(
    *, unit: Unit, year: int, month: int, user, reason: str, expected_version: int | None = None, source: str = FORM
) -> UnitMonth:
    """approved -> returned with a reason, by an admin: the clerks can correct it and submit it again."""
    reason = _reason(reason)
    with transaction.atomic():
        if not is_admin(user):
            raise PermissionDenied(_("Only an administrator can reopen an approved month."))
        state = _current(unit, year, month, expected_version)
        if state is None or state.status != Status.APPROVED:
            _refuse(unit, year, month, state, _("only an approved month can be reopened"))
        return _save(
            state,
            user=user,
            source=source,
            status=Status.RETURNED,
            return_reason=reason,
            decided_at=timezone.now(),
            decided_by=user,
        )


def _bulk_status_history(cursor, ids, *, when, reason, user_id):
    """The `~` history rows of unit-months whose status a bulk transition just changed (set-based, like
    create_drafts): each row as it now stands, with who, when and the source."""
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
        states = unit_month_states(keys, for_update=True)
        approved = [key for key in keys if key in states and states[key].status == Status.APPROVED]
        if approved:
            codes = dict(Unit.objects.filter(pk__in={key[0] for key in approved}).values_list("pk", "code"))
            raise ValidationError(
                [
                    ValidationError(
                        _("%(unit)s %(month)s is “%(status)s”: %(rule)s.")
                        % {
                            "unit": codes[key[0]],
                            "month": month_label(key[1], key[2]),
                            "status": states[key].get_status_display(),
                            "rule": _("only a draft, returned or submitted month can be approved"),
                        },
                        code="invalid_transition",
                    )
                    for key in approved
                ]
            )
        locked = locked_reasons(keys, states, user=user, force=False, today=None)
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
                raise ValueError(
                    f"unit {key[0]} {month_label(key[1], key[2])}: submission date "
                    f"{submitted_at} is in the future or before the month's last decision"
                )
            if decided_at > now or (submitted_at and decided_at < submitted_at):
                raise ValueError(
                    f"unit {key[0]} {month_label(key[1], key[2])}: decision date "
                    f"{decided_at} is in the future or before the submission"
                )
            plan[key] = (submitted_at, decided_at)

        missing = [key for key in keys if key not in states]
        create_drafts(missing, user_id=user_id, reason=source[:100], now=now)
        states.update(unit_month_states(missing))

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
                    [
                        (
                            Status.SUBMITTED,
                            adapt(plan[key][0]),
                            user_id,
                            adapt(plan[key][0]),
                            when,
                            user_id,
                            states[key].pk,
                        )
                        for key in to_submit
                    ],
                )
                _bulk_status_history(
                    cursor, [states[key].pk for key in to_submit], when=when, reason=source[:100], user_id=user_id
                )
            cursor.executemany(
                f"UPDATE {table} SET status = %s, return_reason = '', decided_at = %s, decided_by_id = %s,"
                " version = version + 1, updated_at = %s, updated_by_id = %s WHERE id = %s",
                [(Status.APPROVED, adapt(plan[key][1]), user_id, when, user_id, states[key].pk) for key in keys],
            )
            _bulk_status_history(
                cursor, [states[key].pk for key in keys], when=when, reason=source[:100], user_id=user_id
            )
        statuses_changed.send(UnitMonth, unit_months=[{"unit_id": u, "year": y, "month": m} for u, y, m in keys])
    return len(keys)


def _refuse_own_months(keys, states, submitting, user):
    """Four eyes for an administrator's bulk approval: PermissionDenied naming every unit-month they would
    submit themselves, did submit, or whose figures they entered or changed (approval_refusal's rule)."""
    wrote = set()
    for kind in KINDS.values():
        for batch in batched(keys, _CHUNK):
            wrote.update(
                kind.model.history.filter(keys_q(batch), history_user_id=user.pk)
                .values_list("unit_id", "year", "month")
                .distinct()
                .order_by()
            )
    own = [key for key in keys if key in submitting or states[key].submitted_by_id == user.pk or key in wrote]
    if not own:
        return
    codes = dict(Unit.objects.filter(pk__in={key[0] for key in own}).values_list("pk", "code"))
    raise PermissionDenied(
        _(
            "Four eyes: nobody approves a month they submit or submitted themselves, or whose figures they "
            "entered; these need a submission by someone else, or another leader: %(months)s"
        )
        % {"months": ", ".join(f"{codes[key[0]]} {month_label(key[1], key[2])}" for key in own)}
    )


def unit_month_save(
    *,
    unit: Unit,
    year: int,
    month: int,
    rows,
    user,
    expected_version: int,
    submit: bool = False,
    confirm_warnings: bool = False,
    source: str = FORM,
    kind=PER_PROCEDURE,
    fields=COUNT_FIELDS,
):
    """Save a unit-month's figures from the entry form (through filings_upsert, or field_filings_upsert
    for rows of `kind` PER_FIELD, with the version the user saw; `fields` as theirs) and, when asked,
    submit it, all in one transaction: a refused submission saves nothing either. Returns the write
    service's result."""
    key = (unit.pk, year, month)
    with transaction.atomic():
        result = upsert_of(kind)(
            rows, fields=fields, source=source, user=user, expected_versions={key: expected_version}
        )
        if submit:
            # filings_upsert checked the version under lock and bumped it once if anything changed.
            changed = bool(result.created or result.updated)
            version = expected_version + 1 if changed else expected_version
            unit_month_submit(
                unit=unit,
                year=year,
                month=month,
                user=user,
                expected_version=version,
                source=source,
                confirm_warnings=confirm_warnings,
            )
    return result
