"""The leaders' pages on the demo data, at its real size, in Chromium: issue 10's walk-through (a leader
of Cẩm Phả ranks its centre, departments and communes for January to July 2019 against their targets,
opens the centre's page with its departments, drills into a procedure; a leader of Quảng Ninh follows a
merged ward across the 2025 reform; the Tam Kỳ alert on the home page of its leader), desktop and phone.
These write the screenshots of docs/dashboards.md (UPDATE_SCREENSHOTS=1)."""

import re
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from demo.seeding import seed_demo
from tests.browser.test_dashboards import PHONE, WIDER_THAN, chart_rows, table_rows

pytestmark = [pytest.mark.browser]

JAN_JUL = "2019-01..2019-07"


@pytest.fixture
def demo(transactional_db):
    # A live-server test's database is flushed after it, rows that migrations wrote included: the score
    # version of scores' data migration is written again (idempotent) for each test.
    import_module("scores.migrations.0002_version_766_2022").add_version(django_apps, None)
    seed_demo()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("demo12345")
    page.locator("#id_password").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_a_leader_of_cam_pha_ranks_drills_down_and_reads_the_departments(page, live_server, demo, screenshot):
    log_in(page, live_server, "lanhdao195")
    page.goto(f"{live_server.url}/reports/ranking/?unit=195&period={JAN_JUL}&kpi=online_rate_eligible")
    centre = page.locator("#ranking-table tbody tr", has_text="195.TTHCC")
    expect(centre).to_contain_text("26,15%")
    expect(centre).to_contain_text("929 / 3.553")
    expect(centre).to_contain_text("30,00%")
    expect(centre).to_contain_text("Gần đạt")
    page.wait_for_function("() => window.DvcCharts && window.DvcCharts.charts.has('ranking-chart')")
    table = table_rows(page)
    assert len(table) == 20  # the centre, 3 departments, 16 communes
    ranked = [(name, value) for name, value in table if value == value]  # NaN: no figures, no bar value
    assert [(label, value) for label, value in chart_rows(page)][: len(ranked)] == ranked
    screenshot(page, "dashboard-ranking")

    page.get_by_role("link", name=re.compile("Trung tâm Hành chính công thành phố Cẩm Phả")).first.click()
    expect(page.locator("h1")).to_have_text("Trung tâm Hành chính công thành phố Cẩm Phả")
    departments = page.locator("#departments-table tbody tr")
    expect(departments.first).to_contain_text("Phòng Văn hóa và Thông tin")
    expect(departments.first).to_contain_text("16,67%")
    expect(page.locator("canvas#trend-online_rate")).to_be_visible()
    screenshot(page, "dashboard-unit")

    page.locator("#procedures-table tbody tr").first.get_by_role("link").click()
    expect(page.locator("#months-table tbody tr")).to_have_count(7)
    screenshot(page, "dashboard-procedure")


def test_a_merged_ward_across_the_reform_in_todays_tree(page, live_server, demo, screenshot):
    log_in(page, live_server, "lanhdao22")
    page.goto(f"{live_server.url}/reports/unit/22.CAMPHA/?period=2025")
    page.get_by_role("link", name="Đơn vị hiện nay").click()
    expect(page).to_have_url(re.compile("tree=today"))
    expect(page.locator("[data-note='added']")).to_contain_text("Phường Cẩm Đông (06769)")
    # 2025 in today's tree: the five old wards until June, the new ward from July (docs/kpis.md).
    expect(page.locator("[data-kpi='online_rate'] .kpi-card__value")).to_have_text("45,17%")
    screenshot(page, "dashboard-today-tree")


def test_the_tam_ky_alert_on_the_home_page_of_its_leader(page, live_server, demo, screenshot):
    log_in(page, live_server, "lanhdao502")
    page.goto(f"{live_server.url}/?period=2023")
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text("Thành phố Tam Kỳ, 06/2023")
    expect(alerts).to_contain_text("43 / 2.150")
    screenshot(page, "home-alerts")


def test_on_a_phone(browser, live_server, demo, screenshot):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, live_server, "lanhdao195")
    for url, name in (
        (
            f"/reports/ranking/?unit=195&period={JAN_JUL}&kpi=online_rate_eligible&kind=commune",
            "dashboard-ranking-phone",
        ),
        (f"/reports/unit/195.TTHCC/?period={JAN_JUL}", "dashboard-unit-phone"),
        (f"/reports/unit/195.TTHCC/procedure/1.001612/?period={JAN_JUL}", "dashboard-procedure-phone"),
    ):
        page.goto(live_server.url + url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], page.evaluate(WIDER_THAN, PHONE["width"])
        screenshot(page, name)
    context.close()


def test_the_ranking_prints_with_its_chart_on_one_a4_landscape_sheet(page, live_server, demo):
    log_in(page, live_server, "lanhdao195")
    page.goto(f"{live_server.url}/reports/ranking/?unit=195&period={JAN_JUL}")
    page.wait_for_function("() => window.DvcCharts && window.DvcCharts.charts.has('ranking-chart')")
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # as the browser's Print does
    expect(page.locator(".dash-filters")).to_be_hidden()
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


def test_the_decision_766_scoreboard_and_the_costliest_indicators(page, live_server, demo, screenshot):
    log_in(page, live_server, "lanhdao22")
    page.get_by_role("link", name="Điểm Bộ chỉ số 766").click()
    page.goto(f"{live_server.url}/scores/?period=2025")
    first = page.locator("#score-table tbody tr").first
    expect(first).to_contain_text("Phường Cẩm Phả")
    expect(first).to_contain_text("90,90")
    # One segment per group with points, each as wide as its points out of 100.
    # (Widths in whole percent, classes of static/css/widths.css: six segments round by 3 points at most.)
    widths = first.locator(".score-seg").evaluate_all(
        "segs => segs.map(s => 100 * s.getBoundingClientRect().width / s.parentElement.getBoundingClientRect().width)"
    )
    assert len(widths) == 6 and sum(widths) == pytest.approx(90.90, abs=3)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    screenshot(page, "scores-board")

    first.get_by_role("link", name="Phường Cẩm Phả").click()
    panel = page.locator("#score-panel")
    expect(panel).to_contain_text("90,90 / 100,00")
    expect(panel.locator(".score-costs li").first).to_contain_text("Tỷ lệ cấp kết quả điện tử")
    expect(panel.locator(".score-costs li").first).to_contain_text("Cần thêm 1.066 kết quả điện tử")
    expect(panel).to_be_visible()
    screenshot(page, "scores-unit")


def test_the_scoreboard_on_a_phone(browser, live_server, demo, screenshot):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, live_server, "lanhdao22")
    page.goto(f"{live_server.url}/scores/?period=2025")
    expect(page.locator("#score-table tbody tr").first).to_contain_text("90,90")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], page.evaluate(WIDER_THAN, PHONE["width"])
    screenshot(page, "scores-board-phone")
    context.close()
