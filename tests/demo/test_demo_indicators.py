"""The demo's periodic indicators (demo.indicator_plan): Tam Kỳ's digital-transformation figures of 2019
(701 of 907 official mail accounts in use, 50,200 broadband lines, 13 of 13 communes issuing e-receipts,
13,500 smart-banking accounts), beside lower ones of 2018 so that a trend shows, on the unit page too."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from demo.indicator_plan import INDICATORS, indicator_plan
from demo.seeding import seed_demo
from directing.models import Indicator
from directing.selectors.indicators import indicator_series
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_plan_needs_no_database():
    plan = indicator_plan()
    assert {spec.unit for spec in plan} == {"502"}
    assert {spec.period_start.year for spec in plan} == {2018, 2019}
    assert len(plan) == 2 * len(INDICATORS) == 8


def test_tam_kys_four_figures_of_2019(seeded):
    series = {
        item.indicator.code: item
        for item in indicator_series(Unit.objects.get(code="502"), as_of=datetime.date(2019, 12, 31))
    }
    assert list(series) == ["official_mail", "broadband", "e_receipts", "smart_banking"]
    figures = {code: item.latest for code, item in series.items()}
    assert {code: figure.start for code, figure in figures.items()} == dict.fromkeys(series, datetime.date(2019, 1, 1))
    assert (figures["official_mail"].value, figures["official_mail"].denominator) == (701, 907)
    assert figures["official_mail"].share == Decimal("77.29")
    assert figures["broadband"].value == 50_200 and figures["broadband"].denominator is None
    assert (figures["e_receipts"].value, figures["e_receipts"].denominator, figures["e_receipts"].share) == (
        13,
        13,
        Decimal("100.00"),
    )
    assert figures["smart_banking"].value == 13_500
    assert all(figure.own for figure in figures.values())
    # 2018 lower: a trend that rises.
    for item in series.values():
        before, now = item.trend_values[-2:]
        assert before < now, item.indicator.code
    assert Indicator.objects.get(code="official_mail").denominator == "tài khoản được cấp"


def test_seed_demo_again_changes_no_indicator_value(seeded):
    changes = seed_demo(with_users=False).changes["periodic indicator values"]
    assert (changes.created, changes.updated) == (0, 0)


def test_the_unit_page_of_tam_ky_shows_them(client, seeded):
    client.force_login(User.objects.get(username="lanhdao502"))
    html = client.get(reverse("reports:unit", args=["502"]), {"period": "2019"}).content.decode()
    panel = html[html.index('id="indicators-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "701</strong> / 907" in panel and "77,29%" in panel and "50.200" in panel and "13.500" in panel
