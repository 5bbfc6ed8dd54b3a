"""static/js/charts.js in Chromium: a ranking draws one bar per unit in rank order with its status colour and
its own target mark, writes numbers the Vietnamese way, follows a bar's link; a trend draws this year, last
year dashed and the target; the "Tải ảnh PNG" button downloads a PNG.

The page is tests/browser/templates/chart_demo.html, served by tests/browser/chart_urls.py; the JSON is the
contract the ranking and unit pages give the script."""

import copy
import struct
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.chart_urls import RANKING_LARGE, RANKING_SMALL, TREND

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.browser.chart_urls")]

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The colours of static/css/charts.css (--chart-*), as the script reads them.
MET, CLOSE, MISSED, NONE, MARK = "#1b9866", "#c27400", "#a4161a", "#626b84", "#17202c"


def rgb(color):
    return [int(color[i : i + 2], 16) for i in (1, 3, 5)]


@pytest.fixture
def chart_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEMPLATES]
    settings.TEMPLATES = templates


@pytest.fixture
def open_charts(page, live_server, chart_templates):
    """Open a demo page (all, ranking, trend) with animations off, once every chart on it is drawn."""

    def open_page(name="all", reduced_motion="reduce"):
        page.emulate_media(reduced_motion=reduced_motion)
        page.goto(f"{live_server.url}/charts/demo/{name}/")
        count = page.locator("canvas[data-chart]").count()
        expect(page.locator('canvas[data-chart-state="drawn"]')).to_have_count(count)
        return page

    return open_page


def bars(page, chart_id):
    """The bars of a ranking as drawn: label, value, colour, centre in page pixels, and the colour read back from
    the canvas in the middle of the bar."""
    return page.evaluate(
        """(id) => {
            const chart = DvcCharts.charts.get(id);
            const box = chart.canvas.getBoundingClientRect();
            const ratio = chart.currentDevicePixelRatio;
            const ctx = chart.canvas.getContext("2d");
            const dataset = chart.data.datasets[0];
            return chart.getDatasetMeta(0).data.map((bar, i) => {
                const x = (bar.base + bar.x) / 2;
                const pixel = ctx.getImageData(Math.round(x * ratio), Math.round(bar.y * ratio), 1, 1).data;
                return {
                    label: chart.data.labels[i],
                    value: dataset.data[i],
                    color: dataset.backgroundColor[i],
                    drawn: [pixel[0], pixel[1], pixel[2]],
                    pageX: box.left + x,
                    pageY: box.top + bar.y,
                    y: bar.y,
                };
            });
        }""",
        chart_id,
    )


def test_ranking_draws_one_bar_per_unit_in_rank_order_with_status_colours(open_charts):
    page = open_charts()
    drawn = bars(page, "rank-small")

    assert [bar["label"] for bar in drawn] == ["Phường Cẩm Thành", "Phường Cẩm Trung", "Xã Cộng Hòa"]
    assert [bar["value"] for bar in drawn] == [36.4, 26.15, 9.5]
    # Top to bottom in the order given: the first-ranked unit on top.
    assert drawn[0]["y"] < drawn[1]["y"] < drawn[2]["y"]
    assert [bar["color"] for bar in drawn] == [MET, CLOSE, MISSED]
    # The canvas really holds those colours in the middle of each bar.
    for bar in drawn:
        assert bar["drawn"] == rgb(bar["color"]), bar

    # The legend names the statuses and the target mark, in words, not by colour alone.
    legend = page.locator('[data-chart-legend="rank-small"] li')
    expect(legend).to_have_text(["Đạt", "Gần đạt", "Chưa đạt", "Chỉ tiêu"])

    # A unit without a target is neutral, and so named.
    count_colors = page.evaluate("DvcCharts.charts.get('rank-count').data.datasets[0].backgroundColor")
    assert count_colors == [MISSED, NONE]
    expect(page.locator('[data-chart-legend="rank-count"] li')).to_have_text(
        ["Chưa đạt", "Chưa có chỉ tiêu", "Chỉ tiêu"]
    )

    canvas = page.locator("#rank-small")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute("aria-label", RANKING_SMALL["title"])


def test_ranking_draws_each_units_own_target_mark(open_charts):
    page = open_charts()
    marks = page.evaluate(
        """() => {
            const chart = DvcCharts.charts.get("rank-small");
            const ratio = chart.currentDevicePixelRatio;
            const ctx = chart.canvas.getContext("2d");
            return chart.$dvc.marks.map((mark) => {
                const pixel = ctx.getImageData(Math.round(mark.x * ratio), Math.round(mark.y * ratio), 1, 1).data;
                return {
                    index: mark.index,
                    target: mark.target,
                    x: mark.x,
                    expectedX: chart.scales.x.getPixelForValue(mark.target),
                    barY: chart.getDatasetMeta(0).data[mark.index].y,
                    barHeight: chart.getDatasetMeta(0).data[mark.index].height,
                    height: mark.bottom - mark.top,
                    drawn: [pixel[0], pixel[1], pixel[2]],
                };
            });
        }"""
    )
    assert [mark["target"] for mark in marks] == [30.0, 28.0, 20.0]
    assert [mark["index"] for mark in marks] == [0, 1, 2]
    for mark in marks:
        assert mark["x"] == pytest.approx(mark["expectedX"])
        # Across its own bar, a little taller than the bar.
        assert mark["height"] > mark["barHeight"]
        # Dark ink on the canvas where the mark is, over the bar or beside it.
        assert max(abs(a - b) for a, b in zip(mark["drawn"], rgb(MARK))) < 40, mark
    # Three different targets, three different places: not one line for all.
    assert len({round(mark["x"]) for mark in marks}) == 3


