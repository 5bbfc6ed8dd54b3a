"""Periodic indicators: the rules (each refusal names its field, nothing written), the upsert's counts, the
figures of a subtree (a unit's own value, else the sum below it) and their share, the indicators page,
the entry form (all or nothing, the refusals next to the fields), the unit page's section and the admin;
scope on every new URL (own unit, a sibling's: 404, anonymous: the login)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import override

from core.errors import RowsRefused
from directing.models import Indicator, IndicatorValue
from directing.rules.indicators import parse_amount, parse_period, period_start_for
from directing.selectors.indicators import figures, indicator_series
from directing.services.indicators import indicator_save, indicator_values_upsert
from tests.factories import UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 1, 15)
Y2018, Y2019 = datetime.date(2018, 1, 1), datetime.date(2019, 1, 1)


@pytest.fixture
def indicators():
    return {
        "mail": indicator_save(
            code="official_mail",
            name="Thư công vụ đang dùng",
            measure="tài khoản",
            periodicity="year",
            denominator="tài khoản được cấp",
            position=1,
        ),
        "lines": indicator_save(
            code="broadband", name="Thuê bao băng rộng", measure="thuê bao", periodicity="year", position=2
        ),
        "monthly": indicator_save(code="kiosks", name="Ki-ốt", measure="ki-ốt", periodicity="month", position=3),
        "quarterly": indicator_save(code="posts", name="Bài viết", measure="bài", periodicity="quarter", position=4),
        "old": indicator_save(code="old", name="Cũ", measure="cái", periodicity="year", active=False, position=5),
    }


def row(indicator, unit, start, value, denominator=None, note=""):
    return {
        "indicator_id": indicator.pk,
        "unit_id": unit.pk,
        "period_start": start,
        "value": None if value is None else Decimal(value),
        "denominator": None if denominator is None else Decimal(denominator),
        "note": note,
    }


# --- rules --------------------------------------------------------------------------------------------


def test_each_refusal_names_its_field_and_nothing_is_written(city, indicators):
    a, b = city["A"], city["B"]
    i = indicators
    rows = [
        row(i["lines"], a, datetime.date(2019, 7, 1), 5),  # 0: not the first day of a year
        row(i["lines"], a, datetime.date(2021, 1, 1), 5),  # 1: in the future
        row(i["lines"], a, Y2018, -1),  # 2: negative
        row(i["lines"], a, Y2018, "1.234"),  # 3: three decimal places
        row(i["lines"], a, Y2018, 10**16),  # 4: too large
        row(i["mail"], a, Y2018, 5),  # 5: no denominator
        row(i["lines"], b, Y2018, 5, 10),  # 6: a denominator the indicator has not
        row(i["mail"], a, Y2019, 11, 10),  # 7: more than the denominator
        row(i["monthly"], b, datetime.date(2019, 7, 1), 1),  # 8: B ended on 30/06/2019
        row(i["old"], a, Y2019, 1),  # 9: inactive
        row(i["quarterly"], a, datetime.date(2019, 2, 1), 1),  # 10: not a quarter's first day
        row(i["lines"], a, Y2019, 50_200),  # 11: fine
        row(i["lines"], a, Y2019, 50_300),  # 12: the same key as 11
        {**row(i["lines"], a, Y2019, 1), "indicator_id": 999_999},  # 13: unknown indicator
    ]
    with override("en"), pytest.raises(RowsRefused) as refused:
        indicator_values_upsert(rows, today=TODAY)
    problems = refused.value.problems
    fields = {position: [field for field, _reason in issues] for position, issues in problems.items()}
    assert fields == {
        0: ["period_start"],
        1: ["period_start"],
        2: ["value"],
        3: ["value"],
        4: ["value"],
        5: ["denominator"],
        6: ["denominator"],
        7: ["value"],
        8: ["unit"],
        9: ["indicator"],
        10: ["period_start"],
        12: ["period_start"],
        13: ["indicator"],
    }
    assert problems[8] == [("unit", "B ended on 30/06/2019, before 01/07/2019")]
    assert problems[7] == [("value", "11 is more than the denominator 10")]
    assert "first day of a year" in problems[0][0][1]
    assert "#12" in problems[12][0][1]
    assert not IndicatorValue.objects.exists()


def test_a_unit_outside_the_users_scope_is_refused(city, indicators):
    clerk = UserFactory(username="clerk_a", role="clerk", units=[city["A"]])
    with pytest.raises(RowsRefused) as refused:
        indicator_values_upsert(
            [row(indicators["lines"], city["A"], Y2019, 1), row(indicators["lines"], city["X"], Y2019, 1)],
            user=clerk,
            today=TODAY,
        )
    assert list(refused.value.problems) == [1]
    assert refused.value.problems[1][0][0] == "unit"
    assert not IndicatorValue.objects.exists()


def test_upsert_counts_and_who_wrote(city, indicators):
    clerk = UserFactory(username="clerk_t", role="clerk", units=[city["T"]])
    mail = indicators["mail"]
    first = indicator_values_upsert([row(mail, city["A"], Y2019, 40, 50)], user=clerk, today=TODAY)
    again = indicator_values_upsert([row(mail, city["A"], Y2019, "40.00", 50)], user=clerk, today=TODAY)
    changed = indicator_values_upsert(
        [row(mail, city["A"], Y2019, 45, 50, "sửa"), row(mail, city["B"], Y2019, 1, 2)], today=TODAY
    )
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert (changed.created, changed.updated, changed.unchanged) == (1, 1, 0)
    stored = IndicatorValue.objects.get(unit=city["A"])
    assert (stored.value, stored.denominator, stored.note, stored.updated_by) == (45, 50, "sửa", None)


def test_an_inactive_indicators_stored_value_may_be_corrected(city, indicators):
    lines = indicators["lines"]
    indicator_values_upsert([row(lines, city["A"], Y2019, 10)], today=TODAY)
    indicator_save(code="broadband", name=lines.name, measure=lines.measure, periodicity="year", active=False)
    assert indicator_values_upsert([row(lines, city["A"], Y2019, 12)], today=TODAY).updated == 1
    with pytest.raises(RowsRefused) as refused:
        indicator_values_upsert([row(lines, city["A"], Y2018, 8)], today=TODAY)
    assert refused.value.problems[0][0][0] == "indicator"


def test_indicator_save_rules(indicators, city):
    with pytest.raises(RowsRefused) as refused:
        indicator_save(code="có dấu", name="", measure="x", periodicity="week")
    assert [field for field, _r in refused.value.problems[0]] == ["code", "name", "periodicity"]
    indicator_values_upsert([row(indicators["mail"], city["A"], Y2019, 1, 2)], today=TODAY)
    with pytest.raises(RowsRefused) as refused:
        indicator_save(code="official_mail", name="Thư", measure="tài khoản", periodicity="month")
    assert [field for field, _r in refused.value.problems[0]] == ["periodicity", "denominator"]
    assert Indicator.objects.get(code="official_mail").periodicity == "year"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("50200", 50200),
        ("50.200", 50200),
        ("50,200", 50200),
        ("50 200", 50200),
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        (701.0, 701),
    ],
)
def test_amounts_as_written(text, number):
    assert parse_amount(text) == number


@pytest.mark.parametrize("text", ["-5", "abc", "1.2.3", "12,5%", ""])
def test_amounts_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("periodicity", "text", "start"),
    [
        ("year", "2019", Y2019),
        ("year", "năm 2019", Y2019),
        ("quarter", "2019-Q3", datetime.date(2019, 7, 1)),
        ("quarter", "quý 3/2019", datetime.date(2019, 7, 1)),
        ("month", "07/2019", datetime.date(2019, 7, 1)),
        ("month", "2019-07", datetime.date(2019, 7, 1)),
        ("month", datetime.datetime(2019, 7, 1), datetime.date(2019, 7, 1)),
    ],
)
def test_periods_as_written(periodicity, text, start):
    assert period_start_for(periodicity, text) == start


@pytest.mark.parametrize(
    ("periodicity", "text"),
    [
        ("year", "2019-Q3"),
        ("quarter", "2019"),
        ("month", "2019-Q1"),
        ("year", datetime.date(2019, 7, 1)),
        ("year", "x"),
    ],
)
def test_periods_of_another_periodicity_refused(periodicity, text):
    with pytest.raises(ValueError):
        period_start_for(periodicity, text)
    assert parse_period("2019-H1")  # a half-year is a period, but no indicator's


# --- figures over a subtree ---------------------------------------------------------------------------


@pytest.fixture
def province(indicators):
    """P with district D1 (which reports its own value) over wards W1, W2 (which report too), and D2 (which
    does not) over wards W3, W4 (which do); Q, another province."""
    p = UnitFactory(code="P", name="Tỉnh P", kind=UnitKind.PROVINCE)
    d1 = UnitFactory(code="D1", name="Huyện D1", kind=UnitKind.DISTRICT, parent=p)
    d2 = UnitFactory(code="D2", name="Huyện D2", kind=UnitKind.DISTRICT, parent=p)
    units = {"P": p, "D1": d1, "D2": d2}
    for code, parent in (("W1", d1), ("W2", d1), ("W3", d2), ("W4", d2)):
        units[code] = UnitFactory(code=code, parent=parent)
    units["Q"] = UnitFactory(code="Q", kind=UnitKind.PROVINCE)
    mail = indicators["mail"]
    indicator_values_upsert(
        [
            row(mail, d1, Y2019, 300, 400),
            row(mail, units["W1"], Y2019, 100, 150),
            row(mail, units["W2"], Y2019, 150, 200),
            row(mail, units["W3"], Y2019, 201, 300),
            row(mail, units["W4"], Y2019, 200, 307),
            row(mail, units["Q"], Y2019, 5, 5),
            row(mail, units["W3"], Y2018, 100, 300),
            row(indicators["lines"], units["W3"], Y2019, 1000),
            row(indicators["lines"], units["W4"], Y2019, 2500),
        ],
        today=TODAY,
    )
    return units


def test_a_units_own_value_else_the_sum_below_it(province, indicators):
    mail = indicators["mail"]
    mail_q = Q(indicator_id=mail.pk)
    p = figures(province["P"], mail_q)[(mail.pk, Y2019)]
    # D1's own 300 / 400 (its wards left out), W3 and W4 below D2: 701 / 1007.
    assert (p.value, p.denominator, p.own, p.units) == (701, 1007, False, 3)
    assert p.share == Decimal("69.61")  # 69.6127...
    d1 = figures(province["D1"], mail_q)[(mail.pk, Y2019)]
    assert (d1.value, d1.denominator, d1.own, d1.units) == (300, 400, True, 1)
    d2 = figures(province["D2"], mail_q)[(mail.pk, Y2019)]
    assert (d2.value, d2.denominator, d2.share) == (401, 607, Decimal("66.06"))
    assert figures(province["Q"], mail_q)[(mail.pk, Y2019)].value == 5


def test_series_of_the_last_periods_in_two_queries(province, indicators, django_assert_num_queries):
    with django_assert_num_queries(2):
        series = indicator_series(province["P"], as_of=TODAY)
    by_code = {item.indicator.code: item for item in series}
    assert list(by_code) == ["official_mail", "broadband", "kiosks", "posts"]  # active ones, in order
    mail = by_code["official_mail"]
    assert [start.year for start, _figure in mail.points] == [2015, 2016, 2017, 2018, 2019]
    assert mail.latest.value == 701 and mail.previous.value == 100
    assert mail.trend_values[-2:] == [Decimal("33.33"), Decimal("69.61")]
    assert by_code["broadband"].latest.value == 3500
    assert by_code["kiosks"].latest is None and len(by_code["kiosks"].points) == 12
    # As of the end of 2018: 2019 is not yet there.
    assert indicator_series(province["P"], as_of=datetime.date(2018, 12, 31))[0].latest.value == 100
    # Near the portal's first year the window starts in 2000, not before.
    early = {item.indicator.code: item for item in indicator_series(province["P"], as_of=datetime.date(2001, 6, 30))}
    assert [start.year for start, _figure in early["official_mail"].points] == [2000, 2001]
    assert [start for start, _figure in early["kiosks"].points][0] == datetime.date(2000, 7, 1)


# --- pages --------------------------------------------------------------------------------------------


@pytest.fixture
def reported(city, indicators):
    """Tam Kỳ-like figures for T (its own) and for A; X's secret figure."""
    mail, lines = indicators["mail"], indicators["lines"]
    indicator_values_upsert(
        [
            row(mail, city["T"], Y2018, 612, 885),
            row(mail, city["T"], Y2019, 701, 907),
            row(lines, city["T"], Y2019, 50_200),
            row(lines, city["A"], Y2019, 20_000),
            row(lines, city["X"], Y2019, 777_777, note="Bí mật"),
        ],
        today=TODAY,
    )
    return city


