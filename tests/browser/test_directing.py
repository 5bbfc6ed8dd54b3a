"""In a browser: a ward's clerk reports a task of the city's directive done, and the city's leader confirms
it on the directive's page (screenshots directive-*.png with UPDATE_SCREENSHOTS=1)."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from directing.models import TaskAssignment, TaskReport
from directing.services.directives import assignments_add, directive_save, task_save
from tests.factories import UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def directive(transactional_db):
    city = UnitFactory(code="436", name="Thành phố Hà Tĩnh", kind=UnitKind.DISTRICT)
    for code, name in [("436.VANYEN", "Phường Văn Yên"), ("436.NAMHA", "Phường Nam Hà")]:
        UnitFactory(code=code, name=name, parent=city)
    found = directive_save(
        number="1574/UBND-VHTT",
        issued=datetime.date(2019, 7, 4),
        issuer=city,
        title="Về việc đẩy mạnh tuyên truyền dịch vụ công trực tuyến",
    )
    task = task_save(found, title="Treo pano, khẩu hiệu tại Bộ phận Một cửa", deadline=datetime.date(2019, 8, 9))
    assignments_add(task, all_communes_under=city)
    UserFactory(username="canbo.vanyen", role=Role.CLERK, units=[city.children.get(code="436.VANYEN")])
    UserFactory(username="lanhdao436", role=Role.LEADER, units=[city])
    return found


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()


def test_clerk_reports_done_and_leader_confirms(page, live_server, directive, screenshot):
    assignment = TaskAssignment.objects.get(unit__code="436.VANYEN")
    log_in(page, live_server, "canbo.vanyen")
    page.goto(f"{live_server.url}/directing/")
    expect(page.locator("#overdue")).to_contain_text("Treo pano")
    screenshot(page, "directive-overdue")

    page.locator(f'#overdue a[href="/directing/{directive.pk}/"]').first.click()
    row = page.locator(f"#assignment-{assignment.pk}")
    expect(row).to_contain_text("Phường Văn Yên")
    row.locator(f'a[href="/directing/assignments/{assignment.pk}/report/"]').click()
    page.locator("#id_done_on").fill("2019-08-09")
    page.locator("#id_note").fill("Đã treo 2 pano tại Bộ phận Một cửa")
    screenshot(page, "directive-report")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator(f"#assignment-{assignment.pk}")).to_contain_text("09/08/2019")
    report = TaskReport.objects.get(assignment=assignment)
    assert report.state == "pending"

    page.context.clear_cookies()
    log_in(page, live_server, "lanhdao436")
    page.goto(f"{live_server.url}/directing/{directive.pk}/")
    row = page.locator(f"#assignment-{assignment.pk}")
    screenshot(page, "directive-status")
    row.locator('button[value="confirm"]').click()
    expect(page.locator(f'#assignment-{assignment.pk} button[value="confirm"]')).to_have_count(0)
    report.refresh_from_db()
    assert report.state == "confirmed"
    screenshot(page, "directive-confirmed")
