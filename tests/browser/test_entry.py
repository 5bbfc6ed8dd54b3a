"""Monthly entry in Chromium: a clerk types a month with the keyboard alone and submits it; a leader
approves it; a month returned with a reason shows the reason to the clerk. The sizes and shapes users
have are in test_entry_at_size.py."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from filings.models import COUNT_FIELDS, MonthlyFiling, UnitMonth
from filings.services import Source, filings_upsert
from filings.workflow import unit_month_submit
from procedures.models import ServiceLevel
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def commune(transactional_db):
    """Phường Cẩm Thạch offers two procedures; a clerk enters its figures, the city's leader approves them."""
    district = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    commune = UnitFactory(code="06658", name="Phường Cẩm Thạch", parent=district)
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    copy = ProcedureFactory(code="2.000908", name="Chứng thực bản sao từ bản chính")
    OfferingFactory(unit=commune, procedure=birth, service_level=ServiceLevel.FULL)
    OfferingFactory(unit=commune, procedure=copy, service_level=ServiceLevel.PARTIAL)
    UserFactory(username="canbo", first_name="Trần Văn Nam", role=Role.CLERK, units=[commune])
    UserFactory(username="lanhdao", first_name="Nguyễn Thị Hoa", role=Role.LEADER, units=[district])
    UserFactory(username="quantri", role=Role.ADMIN, is_staff=True, is_superuser=True)
    return commune


def this_month():
    today = timezone.localdate()
    return today.year, today.month


def previous_month():
    first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return first.year, first.month