@pytest.fixture
def clerk(city):
    return UserFactory(username="clerk_a", role="clerk", units=[city["A"]])


@pytest.fixture
def leader(city):
    return UserFactory(username="leader_t", role="leader", units=[city["T"]])


def test_the_indicators_page_shows_latest_figures_shares_and_trends(client, reported, leader):
    client.force_login(leader)
    response = client.get(reverse("directing:indicators"), {"unit": "T"})
    assert response.status_code == 200
    html = response.content.decode()
    mail = html[html.index('data-indicator="official_mail"') :]
    mail = mail[: mail.index("</tr>")]
    assert "701</strong> / 907" in mail and "77,29%" in mail and "69,15%" in mail  # 612 / 885 the year before
    assert "<svg" in mail and "<polyline" in mail
    lines = html[html.index('data-indicator="broadband"') :]
    assert "50.200" in lines[: lines.index("</tr>")]
    assert "777.777" not in html and "Bí mật" not in html
    assert reverse("directing:indicator_entry") in html
    # The export link: the periods of the trends, up to the latest reported; the file holds its figures.
    export = response.context["export_url"]
    assert export.startswith(reverse("directing:indicators_export") + "?unit=T&period=")
    assert export.replace("&", "&amp;") in html
    book = openpyxl.load_workbook(io.BytesIO(client.get(export).content))
    assert 701 in [cell.value for row in book.active.iter_rows() for cell in row]
    # Without ?unit: the top unit of the user's scope.
    assert client.get(reverse("directing:indicators")).context["unit"] == reported["T"]


