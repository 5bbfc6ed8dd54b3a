"""The unit-month workflow: allowed and refused transitions, locks, the entry deadline and the version check."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from filings.locks import UnitMonthLocked, VersionConflict, assert_writable, entry_deadline, write_guard
from filings.models import EntryException, MonthlyFiling, UnitMonth, UnitMonthStatus
from filings.services import Source, filings_delete, filings_upsert
from filings.workflow import (
    WarningsNotConfirmed,
    allowed_actions,
    approval_refusal,
    unit_month_approve,
    unit_month_reopen,
    unit_month_return,
    unit_month_save,
    unit_month_submit,
    unit_months_approve_bulk,
)
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def save(office, user, year, month, version, submit=False, **counts):
    return unit_month_save(
        unit=office.commune,
        year=year,
        month=month,
        user=user,
        expected_version=version,
        submit=submit,
        rows=[office.row(year, month, **counts)],
    )


def state(office, year, month):
    return UnitMonth.objects.get(unit=office.commune, year=year, month=month)


def submitted(office, user=None):
    year, month = office.open_month
    save(
        office,
        user or office.clerk,
        year,
        month,
        0,
        submit=True,
        received_online=3,
        received_direct=1,
        resolved_on_time=4,
    )
    return year, month


# --- transitions ---------------------------------------------------------------------------------


def test_a_first_save_creates_a_draft_with_its_history(office):
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, received_online=3)
    unit_month = state(office, year, month)
    assert (unit_month.status, unit_month.version, unit_month.updated_by) == ("draft", 1, office.clerk)
    history = unit_month.history.get()
    assert (history.history_type, history.status, history.history_user, history.history_change_reason) == (
        "+",
        "draft",
        office.clerk,
        "form",
    )


def test_clerk_submits_and_leader_approves(office):
    year, month = submitted(office)
    unit_month = state(office, year, month)
    assert unit_month.status == UnitMonthStatus.SUBMITTED
    assert unit_month.submitted_by == office.clerk and unit_month.first_submitted_at is not None
    unit_month_approve(
        unit=office.commune, year=year, month=month, user=office.leader, expected_version=unit_month.version
    )
    unit_month = state(office, year, month)
    assert (unit_month.status, unit_month.decided_by) == ("approved", office.leader)
    assert [h.status for h in unit_month.history.order_by("history_id")] == ["draft", "submitted", "approved"]
    assert {h.history_user for h in unit_month.history.all()} == {office.clerk, office.leader}


def test_a_month_with_nothing_filed_can_be_submitted(office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk, expected_version=0)
    assert state(office, year, month).status == "submitted"
    assert not MonthlyFiling.objects.exists()


def test_clerks_cannot_approve_or_return(office):
    year, month = submitted(office)
    with pytest.raises(PermissionDenied):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.other_clerk)
    with pytest.raises(PermissionDenied):
        unit_month_return(unit=office.commune, year=year, month=month, user=office.other_clerk, reason="no")
    assert state(office, year, month).status == "submitted"


def test_leaders_approve_in_their_scope_but_not_their_own_submission(office):
    year, month = submitted(office, user=office.leader)
    with pytest.raises(PermissionDenied):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    with pytest.raises(PermissionDenied):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.outside_leader)
    # A leader assigned to the commune itself may decide on it.
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.commune_leader)
    assert state(office, year, month).status == "approved"


def test_only_submitted_months_can_be_decided(office):
    year, month = office.open_month
    with pytest.raises(ValidationError):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    save(office, office.clerk, year, month, 0, received_online=1)
    with pytest.raises(ValidationError) as refused:
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    assert f"A {month:02d}/{year}" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="x")
    assert state(office, year, month).status == "draft"


def test_an_approved_month_cannot_be_submitted_approved_or_returned_again(office):
    year, month = submitted(office)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    with pytest.raises(ValidationError):
        unit_month_submit(unit=office.commune, year=year, month=month, user=office.admin)
    with pytest.raises(ValidationError):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.admin)
    with pytest.raises(ValidationError):
        unit_month_return(unit=office.commune, year=year, month=month, user=office.admin, reason="x")


def test_a_return_needs_a_reason_and_shows_it(office):
    year, month = submitted(office)
    with pytest.raises(ValidationError) as refused:
        unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="  ")
    assert "reason" in refused.value.message_dict
    unit_month_return(
        unit=office.commune, year=year, month=month, user=office.leader, reason="Số tiếp nhận trực tuyến chưa khớp"
    )
    unit_month = state(office, year, month)
    assert (unit_month.status, unit_month.return_reason) == ("returned", "Số tiếp nhận trực tuyến chưa khớp")


def test_a_returned_month_is_corrected_and_submitted_again_keeping_its_first_submission(office):
    year, month = submitted(office)
    first = state(office, year, month).first_submitted_at
    unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="Sai số")
    unit_month = state(office, year, month)
    save(
        office,
        office.clerk,
        year,
        month,
        unit_month.version,
        submit=True,
        received_online=4,
        received_direct=1,
        resolved_on_time=5,
    )
    unit_month = state(office, year, month)
    assert (unit_month.status, unit_month.return_reason, unit_month.first_submitted_at) == ("submitted", "", first)
    assert MonthlyFiling.objects.get().received_online == 4


def test_the_return_reason_is_a_database_rule(office):
    year, month = office.open_month
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitMonth.objects.create(unit=office.commune, year=year, month=month, status="returned")


def test_only_admins_reopen_an_approved_month(office):
    year, month = submitted(office)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    for user in (office.clerk, office.leader):
        with pytest.raises(PermissionDenied):
            unit_month_reopen(unit=office.commune, year=year, month=month, user=user, reason="Sửa")
    unit_month_reopen(unit=office.commune, year=year, month=month, user=office.admin, reason="Sửa số liệu BCCI")
    unit_month = state(office, year, month)
    assert (unit_month.status, unit_month.return_reason, unit_month.decided_by) == (
        "returned",
        "Sửa số liệu BCCI",
        office.admin,
    )
    with pytest.raises(ValidationError):
        unit_month_reopen(unit=office.commune, year=year, month=month, user=office.admin, reason="again")


def test_allowed_actions_follow_the_rules(office):
    year, month = office.open_month
    unit = office.commune
    assert allowed_actions(unit, year, month, None, user=office.clerk) == {"save", "submit"}
    submitted(office)
    unit_month = state(office, year, month)
    assert allowed_actions(unit, year, month, unit_month, user=office.clerk) == set()
    assert allowed_actions(unit, year, month, unit_month, user=office.leader) == {"approve", "return"}
    assert allowed_actions(unit, year, month, unit_month, user=office.admin) == {"save", "approve", "return"}
    unit_month_approve(unit=unit, year=year, month=month, user=office.leader)
    unit_month = state(office, year, month)
    assert allowed_actions(unit, year, month, unit_month, user=office.leader) == set()
    assert allowed_actions(unit, year, month, unit_month, user=office.admin) == {"reopen"}


# --- locks ---------------------------------------------------------------------------------------


def approved(office):
    year, month = submitted(office)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    return year, month


def test_an_approved_month_is_locked_for_clerks_and_leaders(office):
    year, month = approved(office)
    for user in (office.clerk, office.leader):
        with pytest.raises(UnitMonthLocked) as refused:
            filings_upsert([office.row(year, month, received_online=99)], source=Source.FORM, user=user)
        message = refused.value.messages[0]
        assert message.startswith(f"A {month:02d}/{year}: ")
        assert refused.value.locked.keys() == {(office.commune.pk, year, month)}
    assert MonthlyFiling.objects.get().received_online == 3


def test_force_is_only_honoured_for_admins_and_keeps_the_status(office):
    year, month = approved(office)
    with pytest.raises(UnitMonthLocked):
        filings_upsert([office.row(year, month, received_online=99)], source=Source.FORM, user=office.clerk, force=True)
    with pytest.raises(UnitMonthLocked):
        filings_upsert([office.row(year, month, received_online=99)], source=Source.IMPORT, user=office.admin)
    version = state(office, year, month).version
    filings_upsert(
        [office.row(year, month, received_online=99)],
        source=Source.IMPORT,
        user=office.admin,
        force=True,
        note="bao-cao.xlsx",
    )
    assert MonthlyFiling.objects.get().received_online == 99
    unit_month = state(office, year, month)
    assert (unit_month.status, unit_month.version) == ("approved", version + 1)


def test_imports_without_a_user_respect_approval_unless_forced(office):
    year, month = approved(office)
    with pytest.raises(UnitMonthLocked):
        filings_upsert([office.row(year, month, received_online=7)], source=Source.IMPORT, note="f.xlsx")
    filings_upsert([office.row(year, month, received_online=7)], source=Source.IMPORT, note="f.xlsx", force=True)
    assert MonthlyFiling.objects.get().received_online == 7


def test_a_submitted_month_waits_for_the_leader(office):
    year, month = submitted(office)
    with pytest.raises(UnitMonthLocked) as refused:
        filings_upsert([office.row(year, month, received_online=8)], source=Source.FORM, user=office.clerk)
    assert refused.value.messages[0].startswith(f"A {month:02d}/{year}: ") and "clerk_a" in refused.value.messages[0]
    filings_upsert([office.row(year, month, received_online=8)], source=Source.ADMIN, user=office.admin)
    assert MonthlyFiling.objects.get().received_online == 8


def test_a_locked_write_writes_nothing_at_all(office):
    year, month = approved(office)
    other_month = (year, month - 1) if month > 1 else (year - 1, 12)
    rows = [office.row(*other_month, received_online=1), office.row(year, month, received_online=5)]
    before = (MonthlyFiling.history.count(), UnitMonth.history.count())
    with pytest.raises(UnitMonthLocked):
        filings_upsert(rows, source=Source.IMPORT, user=office.admin)
    assert MonthlyFiling.objects.count() == 1
    assert not UnitMonth.objects.filter(year=other_month[0], month=other_month[1]).exists()
    assert (MonthlyFiling.history.count(), UnitMonth.history.count()) == before


def test_the_lock_message_lists_every_locked_unit_month(office):
    year, month = approved(office)
    with pytest.raises(UnitMonthLocked) as refused:
        assert_writable(
            [(office.commune.pk, year, month), (office.commune.pk, 2019, 7), (office.other_commune.pk, year, month)],
            user=office.clerk,
        )
    assert [m.split(":")[0] for m in refused.value.messages] == ["A 07/2019", f"A {month:02d}/{year}"]


def test_a_delete_obeys_the_same_lock(office):
    year, month = approved(office)
    filing = MonthlyFiling.objects.get()
    with pytest.raises(UnitMonthLocked):
        filings_delete([filing], source=Source.ADMIN, user=office.admin)
    filings_delete([filing], source=Source.ADMIN, user=office.admin, force=True)
    assert not MonthlyFiling.objects.exists()


# --- the entry deadline --------------------------------------------------------------------------


def test_the_deadline_is_the_configured_number_of_days_after_the_month(settings):
    settings.FILINGS_ENTRY_CLOSE_DAYS = 10
    assert entry_deadline(2019, 7) == datetime.date(2019, 8, 10)
    assert entry_deadline(2019, 12) == datetime.date(2020, 1, 10)
    settings.FILINGS_ENTRY_CLOSE_DAYS = 5
    assert entry_deadline(2024, 2) == datetime.date(2024, 3, 5)


def test_a_closed_period_refuses_clerks(office):
    year, month = office.closed_month
    with pytest.raises(UnitMonthLocked) as refused:
        filings_upsert([office.row(year, month, received_online=1)], source=Source.FORM, user=office.clerk)
    assert refused.value.messages[0].startswith("A 07/2019: ")
    with pytest.raises(UnitMonthLocked):
        unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    assert not MonthlyFiling.objects.exists() and not UnitMonth.objects.exists()


def test_the_period_closes_the_day_after_the_deadline(office, settings):
    settings.FILINGS_ENTRY_CLOSE_DAYS = 10
    key = (office.commune.pk, 2019, 7)
    assert_writable([key], user=office.clerk, today=datetime.date(2019, 8, 10))
    with pytest.raises(UnitMonthLocked):
        assert_writable([key], user=office.clerk, today=datetime.date(2019, 8, 11))
    settings.FILINGS_ENTRY_CLOSE_DAYS = 30
    assert_writable([key], user=office.clerk, today=datetime.date(2019, 8, 30))


def test_an_exception_reopens_entry_for_one_unit_until_its_date(office):
    year, month = office.closed_month
    today = timezone.localdate()
    EntryException.objects.create(
        unit=office.commune, year=year, month=month, open_until=today, reason="Mất điện", granted_by=office.admin
    )
    filings_upsert(
        [office.row(year, month, received_online=1, pending_on_time=1)], source=Source.FORM, user=office.clerk
    )
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    with pytest.raises(UnitMonthLocked):
        assert_writable([(office.other_commune.pk, year, month)], user=office.clerk_b)
    with pytest.raises(UnitMonthLocked):
        assert_writable([(office.commune.pk, year, month - 1)], user=office.clerk)
    EntryException.objects.update(open_until=today - datetime.timedelta(days=1))
    with pytest.raises(UnitMonthLocked):
        assert_writable([(office.commune.pk, year, month)], user=office.clerk)


def test_admins_and_system_writes_are_not_held_by_the_deadline(office):
    year, month = office.closed_month
    filings_upsert([office.row(year, month, received_online=1)], source=Source.ADMIN, user=office.admin)
    filings_upsert([office.row(year, month, received_online=2)], source=Source.IMPORT, note="2019.xlsx")
    assert MonthlyFiling.objects.get().received_online == 2


def test_a_returned_month_stays_open_after_the_deadline(office):
    year, month = office.closed_month
    filings_upsert([office.row(year, month, received_online=1, resolved_early=1)], source=Source.IMPORT)
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.admin)
    unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="Thiếu BCCI")
    filings_upsert(
        [office.row(year, month, received_online=5, resolved_early=5)], source=Source.FORM, user=office.clerk
    )
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    assert state(office, year, month).status == "submitted"


# --- no lost updates -----------------------------------------------------------------------------


def test_a_second_save_on_a_stale_version_is_refused(office):
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, received_online=3)
    seen = state(office, year, month).version  # both clerks open the form at this version
    save(office, office.clerk, year, month, seen, received_online=5)
    with pytest.raises(VersionConflict) as refused:
        save(office, office.other_clerk, year, month, seen, received_online=9)
    assert MonthlyFiling.objects.get().received_online == 5
    conflict = refused.value.conflicts[0]
    assert (conflict.unit_code, conflict.expected, conflict.current) == ("A", seen, seen + 1)
    assert "clerk_a" in refused.value.messages[0]


def test_two_first_saves_of_a_new_month_do_not_overwrite_each_other(office):
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, received_online=3)
    with pytest.raises(VersionConflict):
        save(office, office.other_clerk, year, month, 0, received_online=4)
    assert MonthlyFiling.objects.get().received_online == 3


def test_a_save_that_changes_nothing_keeps_the_version(office):
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, received_online=3)
    save(office, office.clerk, year, month, 1, received_online=3)
    assert state(office, year, month).version == 1


def test_every_status_change_bumps_the_version_and_is_checked(office):
    year, month = submitted(office)
    version = state(office, year, month).version
    with pytest.raises(VersionConflict):
        unit_month_approve(
            unit=office.commune, year=year, month=month, user=office.leader, expected_version=version - 1
        )
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader, expected_version=version)
    assert state(office, year, month).version == version + 1


def test_an_import_in_between_makes_the_form_stale(office):
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, received_online=3)
    filings_upsert(
        [office.row(year, month, received_direct=40)],
        fields=["received_direct"],
        source=Source.IMPORT,
        note="iGate.xlsx",
    )
    with pytest.raises(VersionConflict):
        save(office, office.clerk, year, month, 1, received_online=4)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_save_waits_and_is_refused(office):
    """PostgreSQL: the second writer blocks on the row lock until the first commits, then sees the new version."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole transactions)")
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, received_online=1)
    outcome = {}
    holding = threading.Event()

    def second_clerk():
        holding.wait()
        try:
            save(office, office.other_clerk, year, month, 1, received_online=9)
            outcome["result"] = "saved"
        except VersionConflict:
            outcome["result"] = "refused"
        finally:
            connection.close()

    thread = threading.Thread(target=second_clerk)
    thread.start()
    with transaction.atomic():
        guard = write_guard(
            [office.row(year, month)], user=office.clerk, expected_versions={(office.commune.pk, year, month): 1}
        )
        holding.set()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second save must wait for the first transaction"
        MonthlyFiling.objects.filter(unit=office.commune).update(received_online=5)
        guard.written([office.row(year, month)], reason="form")
    thread.join(timeout=10)
    assert outcome == {"result": "refused"}
    assert MonthlyFiling.objects.get().received_online == 5