def test_numbers_are_written_the_vietnamese_way(open_charts):
    page = open_charts()
    formatted = page.evaluate(
        """() => {
            const rank = DvcCharts.charts.get("rank-small");
            const count = DvcCharts.charts.get("rank-count");
            const trend = DvcCharts.charts.get("trend");
            const tick = (chart, axis, value) =>
                chart.options.scales[axis].ticks.callback.call(chart.scales[axis], value, 0, []);
            const label = (chart, index) =>
                chart.options.plugins.tooltip.callbacks.label.call(chart.tooltip, {dataIndex: index});
            return {
                rankTick: tick(rank, "x", 26.15),
                rankTickRound: tick(rank, "x", 20),
                rankLabel: label(rank, 1),
                rankTarget: rank.options.plugins.tooltip.callbacks.afterLabel.call(rank.tooltip, {dataIndex: 1}),
                countTick: tick(count, "x", 1234),
                countLabel: label(count, 0),
                trendTick: tick(trend, "y", 27.35),
                trendLabel: trend.options.plugins.tooltip.callbacks.label.call(trend.tooltip, {
                    dataset: trend.data.datasets[0], parsed: {y: 27.35},
                }),
            };
        }"""
    )
    assert formatted == {
        "rankTick": "26,15%",
        "rankTickRound": "20%",
        "rankLabel": "Tỷ lệ: 26,15%",
        "rankTarget": ["Chỉ tiêu: 28,00%", "Gần đạt"],
        "countTick": "1.234",
        "countLabel": "Số hồ sơ: 1.234",
        "trendTick": "27,35%",
        "trendLabel": "2019: 27,35%",
    }

    # Hovering a bar shows its tooltip, with the same wording.
    bar = bars(page, "rank-small")[1]
    page.mouse.move(bar["pageX"], bar["pageY"])
    page.wait_for_function("DvcCharts.charts.get('rank-small').tooltip.opacity > 0")
    tooltip = page.evaluate(
        """() => {
            const tooltip = DvcCharts.charts.get("rank-small").tooltip;
            return {
                title: tooltip.title,
                lines: tooltip.body.map((b) => b.lines).flat(),
                after: tooltip.body.map((b) => b.after).flat(),
            };
        }"""
    )
    assert tooltip == {
        "title": ["Phường Cẩm Trung"],
        "lines": ["Tỷ lệ: 26,15%"],
        "after": ["Chỉ tiêu: 28,00%", "Gần đạt"],
    }


def test_clicking_a_bar_opens_its_unit(open_charts):
    page = open_charts()
    bar = bars(page, "rank-small")[2]
    page.mouse.click(bar["pageX"], bar["pageY"])
    page.wait_for_url("**/charts/unit/06670/")
    expect(page.locator("h1")).to_have_text("Đơn vị 06670")


def test_png_button_downloads_the_chart_as_png(open_charts, tmp_path):
    page = open_charts()
    button = page.locator('[data-chart-png="rank-small"]')
    expect(button).to_be_visible()
    expect(button).to_have_text("Tải ảnh PNG")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "rank-small.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    # 1000 CSS pixels wide at twice the pixels, with the title and the legend above the bars.
    assert width == 2000
    assert height > 2 * (3 * 28 + 64)
    # The chart on the page is untouched by the export.
    assert page.evaluate("DvcCharts.charts.get('rank-small').options.plugins.legend.display") is False

    with page.expect_download() as download_info:
        page.locator('[data-chart-png="trend"]').click()
    assert download_info.value.suggested_filename == "trend.png"


