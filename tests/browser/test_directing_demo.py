"""Directing on the demo data, in Chromium: Hải Phòng's 2018 inspection with its findings and the follow-up
of its recommendations, Tam Kỳ's periodic indicators on their page and beside the KPIs, and a Hà Tĩnh
ward's broadcasting reported week by week. These write the screenshots of docs/directing.md
(UPDATE_SCREENSHOTS=1)."""

import re
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from demo.seeding import seed_demo
from directing.models import Inspection, TaskAssignment

pytestmark = [pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    # The live server's database is flushed after each test, rows of data migrations included.
    import_module("scores.migrations.0002_version_766_2022").add_version(django_apps, None)
    seed_demo()


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_the_demo_inspection_indicators_and_weekly_reports(page, live_server, demo, screenshot):
    log_in(page, live_server, "admin", "admin")
    page.goto(f"{live_server.url}/directing/")
    page.get_by_role("link", name="Kiểm tra", exact=True).click()
    page.get_by_role("link", name="198/KH-UBND").click()
    expect(page.locator("h1")).to_have_text("198/KH-UBND")
    findings = page.locator("#findings-matrix tbody tr")
    expect(findings).to_have_count(7)  # three departments and four districts
    expect(page.locator("#findings")).to_contain_text("Sở Nội vụ thành phố Hải Phòng")
    expect(page.locator("#findings")).to_contain_text("Không đạt")
    expect(page.locator("body")).to_contain_text("Báo cáo đúng hạn")
    expect(page.locator("body")).to_contain_text("198/KH-UBND/KL")
    screenshot(page, "inspection")

    broadcast = TaskAssignment.objects.get(task__times_per_week=3, unit__code="436.NAMHA")
    page.goto(f"{live_server.url}/directing/assignments/{broadcast.pk}/report/")
    weeks = page.locator("#weeks tbody tr")
    expect(weeks).to_have_count(5)
    expect(weeks.first).to_contain_text("08/07/2019 – 14/07/2019")
    expect(page.locator("#weeks .task-status--done")).to_have_count(5)
    screenshot(page, "directive-weeks")

    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, live_server, "lanhdao502", "demo12345")
    page.goto(f"{live_server.url}/directing/indicators/?unit=502")
    mail = page.locator("[data-indicator='official_mail']")
    expect(mail).to_contain_text("701")
    expect(mail).to_contain_text("907")
    expect(mail).to_contain_text("77,29%")
    expect(page.locator("[data-indicator='broadband']")).to_contain_text("50.200")
    screenshot(page, "indicators")
    page.goto(f"{live_server.url}/reports/unit/502/?period=2019")
    panel = page.locator("#indicators-panel")
    expect(panel).to_contain_text("13.500")
    expect(panel).to_contain_text("13 / 13")
    assert Inspection.objects.count() == 1


def test_the_directive_pages_fit_a_phone(page, live_server, demo):
    # The reports table holds a visually hidden label per row (the reason of a return): placed inside the
    # table's own scroll box, it must not widen the page.
    from directing.models import Directive

    log_in(page, live_server, "admin", "admin")
    page.set_viewport_size({"width": 390, "height": 844})
    pks = list(Directive.objects.order_by("pk").values_list("pk", flat=True))
    assert pks
    for pk in pks:
        page.goto(f"{live_server.url}/directing/{pk}/")
        width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], (pk, width)