# --- four eyes and confirmed warnings ----------------------------------------------------------------


def test_nobody_approves_figures_they_entered_or_changed(office):
    """A leader types into a returned month, the clerk submits it unchanged: another leader must approve."""
    year, month = submitted(office)
    unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="Sai số")
    save(
        office,
        office.leader,
        year,
        month,
        state(office, year, month).version,
        received_online=3,
        received_direct=2,
        resolved_on_time=5,
    )
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    unit_month = state(office, year, month)
    assert approval_refusal(unit_month, user=office.leader)
    assert allowed_actions(office.commune, year, month, unit_month, user=office.leader) == {"return"}
    with pytest.raises(PermissionDenied):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    # Writing through an import counts the same, for administrators too.
    filings_upsert(
        [office.row(year, month, received_online=3, received_direct=2, resolved_on_time=5, returned_postal=1)],
        source=Source.IMPORT,
        user=office.admin,
        force=True,
    )
    assert approval_refusal(state(office, year, month), user=office.admin)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.second_leader)
    assert state(office, year, month).status == "approved"


def test_a_submission_with_warnings_needs_them_confirmed_and_keeps_them(office):
    year, month = office.open_month
    filings_upsert([office.row(year, month, received_online=5)], source=Source.FORM, user=office.clerk)
    with pytest.raises(WarningsNotConfirmed) as refused:
        unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    assert [flag.kind for flag in refused.value.flags] == ["balance"]
    assert state(office, year, month).status == "draft"
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk, confirm_warnings=True)
    unit_month = state(office, year, month)
    assert unit_month.status == "submitted" and "1.004227" in unit_month.submitted_warnings