def test_a_units_figure_adds_up_the_units_below_when_it_has_none(client, reported, clerk):
    client.force_login(clerk)
    response = client.get(reverse("directing:indicators"), {"unit": "A"})
    assert response.status_code == 200
    [lines] = [item for item, _spark in response.context["rows"] if item.indicator.code == "broadband"]
    assert lines.latest.value == 20_000 and lines.latest.own


@pytest.mark.parametrize("name", ["directing:indicators", "directing:indicator_entry"])
def test_scope_on_the_new_pages(client, reported, clerk, name):
    client.force_login(clerk)
    assert client.get(reverse(name), {"unit": "A", "period": "2019"}).status_code == 200
    for code in ("B", "T", "X", "NOPE"):  # a sibling, the unit above, another city, unknown
        response = client.get(reverse(name), {"unit": code, "period": "2019"})
        assert response.status_code == 404, code
        assert "777" not in response.content.decode()
    client.logout()
    response = client.get(reverse(name), {"unit": "A"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_entry_post_outside_the_scope_answers_404_and_writes_nothing(client, reported, clerk, indicators):
    client.force_login(clerk)
    url = reverse("directing:indicator_entry") + "?unit=X&period=2018"
    assert client.post(url, {"broadband-value": "1"}).status_code == 404
    client.logout()
    assert client.post(url, {"broadband-value": "1"}).status_code == 302
    assert not IndicatorValue.objects.filter(period_start=Y2018, indicator=indicators["lines"]).exists()


def test_entry_form_saves_all_or_nothing_and_shows_the_refusals(client, reported, leader, indicators):
    client.force_login(leader)
    url = reverse("directing:indicator_entry") + "?unit=T&period=2018"
    page = client.get(url)
    assert page.status_code == 200
    forms = page.context["rows"]
    assert [form.indicator.code for form in forms] == ["official_mail", "broadband"]  # yearly, active
    assert forms[0]["value"].value() == "612" and forms[0]["denominator"].value() == "885"
    assert "denominator" not in forms[1].fields
    # A good row and a bad one (more than the denominator): nothing saved, the reason next to the field.
    response = client.post(
        url,
        {
            "official_mail-value": "900",
            "official_mail-denominator": "885",
            "broadband-value": "46.100",
        },
    )
    assert response.status_code == 200
    [reason] = response.context["rows"][0].errors["value"]
    assert "900" in reason and "885" in reason
    html = response.content.decode()
    row_html = html[html.index('<tr data-indicator="official_mail"') :]
    assert "form__error" in row_html[: row_html.index("</tr>")]
    assert not IndicatorValue.objects.filter(indicator=indicators["lines"], period_start=Y2018).exists()
    assert IndicatorValue.objects.get(indicator=indicators["mail"], unit=reported["T"], period_start=Y2018).value == 612
    # A cell that is not a number: the form says so, and the rules of the other rows too; nothing saved.
    response = client.post(
        url, {"official_mail-value": "900", "official_mail-denominator": "885", "broadband-value": "nhiều"}
    )
    mail_form, lines_form = response.context["rows"]
    assert "885" in mail_form.errors["value"][0] and "nhiều" in lines_form.errors["value"][0]
    assert response.context["form_error"]
    # Both good: saved, with who wrote them.
    response = client.post(
        url, {"official_mail-value": "650", "official_mail-denominator": "885", "broadband-value": "46.100"}
    )
    assert response.status_code == 302
    saved = IndicatorValue.objects.get(indicator=indicators["lines"], unit=reported["T"], period_start=Y2018)
    assert (saved.value, saved.updated_by) == (46_100, leader)
    assert IndicatorValue.objects.get(indicator=indicators["mail"], unit=reported["T"], period_start=Y2018).value == 650


def test_entry_refuses_a_period_it_cannot_take(client, reported, leader):
    client.force_login(leader)
    url = reverse("directing:indicator_entry")
    for period in ("2019-13", "2019-H1", "2031"):
        response = client.get(url, {"unit": "T", "period": period})
        assert response.status_code == 400, period
        assert response.context["error"]
    # A unit that did not exist in the period: each row says so.
    response = client.post(url + "?unit=B&period=2019-Q3", {"posts-value": "3"})
    assert response.status_code == 200
    assert response.context["rows"][0].non_field_errors()
    assert not IndicatorValue.objects.filter(unit=reported["B"]).exists()


def test_the_monthly_and_quarterly_forms(client, reported, leader, indicators):
    client.force_login(leader)
    url = reverse("directing:indicator_entry")
    response = client.get(url, {"unit": "A", "period": "07/2019"})
    assert [form.indicator.code for form in response.context["rows"]] == ["kiosks"]
    response = client.post(f"{url}?unit=A&period=2019-Q3", {"posts-value": "12,5", "posts-note": "ghi chú"})
    assert response.status_code == 302
    saved = IndicatorValue.objects.get(indicator=indicators["quarterly"], unit=reported["A"])
    assert (saved.period_start, saved.value, saved.note) == (datetime.date(2019, 7, 1), Decimal("12.5"), "ghi chú")
    response = client.post(f"{url}?unit=A&period=2019-Q3", {"posts-value": ""})
    assert response.status_code == 200 and response.context["form_error"]


def test_the_unit_page_shows_the_indicators_beside_the_kpis(client, reported, leader):
    client.force_login(leader)
    response = client.get(reverse("reports:unit", args=["T"]), {"period": "2019"})
    assert response.status_code == 200
    html = response.content.decode()
    panel = html[html.index('id="indicators-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "Thư công vụ đang dùng" in panel and "701</strong> / 907" in panel and "77,29%" in panel
    assert "50.200" in panel and "<svg" in panel
    # As of 2018: the 2018 figure.
    html = client.get(reverse("reports:unit", args=["T"]), {"period": "2018"}).content.decode()
    panel = html[html.index('id="indicators-panel"') :]
    assert "612</strong> / 885" in panel[: panel.index("</section>")]


def test_no_section_without_figures(client, city, leader):
    client.force_login(leader)
    html = client.get(reverse("reports:unit", args=["T"]), {"period": "2019"}).content.decode()
    assert 'id="indicators-panel"' not in html


# --- admin --------------------------------------------------------------------------------------------


def test_the_admins_value_form_applies_the_rules(client, city, indicators):
    admin = UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:directing_indicatorvalue_add")
    data = {
        "indicator": indicators["mail"].pk,
        "unit": city["T"].pk,
        "period_start": "01/01/2019",
        "value": "950",
        "denominator": "907",
        "note": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"]
    assert not IndicatorValue.objects.exists()
    response = client.post(url, {**data, "value": "701"})
    assert response.status_code == 302
    stored = IndicatorValue.objects.get()
    assert (stored.value, stored.updated_by) == (701, admin)


def test_the_admins_indicator_form_validates_the_code(client, db):
    admin = UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    data = {"code": "thư công vụ", "name": "Thư", "measure": "tài khoản", "periodicity": "year", "position": 0}
    response = client.post(reverse("admin:directing_indicator_add"), data)
    assert response.status_code == 200 and response.context["adminform"].form.errors["code"]
    response = client.post(reverse("admin:directing_indicator_add"), {**data, "code": "official_mail"})
    assert response.status_code == 302
    assert Indicator.objects.get().code == "official_mail"
