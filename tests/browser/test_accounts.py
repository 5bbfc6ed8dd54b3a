"""In a browser: create an API token on its page, call the API with it, revoke it; the login lockout page."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken, Role
from tests.factories import FilingFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def leader(transactional_db):
    district = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    FilingFactory(
        unit=UnitFactory(code="195.TTHCC", name="Trung tâm Hành chính công", parent=district),
        received_online=929,
        received_direct=2624,
    )
    return UserFactory(username="lanhdao", first_name="Nguyễn Thị Hoa", role=Role.LEADER, units=[district])


def log_in(page, live_server, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("lanhdao")
    page.locator("#id_password").fill(password)
    page.locator("form.form button[type=submit]").click()


def test_create_use_and_revoke_a_token(page, live_server, leader, screenshot):
    log_in(page, live_server)
    page.locator('.site-nav a[href="/accounts/tokens/"]').click()
    expect(page).to_have_url(re.compile(r"/accounts/tokens/$"))

    page.locator("#id_name").fill("Báo cáo tháng")
    page.locator(".tokens__create button[type=submit]").click()
    key = page.locator("#new-key-value").input_value()
    assert len(key) >= 43
    row = page.locator(f"#token-{ApiToken.objects.get().pk}")
    expect(row).to_contain_text("Báo cáo tháng")
    expect(row).to_contain_text(key[:8])
    screenshot(page, "api_tokens")

    api = page.context.request
    url = f"{live_server.url}/api/v1/kpi?unit=195&period=2019"
    answer = api.get(url, headers={"Authorization": f"Token {key}"})
    assert answer.status == 200
    assert answer.json()["kpis"]["online_rate"]["numerator"] == 929

    row.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("Báo cáo tháng")
    expect(page.locator("#new-key-value")).to_have_count(0)
    expect(row.locator("button")).to_have_count(0)
    assert api.get(url, headers={"Authorization": f"Token {key}"}).status == 401


def test_five_wrong_passwords_show_the_lockout_page(page, live_server, leader, screenshot):
    for _ in range(4):
        log_in(page, live_server, password="sai-mat-khau")
        expect(page.locator("#login-errors")).to_be_visible()
    log_in(page, live_server, password="sai-mat-khau")
    expect(page.locator("body.page-locked-out")).to_be_visible()
    log_in(page, live_server)
    expect(page.locator("body.page-locked-out")).to_be_visible()
    expect(page.locator(".login-card")).to_contain_text("15")
    screenshot(page, "locked_out")


def test_change_password(page, live_server, leader, screenshot):
    log_in(page, live_server)
    page.locator('.site-nav a[href="/accounts/password/change/"]').click()
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill("Hue-Tam-Ky-2025!")
    page.locator("#id_new_password2").fill("Hue-Tam-Ky-2025!")
    screenshot(page, "password_change")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/change/done/$"))
    leader.refresh_from_db()
    assert leader.check_password("Hue-Tam-Ky-2025!")
