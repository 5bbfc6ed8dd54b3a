"""The completeness table on a laptop and on a phone: it scrolls inside its own box, the rest of the page
staying within the screen, and the unit column stays in view while the months scroll."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from filings.models import UnitMonth
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Secret-123"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

# Every element outside `allowed` whose box passes the viewport's left or right edge.
OVERFLOW_JS = """
(allowed) => {
  const width = document.documentElement.clientWidth;
  const outside = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(allowed) && !el.matches(allowed)) continue;  // inside the scroll box: it may scroll
    if (el.closest(".visually-hidden, .skip-link")) continue;   // off screen on purpose
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      outside.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ${box.left}..${box.right}`);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, outside};
}
"""


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def year_of_wards(transactional_db):
    """A city's wards with long names, last year's twelve months in every status."""
    year = timezone.localdate().year - 1
    city = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    zone = timezone.get_current_timezone()
    statuses = ["approved", "approved", "submitted", "returned", "draft"]
    for number, name in enumerate(
        [
            "Phường Cẩm Thạch và khu dân cư mới ven biển",
            "Phường Cẩm Trung",
            "Xã Cộng Hòa (sáp nhập từ xã Cẩm Hải)",
            "Phường Mông Dương",
        ]
    ):
        ward = UnitFactory(code=f"0666{number}", name=name, parent=city)
        OfferingFactory(unit=ward, procedure=procedure)
        for month in range(1, 13):
            status = statuses[(month + number) % len(statuses)]
            submitted = (
                datetime.datetime(year + (month == 12), month % 12 + 1, 5 + month % 9, 9, tzinfo=zone)
                if status in ("approved", "submitted", "returned")
                else None
            )
            UnitMonth.objects.create(
                unit=ward,
                year=year,
                month=month,
                status=status,
                first_submitted_at=submitted,
                submitted_at=submitted,
                return_reason="Sai số" if status == "returned" else "",
            )
    UserFactory(username="lanhdao", first_name="Nguyễn Thị Hoa", role=Role.LEADER, units=[city])
    return year


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366px", "390px"])
def test_the_completeness_table_scrolls_in_its_own_box(page, live_server, year_of_wards, viewport, screenshot):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "lanhdao")
    page.goto(f"{live_server.url}/filings/completeness/?parent=195&period={year_of_wards}")
    table = page.locator("#completeness")
    expect(table).to_contain_text("Phường Mông Dương")

    layout = page.evaluate(OVERFLOW_JS, ".completeness-scroll")
    assert layout["outside"] == [], layout
    assert layout["scrollWidth"] <= layout["width"], layout

    # The box is never taller than the screen, so its horizontal scroll bar can be reached.
    scroll = page.locator(".completeness-scroll")
    assert scroll.bounding_box()["height"] <= viewport["height"]
    # Twelve months do not fit on a phone: the box scrolls, the unit column stays in view.
    box = scroll.evaluate(
        "el => ({client: el.clientWidth, scroll: el.scrollWidth, left: el.getBoundingClientRect().left})"
    )
    if viewport is PHONE:
        assert box["scroll"] > box["client"]
        unit_cell = table.locator('tr[data-unit="06663"] th')
        unit_cell.scroll_into_view_if_needed()
        before = unit_cell.bounding_box()["x"]
        scroll.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        assert scroll.evaluate("el => el.scrollLeft") > 0
        assert abs(unit_cell.bounding_box()["x"] - before) < 1
        # The month cells pass under it, not over it.
        x, y = unit_cell.bounding_box()["x"] + 5, unit_cell.bounding_box()["y"] + 5
        assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th') !== null", [x, y])
        scroll.evaluate("el => { el.scrollLeft = 0; }")
        screenshot(page, "completeness-phone")  # the laptop's is test_entry.py's "completeness"
