"""Log in through the form, read the home table in Vietnamese, switch to English."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from procedures.models import ServiceLevel
from tests.factories import (
    FilingFactory,
    OfferingFactory,
    ProcedureFactory,
    TargetFactory,
    UnitFactory,
    UserFactory,
)
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def cam_pha(transactional_db):
    """Cẩm Phả, January to July 2019, after DOMAIN.md: the centre's 929 / 3553, the communes' 2916 / 10717."""
    district = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    centre = UnitFactory(
        code="195.TTHCC", name="Trung tâm Hành chính công thành phố", kind=UnitKind.CENTER, parent=district
    )
    UnitFactory(code="195.PTP", name="Phòng Tư pháp", kind=UnitKind.DEPARTMENT, parent=district)
    full, partial, desk_only, commune_partial = (
        ProcedureFactory(code=code) for code in ["1.004227", "2.000908", "1.001193", "2.000635"]
    )
    for unit, level in [(centre, ServiceLevel.FULL)]:
        OfferingFactory(unit=unit, procedure=full, service_level=level)
    OfferingFactory(unit=centre, procedure=partial, service_level=ServiceLevel.PARTIAL)
    OfferingFactory(unit=centre, procedure=desk_only, service_level=ServiceLevel.NONE)
    # (online, direct) split over two procedures offered online; the desk-only procedure adds 500 filings.
    FilingFactory(
        unit=centre,
        procedure=full,
        month=3,
        received_online=700,
        received_direct=1600,
        received_postal=37,
        resolved_early=1500,
        resolved_on_time=600,
        resolved_late=90,
        returned_postal=512,
    )
    FilingFactory(
        unit=centre,
        procedure=partial,
        month=5,
        received_online=229,
        received_direct=987,
        resolved_early=700,
        resolved_on_time=350,
        resolved_late=60,
    )
    FilingFactory(
        unit=centre, procedure=desk_only, month=6, received_direct=500, resolved_on_time=480, resolved_late=20
    )
    communes = [
        ("06658", "Phường Cẩm Thạch", 1210, 3905, 120, 12),
        ("06661", "Phường Cẩm Trung", 986, 3702, 136, 9),
        ("06670", "Xã Cộng Hòa", 720, 3110, 80, 5),
    ]
    for code, name, online, total, returned, postal in communes:
        commune = UnitFactory(code=code, name=name, parent=district)
        OfferingFactory(unit=commune, procedure=full, service_level=ServiceLevel.FULL)
        OfferingFactory(unit=commune, procedure=commune_partial, service_level=ServiceLevel.PARTIAL)
        OfferingFactory(unit=commune, procedure=desk_only, service_level=ServiceLevel.NONE)
        FilingFactory(
            unit=commune,
            procedure=full,
            month=4,
            received_online=online,
            received_direct=total - online - postal,
            received_postal=postal,
            resolved_early=total // 2,
            resolved_on_time=total // 3,
            resolved_late=total // 20,
            returned_postal=returned,
        )
        TargetFactory(unit=commune, year=2019, kpi="online_rate_eligible", target=30)
        TargetFactory(unit=commune, year=2019, kpi="online_rate", target=25)
    TargetFactory(unit=district, year=2019, kpi="online_rate_eligible", target=30)
    TargetFactory(unit=district, year=2019, kpi="online_rate", target=25)
    TargetFactory(unit=district, year=2019, kpi="on_time_rate", target=95)
    UserFactory(username="lanhdao", first_name="Nguyễn Thị Hoa", role=Role.LEADER, units=[district])
    return district


def log_in(page, live_server, password=PASSWORD):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_bad_password_shows_the_error(page, live_server, cam_pha):
    log_in(page, live_server, password="sai-mat-khau")
    expect(page.get_by_role("alert")).to_contain_text("mật khẩu chính xác")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_log_in_read_the_figures_and_switch_to_english(page, live_server, cam_pha, screenshot):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    screenshot(page, "login")

    log_in(page, live_server)
    expect(page.get_by_role("heading", name="Chỉ số dịch vụ công trực tuyến")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Nguyễn Thị Hoa")
    expect(page.locator("header")).to_contain_text("Lãnh đạo")

    page.get_by_label("Kỳ báo cáo").fill("2019-01..2019-07")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".page-head__period")).to_contain_text("từ tháng 01/2019 đến tháng 07/2019")

    table = page.get_by_role("table")
    district = table.locator("tr.row-root", has_text="Thành phố Cẩm Phả")
    expect(district).to_contain_text("26,94%")
    expect(district).to_contain_text("3.845 / 14.270")
    expect(district).to_contain_text("848")
    expect(district).to_contain_text("Chưa đạt")
    centre = table.locator("tr.row-child", has_text="195.TTHCC")
    expect(centre).to_be_visible()
    expect(centre).to_contain_text("26,15%")
    expect(centre).to_contain_text("929 / 3.553")
    expect(table.locator("tr.row-child", has_text="Phòng Tư pháp")).to_contain_text("—")
    screenshot(page, "home")

    # The children fold away and come back.
    page.locator("tr.row-root .unit__toggle-label").first.click()
    expect(centre).to_be_hidden()
    page.locator("tr.row-root .unit__toggle-label").first.click()
    expect(centre).to_be_visible()

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Online public service indicators")).to_be_visible()
    expect(page.locator(".page-head__period")).to_contain_text("01/2019 to 07/2019")
    centre = page.get_by_role("table").locator("tr.row-child", has_text="195.TTHCC")
    expect(centre).to_contain_text("26.15%")
    expect(centre).to_contain_text("929 / 3,553")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