def log_in(page, live_server, username):
    """The login form, by keyboard: the username field has the focus; Tab to the password; Enter."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def entry_url(live_server, code, year, month):
    return f"{live_server.url}/filings/{code}/{year}-{month:02d}/"


def cell(row, field):
    """A row's input of one count (the inputs are in the form's column order)."""
    return row.locator("input").nth(COUNT_FIELDS.index(field))


def test_a_clerk_enters_and_submits_a_month_with_the_keyboard(page, live_server, commune, screenshot):
    year, month = this_month()
    log_in(page, live_server, "canbo")

    # The start page: the unit is preselected; type the month and press Enter.
    page.goto(f"{live_server.url}/filings/")
    page.locator("#id_month").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{month:02d}/{year}")
    page.keyboard.press("Enter")
    expect(page).to_have_url(entry_url(live_server, "06658", year, month))

    # The first cell has the focus; Tab walks the row, then the next row.
    first = page.locator("tr[data-row]").nth(0)
    second = page.locator("tr[data-row]").nth(1)
    expect(cell(first, "carried_over")).to_be_focused()
    # carried over, online, desk, post, early, on time, late, pending on time, overdue, returned by post
    for value in ["2", "12", "30", "1", "20", "15", "3", "6", "1", "2"]:
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    expect(cell(second, "carried_over")).to_be_focused()
    for value in ["0", "1.000", "500", "0", "900", "500", "0", "100", "0", "0"]:
        page.keyboard.type(value)
        page.keyboard.press("Tab")

    # The totals of the form follow the typing, and the online rate of the month: 1012 / 1543.
    expect(first.locator('[data-total="new"]')).to_have_text("43")
    expect(first.locator('[data-total="resolved"]')).to_have_text("38")
    expect(first.locator(".balance--ok")).to_be_visible()
    expect(second.locator('[data-total="new"]')).to_have_text("1.500")
    expect(page.locator('tfoot [data-sum-total="new"]')).to_have_text("1.543")
    expect(page.locator("#online-rate")).to_have_text("65,59%")

    # Enter goes down a column; an unbalanced row is flagged as typed.
    cell(first, "received_online").focus()
    page.keyboard.press("Enter")
    expect(cell(second, "received_online")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(cell(first, "received_online")).to_be_focused()
    page.keyboard.press("ArrowRight")  # the text is selected: the caret is not at its end yet
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect(cell(first, "received_direct")).to_be_focused()
    page.keyboard.type("31")  # the whole cell was selected: 30 becomes 31
    expect(first.locator(".balance--off")).to_be_visible()
    expect(page.locator("#online-rate")).to_have_text("65,54%")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("30")
    expect(first.locator(".balance--ok")).to_be_visible()
    screenshot(page, "entry-grid")

    # Ctrl+S saves the draft.
    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("#status")).to_have_attribute("data-status", "draft")
    assert MonthlyFiling.objects.filter(unit=commune).count() == 2
    assert sorted(MonthlyFiling.objects.values_list("received_online", flat=True)) == [12, 1000]

    # Tab to "Save and submit" and press Enter.
    cell(page.locator("tr[data-row]").last, "returned_postal").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "save-submit":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_attribute("data-status", "submitted")
    expect(page.locator("tr[data-row] input")).to_have_count(0)
    assert UnitMonth.objects.get(unit=commune).status == "submitted"
    screenshot(page, "entry-submitted")


def test_a_leader_approves_a_submitted_month(page, live_server, commune, screenshot):
    year, month = this_month()
    clerk = commune.users.get(username="canbo")
    filings_upsert(
        [
            {
                "unit_id": commune.pk,
                "procedure_id": commune.offerings.first().procedure_id,
                "year": year,
                "month": month,
                "received_online": 40,
                "received_direct": 60,
                "resolved_on_time": 100,
            }
        ],
        source=Source.FORM,
        user=clerk,
    )
    unit_month_submit(unit=commune, year=year, month=month, user=clerk)

    log_in(page, live_server, "lanhdao")
    page.goto(f"{live_server.url}/filings/")
    awaiting = page.locator("#awaiting")
    expect(awaiting).to_contain_text("06658")
    awaiting.get_by_role("link").first.click()
    expect(page).to_have_url(entry_url(live_server, "06658", year, month))
    expect(page.locator("#online-rate")).to_have_text("40,00%")
    # The decision box is at the top, with the month's figures and what the checks found.
    expect(page.locator("#approve")).to_be_visible()
    expect(page.locator("#comparison")).to_contain_text("40,00%")
    expect(page.locator("#decision-warnings")).to_contain_text("Không có cảnh báo")
    screenshot(page, "entry-decision")
    page.locator("#approve").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "approved")
    assert UnitMonth.objects.get(unit=commune).status == "approved"

    page.locator("#history-link").click()
    expect(page.locator("#history")).to_contain_text("Trần Văn Nam")
    expect(page.locator("#history")).to_contain_text("Nguyễn Thị Hoa")
    screenshot(page, "entry-history")


def test_a_returned_month_shows_its_reason_to_the_clerk(page, live_server, commune, screenshot):
    year, month = previous_month()  # closed for entry by now, or soon: a returned month stays open
    admin = commune.users.model.objects.get(username="quantri")
    filings_upsert(
        [
            {
                "unit_id": commune.pk,
                "procedure_id": commune.offerings.first().procedure_id,
                "year": year,
                "month": month,
                "received_online": 5,
                "received_direct": 5,
            }
        ],
        source=Source.IMPORT,
        note="igate.xlsx",
    )
    unit_month_submit(unit=commune, year=year, month=month, user=admin, confirm_warnings=True)

    log_in(page, live_server, "lanhdao")
    page.goto(entry_url(live_server, "06658", year, month))
    page.locator("#return-reason-input").fill("Số hồ sơ trực tuyến chưa khớp với iGate, đề nghị kiểm tra lại.")
    page.locator("#return").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "returned")
    page.get_by_role("button", name=re.compile("Đăng xuất|Log out")).click()

    log_in(page, live_server, "canbo")
    page.goto(f"{live_server.url}/filings/")
    expect(page.locator("#returned")).to_contain_text("chưa khớp với iGate")
    page.locator("#returned").get_by_role("link").first.click()
    expect(page.locator("#return-reason")).to_contain_text(
        "Số hồ sơ trực tuyến chưa khớp với iGate, đề nghị kiểm tra lại."
    )
    expect(page.locator("#return-reason")).to_contain_text("Nguyễn Thị Hoa")
    # The clerk can correct it, even past the entry deadline.
    expect(page.locator("tr[data-row] input").first).to_be_editable()
    screenshot(page, "entry-returned")


def test_completeness_page(page, live_server, commune, screenshot):
    """Last year's fourth quarter for three wards: approved, late, returned and missing months."""
    year = timezone.localdate().year - 1
    district = commune.parent
    procedure = commune.offerings.first().procedure
    trung = UnitFactory(code="06661", name="Phường Cẩm Trung", parent=district)
    cong_hoa = UnitFactory(code="06670", name="Xã Cộng Hòa", parent=district)
    for unit in (trung, cong_hoa):
        OfferingFactory(unit=unit, procedure=procedure)
    zone = timezone.get_current_timezone()

    def month(unit, number, status, submitted_day=None):
        first = (
            datetime.datetime(year + (number == 12), number % 12 + 1, submitted_day, 9, tzinfo=zone)
            if submitted_day
            else None
        )
        UnitMonth.objects.create(
            unit=unit,
            year=year,
            month=number,
            status=status,
            first_submitted_at=first,
            submitted_at=first,
            return_reason="Sai số" if status == "returned" else "",
        )

    for number in (10, 11, 12):
        month(commune, number, "approved", 5)
    month(trung, 10, "approved", 9)
    month(trung, 11, "submitted", 14)
    month(trung, 12, "returned", 8)
    month(cong_hoa, 10, "draft")
    log_in(page, live_server, "lanhdao")
    page.goto(f"{live_server.url}/filings/completeness/?parent=195&period={year}-Q4")
    table = page.locator("#completeness")
    expect(table).to_contain_text("Xã Cộng Hòa")
    expect(table.locator('tr[data-unit="06661"] td[data-status="returned"]')).to_have_count(1)
    # 5 of 9 due unit-months submitted or approved; 4 of them by the deadline.
    expect(page.locator("#reporting-rate")).to_have_text("55,56%")
    expect(page.locator("#on-time-rate")).to_have_text("44,44%")
    screenshot(page, "completeness")
