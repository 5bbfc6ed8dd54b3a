"""Monthly entry at the sizes and with the checks users have, in Chromium: a province's centre offering
2,000 procedures saves, submits and gets approved; a figure far from the unit's recent months is flagged
as it is typed and must be confirmed; a leader who changed figures cannot approve them (four eyes)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, User
from core.periods import Month
from filings.models import MonthlyFiling, UnitMonth
from filings.services import Source, filings_upsert
from filings.workflow import unit_month_return, unit_month_submit
from procedures.models import Field, Offering, Procedure, ServiceLevel
from procedures.services import offerings_write
from tests.browser.test_entry import cell, entry_url, log_in
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

SIZE = 2000


def this_month():
    return Month.of(timezone.localdate())


def log_out(page):
    page.get_by_role("button", name=re.compile("Đăng xuất|Log out")).click()


@pytest.fixture
def centre(transactional_db):
    """Tỉnh Quảng Nam's Public Administration Centre offers 2,000 procedures: 1,200 online, 800 not; last
    month it had figures for 150 of them."""
    province = UnitFactory(code="49", name="Tỉnh Quảng Nam", kind=UnitKind.PROVINCE)
    centre = UnitFactory(
        code="49.TTHCC", name="Trung tâm Phục vụ hành chính công tỉnh", kind=UnitKind.CENTER, parent=province
    )
    other = Field.objects.create(code="KHAC", name="Khác")
    Procedure.objects.bulk_create(
        [Procedure(code=f"1.{i:06d}", name=f"Thủ tục số {i} của lĩnh vực {i % 40}", field=other) for i in range(SIZE)]
    )
    procedures = list(Procedure.objects.order_by("code"))
    offerings_write(
        create=[
            Offering(unit=centre, procedure=p, service_level=ServiceLevel.FULL if i < 1200 else ServiceLevel.NONE)
            for i, p in enumerate(procedures)
        ],
        reason="test",
    )
    previous = this_month().shift(-1)
    filings_upsert(
        [
            {
                "unit_id": centre.pk,
                "procedure_id": p.pk,
                "year": previous.year,
                "month": previous.month,
                "received_online": 6,
                "received_direct": 4,
                "resolved_on_time": 10,
            }
            for p in procedures[:150]
        ],
        source=Source.IMPORT,
    )
    UserFactory(username="canbo", first_name="Lê Thị Thu", role=Role.CLERK, units=[centre])
    UserFactory(username="lanhdao", first_name="Phan Văn Hải", role=Role.LEADER, units=[province])
    return centre


def test_a_centre_of_2000_procedures_saves_submits_and_is_approved(page, live_server, centre, screenshot):
    month = this_month()
    log_in(page, live_server, "canbo")
    page.goto(entry_url(live_server, "49.TTHCC", month.year, month.month))
    rows = page.locator("tr[data-row]")
    # Last month's 150 procedures and those offered online first, 300 rows; the other 1,700 folded.
    expect(rows).to_have_count(300)
    expect(page.locator("#show-folded")).to_contain_text("1700")

    first = rows.nth(0)
    expect(cell(first, "carried_over")).to_be_focused()
    for value in ["0", "8", "2", "0", "4", "6", "0", "0", "0", "0"]:
        page.keyboard.type(value)
        page.keyboard.press("Tab")

    # A procedure folded away (not online, no figures) is found by its code and typed into.
    page.locator("#grid-search").fill("1.001999")
    found = page.locator("#found-rows tr[data-row]")
    expect(found).to_have_count(1)
    expect(page.locator("tr[data-row]:visible")).to_have_count(1)
    cell(found, "received_direct").fill("3")
    cell(found, "resolved_on_time").fill("3")
    expect(found.locator(".balance--ok")).to_be_visible()
    page.locator("#grid-search").fill("")
    # The folded ones come 300 at a time.
    page.locator("#show-folded").click()
    expect(rows).to_have_count(601)
    screenshot(page, "entry-large")

    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_contain_text("2")
    stored = MonthlyFiling.objects.filter(unit=centre, year=month.year, month=month.month)
    assert sorted(stored.values_list("procedure__code", "received_online", "received_direct")) == [
        ("1.000000", 8, 2),
        ("1.001999", 0, 3),
    ]
    # One unchanged row is never sent again: the next save changes nothing.
    # (The reloaded page of 600 rows shows its message before its script has bound Ctrl+S.)
    expect(page.locator("[data-entry-grid][data-ready]")).to_be_attached()
    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_contain_text(re.compile("Không có thay đổi|Nothing changed"))

    page.locator("#save-submit").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "submitted")
    log_out(page)

    log_in(page, live_server, "lanhdao")
    page.goto(entry_url(live_server, "49.TTHCC", month.year, month.month))
    expect(page.locator("#decision")).to_be_visible()
    expect(page.locator("#comparison")).to_contain_text("13")  # new filings: 10 + 3
    page.locator("#approve").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "approved")
    assert UnitMonth.objects.get(unit=centre, year=month.year, month=month.month).status == "approved"


@pytest.fixture
def ward(transactional_db):
    """Phường Tân An receives about 100 birth registrations a month, 40% online, for the last six months."""
    district = UnitFactory(code="502", name="Thành phố Tam Kỳ", kind=UnitKind.DISTRICT)
    ward = UnitFactory(code="20314", name="Phường Tân An", parent=district)
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    OfferingFactory(unit=ward, procedure=birth, service_level=ServiceLevel.FULL)
    now = this_month()
    filings_upsert(
        [
            {
                "unit_id": ward.pk,
                "procedure_id": birth.pk,
                "year": m.year,
                "month": m.month,
                "received_online": 40 + i,
                "received_direct": 60 - i,
                "resolved_on_time": 100,
            }
            for i, m in enumerate(now.shift(-k) for k in range(1, 7))
        ],
        source=Source.IMPORT,
    )
    UserFactory(username="canbo", first_name="Võ Thị Lan", role=Role.CLERK, units=[ward])
    UserFactory(username="lanhdao", first_name="Trần Quốc Bảo", role=Role.LEADER, units=[district])
    UserFactory(username="lanhdao2", first_name="Nguyễn Văn Tâm", role=Role.LEADER, units=[district])
    return ward


def test_a_figure_far_from_recent_months_is_flagged_and_must_be_confirmed(page, live_server, ward, screenshot):
    month = this_month()
    log_in(page, live_server, "canbo")
    page.goto(entry_url(live_server, "20314", month.year, month.month))
    row = page.locator("tr[data-row]").first
    # A typing slip: 1000 filings at the desk instead of 100.
    for field, value in (("received_online", "40"), ("received_direct", "1000"), ("resolved_on_time", "1040")):
        cell(row, field).fill(value)
    expect(row.locator(".flag")).to_be_visible()
    expect(row).to_have_class(re.compile("is-flagged"))
    expect(page.locator("#warning-count")).not_to_have_text("0")

    page.locator("#save-submit").click()
    # Refused: nothing saved, the warnings listed, the box to tick.
    expect(page.locator("#unconfirmed")).to_be_visible()
    expect(page.locator("#flag-list")).to_contain_text("1.001193")
    assert not MonthlyFiling.objects.filter(year=month.year, month=month.month).exists()
    screenshot(page, "entry-warnings")
    page.locator("#confirm-warnings").check()
    page.locator("#save-submit").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "submitted")
    assert MonthlyFiling.objects.get(year=month.year, month=month.month).received_direct == 1000
    assert "1.001193" in UnitMonth.objects.get(year=month.year, month=month.month).submitted_warnings
    log_out(page)

    # The leader sees the warning beside the approve button.
    log_in(page, live_server, "lanhdao")
    page.goto(entry_url(live_server, "20314", month.year, month.month))
    expect(page.locator("#decision-warnings")).to_contain_text("1.001193")
    expect(page.locator("#approve")).to_be_visible()


def test_a_leader_never_approves_figures_they_changed(page, live_server, ward, screenshot):
    month = this_month()
    birth = Procedure.objects.get(code="1.001193")
    clerk, leader = (User.objects.get(username=name) for name in ("canbo", "lanhdao"))
    filings_upsert(
        [
            {
                "unit_id": ward.pk,
                "procedure_id": birth.pk,
                "year": month.year,
                "month": month.month,
                "received_online": 45,
                "received_direct": 55,
                "resolved_on_time": 100,
            }
        ],
        source=Source.FORM,
        user=clerk,
    )
    unit_month_submit(unit=ward, year=month.year, month=month.month, user=clerk)
    unit_month_return(unit=ward, year=month.year, month=month.month, user=leader, reason="Kiểm tra lại số trực tiếp")

    # The leader corrects the returned month themselves...
    log_in(page, live_server, "lanhdao")
    page.goto(entry_url(live_server, "20314", month.year, month.month))
    row = page.locator("tr[data-row]").first
    cell(row, "received_direct").fill("54")
    cell(row, "resolved_on_time").fill("99")
    page.locator("#save-draft").click()
    expect(page.locator(".messages")).to_be_visible()
    log_out(page)
    # ...the clerk submits it unchanged...
    log_in(page, live_server, "canbo")
    page.goto(entry_url(live_server, "20314", month.year, month.month))
    page.locator("#save-submit").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "submitted")
    log_out(page)
    # ...and the leader cannot approve it: another leader must.
    log_in(page, live_server, "lanhdao")
    page.goto(entry_url(live_server, "20314", month.year, month.month))
    expect(page.locator("#approve")).to_have_count(0)
    expect(page.locator("#decision-refusal")).to_be_visible()
    screenshot(page, "entry-four-eyes")
    log_out(page)
    log_in(page, live_server, "lanhdao2")
    page.goto(entry_url(live_server, "20314", month.year, month.month))
    page.locator("#approve").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "approved")


def test_a_dissolved_commune_offers_no_month_after_its_end(page, live_server, transactional_db):
    """Communes merged in the 2025 reform keep their history, but no month after June 2025 is open."""
    old = UnitFactory(code="06766", name="Phường Cẩm Sơn", valid_to=datetime.date(2025, 6, 30))
    OfferingFactory(unit=old)
    UserFactory(username="canbo", role=Role.CLERK, units=[old])
    log_in(page, live_server, "canbo")
    page.goto(f"{live_server.url}/filings/?unit=06766&month=07%2F2025")
    expect(page.locator(".form__error")).to_contain_text("30/06/2025")
    page.goto(entry_url(live_server, "06766", 2025, 7))
    expect(page.locator("#lock-reason")).to_contain_text("30/06/2025")
    expect(page.locator("tr[data-row] input")).to_have_count(0)
    page.goto(entry_url(live_server, "06766", 2025, 6))
    expect(page.locator("a", has_text="07/2025")).to_have_count(0)
