"""The audit trail: every write of figures, statuses, targets and offerings leaves a history row saying
who, when, the values, and where it came from (form, import, admin), bulk writes included."""

import datetime

import pytest
from django.urls import reverse

from filings.models import COUNT_FIELDS, EntryException, MonthlyFiling, UnitMonth
from filings.services import Source, filings_upsert
from filings.workflow import unit_month_approve, unit_month_submit
from procedures.models import Offering, ServiceLevel
from reports.models import Target
from tests.factories import TargetFactory, UnitFactory
from tests.filings.helpers import post_entry

pytestmark = pytest.mark.django_db


def form_post(client, office, year, month, **counts):
    version = UnitMonth.objects.filter(unit=office.commune).values_list("version", flat=True).first() or 0
    cells = {name: str(value) for name, value in counts.items()}
    return post_entry(client, office.commune, year, month, {office.procedure: cells}, version=version)


def last_filing_history():
    return MonthlyFiling.history.order_by("-history_id").first()


def test_a_form_save_is_recorded_with_the_clerk_and_the_form(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    form_post(client, office, year, month, received_online=3)
    form_post(client, office, year, month, received_online=5)
    history = list(MonthlyFiling.history.order_by("history_id"))
    assert [(h.history_type, h.received_online, h.history_user, h.history_change_reason) for h in history] == [
        ("+", 3, office.clerk, "form"),
        ("~", 5, office.clerk, "form"),
    ]
    changes = history[1].diff_against(history[0]).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("received_online", 3, 5)]
    status = UnitMonth.history.get()
    assert (status.history_user, status.history_change_reason, status.status) == (office.clerk, "form", "draft")


def test_a_bulk_import_records_every_row_and_every_new_unit_month(office):
    year, month = office.open_month
    units = [UnitFactory(parent=office.district) for _ in range(40)]
    rows = [
        {"unit_id": u.pk, "procedure_id": office.procedure.pk, "year": year, "month": month, "received_direct": i}
        for i, u in enumerate(units)
    ]
    filings_upsert(rows, fields=["received_direct"], source=Source.IMPORT, note="bao-cao-thang.xlsx", user=office.admin)
    assert (
        MonthlyFiling.history.filter(
            history_change_reason="import: bao-cao-thang.xlsx", history_user=office.admin
        ).count()
        == 40
    )
    assert UnitMonth.objects.filter(status="draft").count() == 40
    assert (
        UnitMonth.history.filter(
            history_change_reason="import: bao-cao-thang.xlsx", history_user=office.admin, history_type="+"
        ).count()
        == 40
    )
    rows[0]["received_direct"] = 99
    filings_upsert(rows, fields=["received_direct"], source=Source.IMPORT, note="sua.xlsx", user=office.admin)
    changed = MonthlyFiling.history.get(history_change_reason="import: sua.xlsx")
    assert (changed.history_type, changed.received_direct, changed.unit_id) == ("~", 99, units[0].pk)


def test_a_cli_import_without_a_user_is_recorded_as_the_import(office):
    filings_upsert([office.row(2019, 7, received_online=1)], source=Source.IMPORT, note="2019.xlsx")
    history = last_filing_history()
    assert (history.history_user, history.history_change_reason) == (None, "import: 2019.xlsx")


@pytest.fixture
def as_admin(client, office):
    client.force_login(office.admin)
    return client


def admin_form(office, **counts):
    data = {
        "unit": office.commune.pk,
        "procedure": office.procedure.pk,
        "year": 2019,
        "month": 7,
        "confirm_warnings": "on",
    }  # the figures do not balance
    data.update({name: counts.get(name, 0) for name in COUNT_FIELDS})
    return data


def test_an_admin_edit_goes_through_the_write_path_and_is_recorded(as_admin, office):
    response = as_admin.post(reverse("admin:filings_monthlyfiling_add"), admin_form(office, received_online=4))
    assert response.status_code == 302, response.content.decode()[:2000]
    filing = MonthlyFiling.objects.get()
    change = reverse("admin:filings_monthlyfiling_change", args=[filing.pk])
    data = {name: getattr(filing, name) for name in COUNT_FIELDS} | {"received_online": 6, "confirm_warnings": "on"}
    assert as_admin.post(change, data).status_code == 302
    history = list(MonthlyFiling.history.order_by("history_id"))
    assert [(h.history_type, h.received_online, h.history_user, h.history_change_reason) for h in history] == [
        ("+", 4, office.admin, "admin"),
        ("~", 6, office.admin, "admin"),
    ]
    assert UnitMonth.objects.get().version == 2


