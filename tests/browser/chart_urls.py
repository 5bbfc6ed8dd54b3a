"""Test-only pages for static/js/charts.js (tests/browser/test_charts.py): the project's URLs plus a page of
charts fed with the JSON the dashboards give the script, and a stand-in for the unit page a bar links to.

The template lives in tests/browser/templates/, which the test adds to TEMPLATES DIRS (the `settings` fixture),
and extends the portal's base.html, so the charts are seen with portal.css around them."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from dvc_portal.urls import urlpatterns as project_urlpatterns

LABELS = {
    "value": "Tỷ lệ",
    "target": "Chỉ tiêu",
    "met": "Đạt",
    "close": "Gần đạt",
    "missed": "Chưa đạt",
    "none": "Chưa có chỉ tiêu",
}

# Three units, in rank order: one that met its target, one close to it, one far below; each its own target.
RANKING_SMALL = {
    "title": "Tỷ lệ hồ sơ trực tuyến theo đơn vị, 7 tháng đầu năm 2019",
    "unit": "%",
    "rows": [
        {"label": "Phường Cẩm Thành", "value": 36.4, "target": 30.0, "status": "met", "url": "/charts/unit/06760/"},
        {"label": "Phường Cẩm Trung", "value": 26.15, "target": 28.0, "status": "close", "url": "/charts/unit/06661/"},
        {"label": "Xã Cộng Hòa", "value": 9.5, "target": 20.0, "status": "missed", "url": "/charts/unit/06670/"},
    ],
    "labels": LABELS,
}

_COMMUNES = [
    ("06658", "Phường Cẩm Thạch", 41.2, 35.0),
    ("06661", "Phường Cẩm Trung", 38.75, 35.0),
    ("06664", "Phường Cẩm Đông", 34.1, 35.0),
    ("06667", "Phường Cẩm Tây", 33.02, 35.0),
    ("06670", "Xã Cộng Hòa", 31.5, None),
    ("06673", "Phường Cẩm Bình", 29.9, 30.0),
    ("06676", "Phường Cẩm Thủy", 27.45, 30.0),
    ("06679", "Phường Cẩm Sơn", 24.0, 30.0),
    ("06682", "Phường Cẩm Phú", 22.81, 25.0),
    ("06685", "Phường Mông Dương", 18.3, 25.0),
    ("06688", "Phường Quang Hanh", 15.0, 25.0),
    ("06691", "Xã Cẩm Hải", 11.6, 20.0),
    ("06694", "Xã Dương Huy", 6.25, 20.0),
    ("195.TTHCC", "Trung tâm Hành chính công thành phố Cẩm Phả", 52.3, 60.0),
    ("06697", "Xã Cẩm Hòa (đơn vị mới sáp nhập, chưa có số liệu)", None, 20.0),
]


def _status(value, target):
    if value is None or target is None:
        return None
    if value >= target:
        return "met"
    return "close" if value >= target - 2.5 else "missed"


# A district's communes, as the ranking page shows them.
RANKING_LARGE = {
    "title": "Xếp hạng tỷ lệ hồ sơ trực tuyến, thành phố Cẩm Phả, 7 tháng đầu năm 2019",
    "unit": "%",
    "rows": [
        {
            "label": name,
            "value": value,
            "target": target,
            "status": _status(value, target),
            "url": f"/charts/unit/{code}/",
        }
        for code, name, value, target in sorted(_COMMUNES, key=lambda row: -(row[2] or -1))
    ],
    "labels": LABELS,
}

RANKING_COUNT = {
    "title": "Số hồ sơ trực tuyến",
    "unit": "count",
    "rows": [
        {"label": "Phường Cẩm Thạch", "value": 1234, "target": 1500, "status": "missed", "url": None},
        {"label": "Xã Cộng Hòa", "value": 720, "target": None, "status": None, "url": None},
    ],
    "labels": {**LABELS, "value": "Số hồ sơ"},
}

TREND = {
    "title": "Tỷ lệ hồ sơ trực tuyến theo tháng, Phường Cẩm Thạch",
    "unit": "%",
    "months": [f"2019-{month:02d}" for month in range(1, 13)],
    "series": [
        {"label": "2019", "values": [26.1, 27.35, 29.8, None, 31.2, 33.05, 34.6, None, None, None, None, None]},
        {
            "label": "2018",
            "values": [18.2, 19.0, 20.45, 21.1, 22.0, 21.6, 23.3, 24.1, 25.0, 24.4, 25.9, 27.2],
            "previous": True,
        },
    ],
    "target": 30.0,
    "labels": {"target": "Chỉ tiêu"},
}

# Trends whose target label cannot sit above its line's right end: this year's line runs just above the
# target there (the unit page of Cẩm Phả, 2026), and a target near 100% (the chart's top edge).
TREND_CROSSED = {
    **TREND,
    "months": [f"2026-{month:02d}" for month in range(1, 13)],
    "series": [{"label": "2026", "values": [40.0, 42.0, 44.0, 46.0, 51.0, 52.0, 52.5, 53.0, 53.0, 53.0, 53.5, 53.2]}],
    "target": 50.0,
}
TREND_TOP = {
    **TREND,
    "months": [f"2026-{month:02d}" for month in range(1, 13)],
    "series": [{"label": "2026", "values": [96.0, 97.2, 97.5, 96.8, 97.9, 98.1, 97.0, 96.5, 97.7, 98.0, 97.4, 97.6]}],
    "target": 98.5,
}

# This year's line just above the target and last year's just below it at the right end, far from it earlier
# in the year: the label finds a clear place further left.
TREND_BOTH = {
    **TREND,
    "months": [f"2026-{month:02d}" for month in range(1, 13)],
    "series": [
        {"label": "2026", "values": [58.0, 60.5, 62.0, 61.0, 59.0, 56.0, 53.0, 51.5, 51.2, 51.4, 51.1, None]},
        {
            "label": "2025",
            "values": [30.2, 31.0, 32.9, 34.7, 36.6, 40.5, 45.7, 48.4, 48.7, 48.6, 48.8, 48.5],
            "previous": True,
        },
    ],
    "target": 50.0,
}

# Lines around the target all year (the unit page of Quảng Ninh, 2026): no clear place beside it.
TREND_TANGLED = {
    **TREND,
    "months": [f"2026-{month:02d}" for month in range(1, 13)],
    "series": [
        {"label": "2026", "values": [47.5, 52.5, 47.8, 52.2, 47.6, 52.4, 47.9, 52.1, 47.5, 52.6, 47.7, 52.3]},
        {
            "label": "2025",
            "values": [52.0, 48.0, 52.3, 47.9, 52.1, 48.2, 52.4, 47.8, 52.2, 48.1, 52.5, 47.6],
            "previous": True,
        },
    ],
    "target": 50.0,
}

PAGES = {
    "all": [
        ("ranking", "rank-small", RANKING_SMALL),
        ("ranking", "rank-count", RANKING_COUNT),
        ("trend", "trend", TREND),
    ],
    "ranking": [("ranking", "rank-large", RANKING_LARGE)],
    "trend": [("trend", "trend", TREND)],
    "trend-labels": [
        ("trend", "trend", TREND),
        ("trend", "trend-crossed", TREND_CROSSED),
        ("trend", "trend-top", TREND_TOP),
        ("trend", "trend-both", TREND_BOTH),
        ("trend", "trend-tangled", TREND_TANGLED),
    ],
}


def charts_page(request, page):
    charts = [
        {"kind": kind, "id": chart_id, "data_id": f"{chart_id}-data", "data": data}
        for kind, chart_id, data in PAGES[page]
    ]
    return render(request, "chart_demo.html", {"charts": charts})


def unit_page(request, code):
    return HttpResponse(f"<!doctype html><title>{code}</title><h1>Đơn vị {code}</h1>")


urlpatterns = [
    path("charts/demo/<str:page>/", charts_page, name="charts-demo"),
    path("charts/unit/<str:code>/", unit_page, name="charts-unit"),
    *project_urlpatterns,
]