def test_a_refused_submission_from_the_form_saves_nothing_either(office):
    year, month = office.open_month
    with pytest.raises(WarningsNotConfirmed):
        save(office, office.clerk, year, month, 0, submit=True, received_online=5)
    assert not MonthlyFiling.objects.exists() and not UnitMonth.objects.exists()


def test_a_month_in_which_the_unit_did_not_exist_is_locked_for_everyone(office):
    office.commune.valid_to = datetime.date(2025, 6, 30)
    office.commune.save()
    for user in (office.clerk, office.admin, None):
        with pytest.raises(UnitMonthLocked, match="30/06/2025"):
            assert_writable([(office.commune.pk, 2025, 7)], user=user, force=True)
    assert_writable([(office.commune.pk, 2025, 6)], user=office.admin)
    with pytest.raises(UnitMonthLocked):
        unit_month_submit(unit=office.commune, year=2025, month=7, user=office.admin)


# --- approving many months at once ---------------------------------------------------------------


def _import_year(office, unit, year):
    """A closed year of figures for `unit`, written by the system (an import on the command line)."""
    rows = [
        {**office.row(year, month, received_online=2, resolved_on_time=2), "unit_id": unit.pk} for month in range(1, 13)
    ]
    filings_upsert(rows, source=Source.IMPORT, note=f"{year}.xlsx")
    return [(unit.pk, year, month) for month in range(1, 13)]