def test_the_admin_form_refuses_an_approved_month_unless_forced(as_admin, office):
    filings_upsert([office.row(2019, 7, received_online=1, resolved_early=1)], source=Source.IMPORT)
    unit_month_submit(unit=office.commune, year=2019, month=7, user=office.admin)
    unit_month_approve(unit=office.commune, year=2019, month=7, user=office.leader)
    filing = MonthlyFiling.objects.get()
    change = reverse("admin:filings_monthlyfiling_change", args=[filing.pk])
    data = {name: getattr(filing, name) for name in COUNT_FIELDS} | {"received_online": 6, "resolved_early": 6}
    response = as_admin.post(change, data)
    assert response.status_code == 200 and "A 07/2019" in response.content.decode()
    assert MonthlyFiling.objects.get().received_online == 1
    assert as_admin.post(change, data | {"force": "on"}).status_code == 302
    assert MonthlyFiling.objects.get().received_online == 6
    assert last_filing_history().history_change_reason == "admin"
    # Deleting an approved month's row is not offered: reopen it first.
    assert (
        as_admin.post(reverse("admin:filings_monthlyfiling_delete", args=[filing.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert MonthlyFiling.objects.exists()


def test_an_admin_delete_is_recorded(as_admin, office):
    filings_upsert([office.row(2019, 7, received_online=1)], source=Source.IMPORT)
    filing = MonthlyFiling.objects.get()
    response = as_admin.post(reverse("admin:filings_monthlyfiling_delete", args=[filing.pk]), {"post": "yes"})
    assert response.status_code == 302 and not MonthlyFiling.objects.exists()
    history = last_filing_history()
    assert (history.history_type, history.history_user, history.history_change_reason) == ("-", office.admin, "admin")


def test_status_changes_are_recorded_with_who_and_why(office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader, source="admin")
    history = list(UnitMonth.history.order_by("history_id"))
    assert [(h.status, h.history_user, h.history_change_reason) for h in history] == [
        ("submitted", office.clerk, "form"),
        ("approved", office.leader, "admin"),
    ]


def test_targets_offerings_and_exceptions_edited_in_the_admin_say_admin(as_admin, office):
    target = TargetFactory(unit=office.commune, year=2019, kpi="online_rate", target=30)
    response = as_admin.post(
        reverse("admin:reports_target_change", args=[target.pk]),
        {"unit": office.commune.pk, "year": 2019, "kpi": "online_rate", "target": "35"},
    )
    assert response.status_code == 302
    record = Target.history.order_by("-history_id").first()
    assert (record.target, record.history_user, record.history_change_reason) == (35, office.admin, "admin")

    offering = Offering.objects.get(unit=office.commune)
    response = as_admin.post(
        reverse("admin:procedures_offering_change", args=[offering.pk]),
        {
            "unit": office.commune.pk,
            "procedure": office.procedure.pk,
            "service_level": ServiceLevel.PARTIAL,
            "valid_from": "",
        },
    )
    assert response.status_code == 302
    record = Offering.history.order_by("-history_id").first()
    assert (record.service_level, record.history_user, record.history_change_reason) == (
        "partial",
        office.admin,
        "admin",
    )

    response = as_admin.post(
        reverse("admin:filings_entryexception_add"),
        {"unit": office.commune.pk, "year": 2019, "month": 7, "open_until": "2030-01-31", "reason": "Mất mạng"},
    )
    assert response.status_code == 302
    exception = EntryException.objects.get()
    assert (exception.granted_by, exception.open_until) == (office.admin, datetime.date(2030, 1, 31))
    record = exception.history.get()
    assert (record.history_user, record.history_change_reason) == (office.admin, "admin")


def test_unit_months_are_read_only_in_the_admin(as_admin, office):
    year, month = office.open_month
    unit_month = unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    assert as_admin.get(reverse("admin:filings_unitmonth_changelist")).status_code == 200
    response = as_admin.post(reverse("admin:filings_unitmonth_change", args=[unit_month.pk]), {"status": "approved"})
    assert response.status_code == 403
    assert UnitMonth.objects.get().status == "submitted"


def test_deleting_a_user_keeps_the_history_of_their_changes(client, office):
    """The history's user column has no database constraint (filings.audit.UnitMonthHistory): Django still
    sets it to NULL when the user goes, and the changes stay."""
    year, month = office.open_month
    client.force_login(office.clerk)
    form_post(client, office, year, month, received_online=3)
    client.logout()
    office.clerk.delete()
    history = MonthlyFiling.history.get()
    status = UnitMonth.history.get()
    assert (history.history_user_id, history.received_online, status.history_user_id) == (None, 3, None)
