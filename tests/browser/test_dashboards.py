"""The leaders' pages in Chromium: the ranking (change the period and the indicator, the chart agreeing
with the table, one kind of units), a drill-down from the ranking to a commune's page and to one of its
procedures, and the ranking on a phone as a list. (The screenshots come from the demo data:
test_dashboards_demo.py.)"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.test_entry import log_in
from tests.factories import FieldFactory, FilingFactory, ProcedureFactory, TargetFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}

# (code, name, kind, online and at the desk for each month of 2019 H1, target of online_rate)
UNITS = [
    ("06760.TTHCC", "Trung tâm Hành chính công", UnitKind.CENTER, (40, 60), None),
    ("06766", "Phường Cẩm Sơn", UnitKind.COMMUNE, (30, 70), 25),
    ("06769", "Phường Cẩm Đông", UnitKind.COMMUNE, (24, 76), 25),
    ("06772", "Phường Cẩm Phú", UnitKind.COMMUNE, (12, 88), 25),
    ("06775", "Phường Cẩm Tây", UnitKind.COMMUNE, (21, 79), 25),
    ("195.TP", "Phòng Tư pháp", UnitKind.DEPARTMENT, None, None),
]


@pytest.fixture
def city(transactional_db):
    city = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=FieldFactory())
    for code, name, kind, figures, target in UNITS:
        unit = UnitFactory(code=code, name=name, kind=kind, parent=city)
        if figures:
            for month in range(1, 7):
                online, direct = figures
                # Cẩm Tây gains ground in the second quarter: its rank rises against the first quarter.
                if code == "06775" and month > 3:
                    online, direct = 35, 65
                FilingFactory(unit=unit, procedure=birth, month=month, received_online=online, received_direct=direct)
        if target:
            TargetFactory(unit=unit, year=2019, kpi="online_rate", target=target)
    UserFactory(username="lanhdao", first_name="Trần Văn Bình", role=Role.LEADER, units=[city])
    return city


def ranking_url(live_server, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{live_server.url}/reports/ranking/?{query}"


def chart_rows(page):
    """The labels and values the ranking chart draws, read from the chart itself."""
    return page.evaluate(
        """() => {
            const chart = window.DvcCharts.charts.get("ranking-chart");
            return chart.data.labels.map((label, i) => [label, chart.data.datasets[0].data[i]]);
        }"""
    )


# The elements that stick out to the right of the screen (a failing width check names them).
WIDER_THAN = """w => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 15).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def table_rows(page):
    return page.locator("#ranking-table tbody tr").evaluate_all(
        """rows => rows.map(row => [row.querySelector("th a").textContent.trim(),
                                      parseFloat(row.querySelector("td.value").dataset.value)])"""
    )


def test_a_leader_ranks_changes_the_period_and_the_indicator_and_drills_down(page, live_server, city):
    log_in(page, live_server, "lanhdao")
    page.goto(ranking_url(live_server, period="2019-Q1"))
    expect(page.locator("h1")).to_contain_text(re.compile("Xếp hạng|Ranking"))
    expect(page.locator("#ranking-table tbody tr")).to_have_count(6)
    # The chart draws what the table lists, in the same order.
    page.wait_for_function("() => window.DvcCharts && window.DvcCharts.charts.has('ranking-chart')")
    table = table_rows(page)
    assert [label for label, _value in chart_rows(page)][:5] == [name for name, _value in table][:5]
    assert [value for _label, value in chart_rows(page)][:5] == pytest.approx([v for _n, v in table][:5])
    assert table[0] == ["Trung tâm Hành chính công", 40.0]

    # The next quarter by its preset: Cẩm Tây rises from 4th to 2nd among the units with figures.
    page.get_by_role("link", name=re.compile("Quý 2|Quarter 2")).click()
    expect(page.locator("#ranking-table tbody tr").nth(1)).to_contain_text("Cẩm Tây")
    expect(page.locator("#ranking-table tbody tr").nth(1).locator(".change--up")).to_have_text("▲ 2")

    # Another indicator, one kind of units, the communes together.
    page.locator("#kpi").select_option("on_time_rate")
    expect(page).to_have_url(re.compile("kpi=on_time_rate"))
    page.locator(".kind-tabs a[data-kind='commune']").click()
    expect(page.locator("#ranking-table tbody tr")).to_have_count(4)
    expect(page.locator("#combined")).to_be_visible()

    # Drill down: a commune's page, then one of its procedures.
    page.locator("#kpi").select_option("online_rate")
    page.get_by_role("link", name="Phường Cẩm Sơn").first.click()
    expect(page.locator("h1")).to_have_text("Phường Cẩm Sơn")
    expect(page.locator(".breadcrumb")).to_contain_text("Thành phố Cẩm Phả")
    expect(page.locator("[data-kpi='online_rate'] .kpi-card__value")).to_have_text("30,00%")
    expect(page.locator("canvas#trend-online_rate")).to_be_visible()
    page.locator("#procedures-table").get_by_role("link", name=re.compile("Đăng ký khai sinh")).click()
    expect(page.locator("h1")).to_contain_text("1.001193")
    expect(page.locator("#months-table tbody tr")).to_have_count(3)


def test_on_a_phone_the_ranking_is_a_list_that_fits_the_screen(browser, live_server, city):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, live_server, "lanhdao")
    page.goto(ranking_url(live_server, period="2019-H1", kind="commune"))
    expect(page.locator("#ranking-table tbody tr")).to_have_count(4)
    # Nothing wider than the screen: no sideways scrolling to read a rank.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], page.evaluate(WIDER_THAN, PHONE["width"])
    first = page.locator("#ranking-table tbody tr").first
    box = first.bounding_box()
    assert box["width"] <= PHONE["width"]
    expect(first).to_contain_text("Phường Cẩm Sơn")
    page.goto(f"{live_server.url}/reports/unit/06766/?period=2019-H1")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], page.evaluate(WIDER_THAN, PHONE["width"])
    context.close()