def test_trend_draws_this_year_last_year_dashed_and_the_target(open_charts):
    page = open_charts()
    trend = page.evaluate(
        """() => {
            const chart = DvcCharts.charts.get("trend");
            return {
                labels: chart.data.labels,
                datasets: chart.data.datasets.map((d) => ({
                    label: d.label, data: d.data, dash: d.borderDash, color: d.borderColor, width: d.borderWidth,
                })),
                points: chart.getDatasetMeta(0).data.map((p) => p.skip),
                marks: chart.$dvc.marks,
                targetY: chart.scales.y.getPixelForValue(30),
                yMax: chart.scales.y.max,
            };
        }"""
    )
    assert trend["labels"][:3] == ["01/2019", "02/2019", "03/2019"]
    assert trend["labels"][-1] == "12/2019"
    current, previous, target = trend["datasets"]
    assert current["label"] == "2019"
    assert current["data"] == TREND["series"][0]["values"]
    assert current["dash"] == []
    assert previous["label"] == "2018"
    assert previous["dash"] != []
    assert previous["width"] < current["width"]
    assert previous["color"] != current["color"]
    assert target["label"] == "Chỉ tiêu"
    assert target["data"] == [30.0] * 12
    assert target["dash"] != []
    # Months without figures are gaps, not zeros.
    assert trend["points"][3] is True
    assert trend["points"][2] is False
    # The target line is labelled where it is drawn.
    assert trend["marks"][0]["y"] == pytest.approx(trend["targetY"])
    assert trend["yMax"] <= 100
    expect(page.locator('[data-chart-legend="trend"] li')).to_have_text(["2019", "2018", "Chỉ tiêu"])


def test_the_target_label_finds_a_clear_place_on_its_line(page, open_charts):
    # As narrow as a trend of the unit page (three in a row), where the lines are closer together.
    page.set_viewport_size({"width": 440, "height": 900})
    open_charts("trend-labels")
    placed = page.evaluate(
        """() => ["trend", "trend-crossed", "trend-top", "trend-both", "trend-tangled"].map((id) => {
            const chart = DvcCharts.charts.get(id);
            const [mark] = chart.$dvc.marks;
            const lines = chart.data.datasets.map((dataset, i) => dataset.$dvcRole === "target" ? [] :
                chart.getDatasetMeta(i).data.filter((p) => !p.skip).map((p) => [p.x, p.y]));
            return {id, y: mark.y, top: mark.labelTop, left: mark.labelLeft, right: mark.labelRight,
                    plotTop: chart.chartArea.top, plotRight: chart.chartArea.right,
                    plotBottom: chart.chartArea.bottom, lines};
        })"""
    )

    def crossed(label):
        """Whether a line of figures, or a dot on it (its radius about 4 px), touches the label's box."""
        for line in label["lines"]:
            for (x1, y1), (x2, y2) in zip(line, line[1:]):
                lo, hi = max(label["left"] - 4, x1), min(label["right"] + 4, x2)
                if lo > hi:
                    continue
                ys = [y1 + (y2 - y1) * (x - x1) / (x2 - x1) for x in (lo, hi)]
                if max(ys) >= label["top"] - 4 and min(ys) <= label["top"] + 16 + 4:
                    return True
        return False

    plain, below, top, both, tangled = placed
    # Nothing in the way: above the line, at its right end.
    assert plain["top"] + 16 <= plain["y"] and plain["right"] > plain["plotRight"] - 5
    # This year's line runs just above the target at the right end: below it.
    assert below["top"] > below["y"] and below["right"] > below["plotRight"] - 5
    # 98,5% of a scale that ends at 100%: above, in the room left over the plot, not cut off.
    assert top["top"] + 16 <= top["y"] and top["top"] >= 0
    # Lines just above and just below at the right end: further left, where the way is clear.
    assert both["right"] < both["plotRight"] - 24
    # Lines on both sides all along: over the plot's top right corner, not over the figures.
    assert tangled["top"] + 16 <= tangled["plotTop"] and tangled["right"] > tangled["plotRight"] - 5
    for label in placed:
        assert label["top"] >= 0 and label["top"] + 16 <= label["plotBottom"], label
        assert not crossed(label), label


def test_ranking_grows_with_its_units(open_charts, screenshot):
    page = open_charts("ranking")
    rows = len(RANKING_LARGE["rows"])
    height = page.evaluate("document.querySelector('#rank-large').parentElement.getBoundingClientRect().height")
    assert height == rows * 28 + 64
    drawn = bars(page, "rank-large")
    gaps = [b["y"] - a["y"] for a, b in zip(drawn, drawn[1:])]
    assert min(gaps) >= 24
    # Every unit's name is on the axis, none skipped.
    ticks = page.evaluate("DvcCharts.charts.get('rank-large').scales.y.ticks.length")
    assert ticks == rows
    screenshot(page, "chart-ranking")


def test_trend_screenshot(open_charts, screenshot):
    page = open_charts("trend")
    screenshot(page, "chart-trend")


def test_animation_follows_reduced_motion_and_print_resizes(open_charts):
    page = open_charts(reduced_motion="no-preference")
    assert page.evaluate("DvcCharts.charts.get('trend').options.animation") is not False
    page = open_charts(reduced_motion="reduce")
    assert page.evaluate("DvcCharts.charts.get('trend').options.animation") is False

    screen_width = page.evaluate("DvcCharts.charts.get('trend').width")
    assert screen_width > 680
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("DvcCharts.charts.get('trend').width") <= 680
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate("DvcCharts.charts.get('trend').width") == screen_width