def _aware(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_the_system_approves_many_months_at_once_with_their_history(office, django_assert_max_num_queries):
    keys = _import_year(office, office.commune, 2019) + _import_year(office, office.other_commune, 2019)
    # A month that a leader returned, and one that nobody ever started.
    unit_month_submit(unit=office.commune, year=2018, month=12, user=office.admin)
    first = state(office, 2018, 12).first_submitted_at
    unit_month_return(unit=office.commune, year=2018, month=12, user=office.leader, reason="Thiếu BCCI")
    keys += [(office.commune.pk, 2018, 12), (office.commune.pk, 2018, 11)]
    dates = {(office.commune.pk, 2019, 7): (_aware(2019, 8, 6, 9, 15), _aware(2019, 8, 8, 14, 0))}

    with django_assert_max_num_queries(20):  # the same few statements for 26 months as for one
        assert unit_months_approve_bulk(keys, user=None, source="import", dates=dates) == 26

    assert set(UnitMonth.objects.values_list("status", flat=True)) == {UnitMonthStatus.APPROVED}
    dated = state(office, 2019, 7)
    assert (dated.submitted_at, dated.first_submitted_at, dated.decided_at) == (
        _aware(2019, 8, 6, 9, 15),
        _aware(2019, 8, 6, 9, 15),
        _aware(2019, 8, 8, 14, 0),
    )
    assert (dated.submitted_by, dated.decided_by, dated.version, dated.submitted_warnings) == (None, None, 3, "")
    assert dated.first_submitted_at.date() <= entry_deadline(2019, 7)  # on time, as the records say
    history = list(dated.history.order_by("history_id"))
    assert [(h.status, h.history_type, h.history_change_reason, h.version) for h in history] == [
        ("draft", "+", "import: 2019.xlsx", 1),
        ("submitted", "~", "import", 2),
        ("approved", "~", "import", 3),
    ]
    assert history[2].decided_at == _aware(2019, 8, 8, 14, 0)
    # Undated months take the present moment.
    undated = state(office, 2019, 8)
    assert undated.first_submitted_at == undated.submitted_at <= undated.decided_at <= timezone.now()

    returned = state(office, 2018, 12)
    assert (returned.first_submitted_at, returned.return_reason) == (first, "")
    assert [h.status for h in returned.history.order_by("history_id")] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    created = state(office, 2018, 11)
    assert [h.status for h in created.history.order_by("history_id")] == ["draft", "submitted", "approved"]
    assert not MonthlyFiling.objects.filter(year=2018).exists()


def test_a_bulk_approval_keeps_the_rules_of_the_single_transitions(office):
    keys = _import_year(office, office.commune, 2019)
    for user in (office.clerk, office.leader):
        with pytest.raises(PermissionDenied):
            unit_months_approve_bulk(keys, user=user)
    unit_months_approve_bulk(keys[:1], user=None)
    with pytest.raises(ValidationError) as refused:  # an approved month is refused, and nothing changes
        unit_months_approve_bulk(keys[:2], user=None)
    assert [(error.code, error.message[:9]) for error in refused.value.error_list] == [
        ("invalid_transition", "A 01/2019")
    ]
    assert state(office, 2019, 2).status == UnitMonthStatus.DRAFT
    young = UnitFactory(code="C", name="Xã C", parent=office.district, valid_from=datetime.date(2020, 1, 1))
    with pytest.raises(UnitMonthLocked):
        unit_months_approve_bulk(keys[1:] + [(young.pk, 2019, 7)], user=None)
    assert state(office, 2019, 2).status == UnitMonthStatus.DRAFT
    assert not UnitMonth.objects.filter(unit=young).exists()
    with pytest.raises(ValueError):  # not in the future, and not decided before it was submitted
        unit_months_approve_bulk(keys[1:2], user=None, dates={keys[1]: (timezone.now(), _aware(2099, 1, 1))})
    with pytest.raises(ValueError):
        unit_months_approve_bulk(keys[1:2], user=None, dates={keys[1]: (_aware(2019, 3, 5), _aware(2019, 3, 4))})
    assert state(office, 2019, 2).status == UnitMonthStatus.DRAFT
    assert unit_months_approve_bulk([], user=None) == 0


def test_an_administrators_bulk_approval_keeps_four_eyes(office):
    year, month = office.open_month
    save(office, office.clerk, year, month, 0, submit=True, received_online=3, resolved_on_time=3)
    filings_upsert(
        [{**office.row(year, month, received_online=1, resolved_on_time=1), "unit_id": office.other_commune.pk}],
        source=Source.FORM,
        user=office.clerk_b,
    )
    unit_month_submit(unit=office.other_commune, year=year, month=month, user=office.clerk_b)
    # Figures the admin wrote, submitted by the system; and a draft the admin would submit himself.
    filings_upsert([office.row(2019, 7, received_online=1, resolved_on_time=1)], source=Source.ADMIN, user=office.admin)
    unit_month_submit(unit=office.commune, year=2019, month=7, user=None)
    filings_upsert([office.row(2019, 8, received_online=1)], source=Source.IMPORT)
    submitted_by_others = [(office.commune.pk, year, month), (office.other_commune.pk, year, month)]
    for own in ((office.commune.pk, 2019, 7), (office.commune.pk, 2019, 8)):
        with pytest.raises(PermissionDenied) as refused:
            unit_months_approve_bulk(submitted_by_others + [own], user=office.admin)
        assert f"A {own[2]:02d}/2019" in str(refused.value)
    assert set(UnitMonth.objects.values_list("status", flat=True)) == {"submitted", "draft"}
    unit_months_approve_bulk(submitted_by_others, user=office.admin, source="admin")
    approved_months = UnitMonth.objects.filter(status=UnitMonthStatus.APPROVED)
    assert sorted(approved_months.values_list("unit__code", "submitted_by__username", "decided_by__username")) == [
        ("A", "clerk_a", "admin"),
        ("B", "clerk_b", "admin"),
    ]
    assert {h.history_user for h in UnitMonth.history.filter(status=UnitMonthStatus.APPROVED)} == {office.admin}
    unit_months_approve_bulk([(office.commune.pk, 2019, 7), (office.commune.pk, 2019, 8)], user=None)
