"""Today's tree (docs/kpis.md, "Today's tree"): the figures of merged units added into their successors, so
that a commune formed by the 2025 reform has a continuous history; splits and units without a successor
named, nothing counted twice; the same on the pages, the API and the commands, in a fixed number of
queries."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Role
from core.periods import Month, Period
from demo.seeding import seed_demo
from reports.selectors import Tree, kpis_for, kpis_for_units, ranking
from reports.series import monthly_kpis
from tests.factories import FilingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

END = datetime.date(2025, 6, 30)
START = datetime.date(2025, 7, 1)
TODAY = datetime.date(2026, 1, 15)
YEARS = Period.parse("2024-01..2025-12")
RATES = ("online_rate", "online_rate_eligible", "on_time_rate")

# (online, at the desk) by unit and month.
FIGURES = {
    "A": {(2024, 6): (3, 7), (2025, 3): (4, 6)},
    "B": {(2024, 6): (5, 5), (2025, 3): (6, 4)},
    "S": {(2024, 6): (1, 1)},
    "C": {(2024, 6): (2, 8)},
    "M": {(2025, 3): (7, 3)},
    "O": {(2024, 6): (9, 1)},
    "D1.TTHCC": {(2024, 6): (10, 10)},
    "N1": {(2025, 9): (8, 2)},
    "N2": {(2025, 9): (5, 5)},
}


@pytest.fixture
def reform():
    """Province P: districts D1 and D2 (and D1's centre) end with June 2025; N1 took over A (of D1) and B (of
    D2); C -> M -> N2 is a chain; S was split between N1 and N2; O and the centre have no successor."""
    p = UnitFactory(code="P", name="Tỉnh P", kind=UnitKind.PROVINCE)
    d1 = UnitFactory(code="D1", name="Huyện Một", kind=UnitKind.DISTRICT, parent=p, valid_to=END)
    d2 = UnitFactory(code="D2", name="Huyện Hai", kind=UnitKind.DISTRICT, parent=p, valid_to=END)
    units = {"P": p, "D1": d1, "D2": d2}
    for code, name, parent, valid_from, valid_to in (
        ("D1.TTHCC", "Trung tâm Một", d1, None, END),
        ("A", "Xã An", d1, None, END),
        ("S", "Xã Sông", d1, None, END),
        ("B", "Xã Bình", d2, None, END),
        ("C", "Xã Cũ", d2, None, datetime.date(2024, 12, 31)),
        ("M", "Xã Mới Lập", d2, datetime.date(2025, 1, 1), END),
        ("O", "Xã Ốc", d2, None, END),
        ("N1", "Phường Nhất", p, START, None),
        ("N2", "Phường Nhì", p, START, None),
    ):
        kind = UnitKind.CENTER if code.endswith("TTHCC") else UnitKind.COMMUNE
        units[code] = UnitFactory(
            code=code, name=name, kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to
        )
    for old, new in (("A", "N1"), ("B", "N1"), ("C", "M"), ("M", "N2"), ("S", "N1"), ("S", "N2")):
        units[old].successors.add(units[new])
    procedure = ProcedureFactory(code="1.001193")
    for code, months in FIGURES.items():
        for (year, month), (online, direct) in months.items():
            FilingFactory(
                unit=units[code],
                procedure=procedure,
                year=year,
                month=month,
                received_online=online,
                received_direct=direct,
                resolved_on_time=online + direct - 1,
                resolved_late=1,
            )
    return units


def fraction(value):
    return (value.numerator, value.denominator)


def summed(items, key):
    return (sum(item[key].numerator for item in items), sum(item[key].denominator for item in items))


# --- the selectors ----------------------------------------------------------------------------------------


def test_a_merged_commune_has_the_sum_of_its_predecessors(reform):
    u = reform
    today = kpis_for_units([u["N1"], u["N2"]], YEARS, tree=Tree.TODAY)
    alone = kpis_for_units([u[code] for code in ("A", "B", "N1", "C", "M", "N2")], YEARS)
    for successor, parts in (("N1", ("A", "B", "N1")), ("N2", ("C", "M", "N2"))):
        figures = today[u[successor].pk]
        for key in RATES:
            assert fraction(figures[key]) == summed([alone[u[code].pk] for code in parts], key), (successor, key)
        assert [unit.code for unit in figures.predecessors] == [code for code in parts if code != successor]
        assert [unit.code for unit in figures.split] == ["S"]
    # N1: (3 + 4 + 5 + 6 + 8) / (10 + 10 + 10 + 10 + 10); the rate is the ratio of the sums.
    n1 = today[u["N1"].pk]["online_rate"]
    assert fraction(n1) == (26, 50) and str(n1.value) == "52.00"
    assert today[u["N2"].pk]["online_rate"].numerator == 2 + 7 + 5
    # The period's tree is as before: N1 its own figures only.
    assert fraction(kpis_for(u["N1"], YEARS)["online_rate"]) == (8, 10)


def test_nothing_is_counted_twice_at_the_province(reform):
    u = reform
    before = kpis_for(u["P"], YEARS)
    after = kpis_for(u["P"], YEARS, tree=Tree.TODAY)
    for key in RATES:
        assert fraction(after[key]) == fraction(before[key])
    assert after.predecessors == () and after.split == ()
    # 3 + 4 + 5 + 6 + 1 + 2 + 7 + 9 + 10 + 8 + 5 online filings in all.
    assert after["online_rate"].numerator == 60


def test_own_figures_add_the_predecessors_own_rows(reform):
    u = reform
    own = kpis_for_units([u["N1"], u["N2"]], YEARS, own=True, tree=Tree.TODAY)
    assert fraction(own[u["N1"].pk]["online_rate"]) == (26, 50)
    assert fraction(own[u["N2"].pk]["online_rate"]) == (14, 30)


def test_the_monthly_series_is_continuous(reform):
    u = reform
    series = monthly_kpis([u["N1"]], YEARS, tree=Tree.TODAY)[u["N1"].pk]
    by_month = {str(month): fraction(kpis["online_rate"]) for month, kpis in series.items()}
    assert by_month["2024-06"] == (8, 20)  # A and B, before N1 existed
    assert by_month["2025-03"] == (10, 20)
    assert by_month["2025-09"] == (8, 10)  # N1 itself
    assert list(series) == YEARS.months
    # Each month is what kpis_for_units gives for that month alone.
    for month in (Month(2024, 6), Month(2025, 3), Month(2025, 9)):
        alone = kpis_for(u["N1"], Period(month, month), tree=Tree.TODAY)
        assert all(fraction(series[month][key]) == fraction(alone[key]) for key in RATES)


def test_the_ranking_in_todays_tree_ranks_todays_units(reform):
    u = reform
    result = ranking(YEARS, "online_rate", parent=u["P"], tree=Tree.TODAY, today=TODAY)
    assert [(row.unit.code, fraction(row.kpi_value)) for row in result.rows] == [("N1", (26, 50)), ("N2", (14, 30))]
    assert [unit.code for unit in result.split] == ["S"]
    assert [unit.code for unit in result.left_out] == ["D1.TTHCC", "O"]
    assert [unit.code for unit in result.predecessors] == ["A", "B", "C", "M"]
    # The ranked units, the split unit and the units left out make up the province.
    province = kpis_for(u["P"], YEARS)["online_rate"]
    others = kpis_for_units([u["S"], u["D1.TTHCC"], u["O"]], YEARS).values()
    parts = summed(others, "online_rate")
    combined = fraction(result.combined)
    assert (combined[0] + parts[0], combined[1] + parts[1]) == fraction(province)
    as_json = result.as_json()
    assert as_json["tree"] == "today" and as_json["split"] == ["S"] and as_json["left_out"] == ["D1.TTHCC", "O"]
    # The period's tree ranks the districts, and its JSON has no new key.
    period = ranking(YEARS, "online_rate", parent=u["P"])
    assert {row.unit.code for row in period.rows} == {"D1", "D2", "N1", "N2"}
    assert "tree" not in period.as_json()


def add_merged_communes(reform, count):
    """`count` more new communes under P, each the successor of an old commune of D1 with figures."""
    procedure = ProcedureFactory(code="1.001193")
    for n in range(count):
        old = UnitFactory(code=f"OLD{n}", parent=reform["D1"], valid_to=END)
        new = UnitFactory(code=f"NEW{n}", parent=reform["P"], valid_from=START)
        old.successors.add(new)
        FilingFactory(unit=old, procedure=procedure, year=2024, month=6, received_online=1, received_direct=1)


def count_queries(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_the_query_counts_do_not_grow_with_the_units(reform, django_assert_num_queries):
    u = reform
    # kpis_for_units: the successor links and the predecessors (2), the filings of the units and of their
    # predecessors (one depth each: 2), the same for the offering totals (2) and for the online offerings
    # with online filings (2), the targets. monthly_kpis: 2 + 2 +
    # the targets. ranking: the units, the lineage (2), kpis_for_units of the ranked KPI alone, but the
    # lineage (the filings of the units and of their predecessors, the targets: 3), the previous period's
    # figures of the units and their predecessors (2), the units left out.
    for more in (0, 8):
        add_merged_communes(reform, more)
        units = list(Unit.objects.filter(parent=u["P"], valid_from=START))
        assert len(units) == 2 + more
        with django_assert_num_queries(9):
            kpis_for_units(units, YEARS, tree=Tree.TODAY)
        with django_assert_num_queries(5):
            monthly_kpis(units, YEARS, tree=Tree.TODAY)
        with django_assert_num_queries(9):
            ranking(YEARS, "online_rate", parent=u["P"], tree=Tree.TODAY, today=TODAY)


# --- the pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def leader(client, reform):
    client.force_login(UserFactory(username="lanhdao.p", role=Role.LEADER, units=[reform["P"]]))
    return client


def test_the_ranking_page_switches_to_todays_units(leader, reform):
    response = leader.get(reverse("reports:ranking"), {"unit": "P", "period": "2024-01..2025-12", "tree": "today"})
    assert response.status_code == 200
    assert [row.unit.code for row in response.context["result"].rows] == ["N1", "N2"]
    html = response.content.decode()
    assert 'id="tree-switch"' in html and 'name="tree" value="today"' in html
    notes = html[html.index('class="legend tree-notes"') :]
    notes = notes[: notes.index("</ul>")]
    assert "Xã Sông" in notes and "Xã Ốc" in notes and "Trung tâm Một" in notes and "Xã An" in notes
    # The presets, the kinds, the switch and the units' links keep the tree.
    assert all("tree=today" in href for _label, href, _on in response.context["presets"])
    assert f'href="{reverse("reports:unit", args=["N1"])}?period=2024-01..2025-12&amp;tree=today"' in html
    [(_label, period_href, period_on), (_label2, today_href, today_on)] = response.context["tree_switch"]
    assert "tree" not in period_href and "tree=today" in today_href and today_on and not period_on
    # Without the parameter: the tree of the period, the districts.
    response = leader.get(reverse("reports:ranking"), {"unit": "P", "period": "2024"})
    assert {row.unit.code for row in response.context["result"].rows} == {"D1", "D2"}
    assert 'class="legend tree-notes"' not in response.content.decode()


def test_a_bad_tree_is_named_and_the_page_shows_the_period_tree(leader, reform):
    for name, kwargs, params in (
        ("reports:ranking", {}, {"unit": "P", "period": "2024"}),
        ("reports:unit", {"code": "P"}, {"period": "2024"}),
    ):
        response = leader.get(reverse(name, kwargs=kwargs or None), {**params, "tree": "tomorrow"})
        assert response.status_code == 400
        html = response.content.decode()
        assert escape("“tree”") in html and escape("“tomorrow”") in html


def test_the_unit_page_of_a_merged_commune_has_a_continuous_trend(leader, reform):
    response = leader.get(reverse("reports:unit", args=["N1"]), {"period": "2025", "tree": "today"})
    assert response.status_code == 200
    figures = {value.kpi.key: value for value in response.context["figures"]}
    assert fraction(figures["online_rate"]) == (18, 30)  # 2025: A and B in March, N1 in September
    html = response.content.decode()
    notes = html[html.index('class="legend tree-notes"') :]
    assert "Xã An" in notes[: notes.index("</ul>")] and "Xã Bình" in notes[: notes.index("</ul>")]
    assert "Xã Sông" in notes[: notes.index("</ul>")]  # split: named, not added
    trend = next(chart for chart in response.context["trends"] if chart["key"] == "online_rate")
    this_year, last_year = trend["series"][0]["values"], trend["series"][1]["values"]
    assert (this_year[2], this_year[8]) == (50.0, 80.0)  # March from the predecessors, September N1's own
    assert last_year[5] == 40.0  # June 2024: A and B
    # In the period's tree, N1 has nothing before it existed.
    response = leader.get(reverse("reports:unit", args=["N1"]), {"period": "2025"})
    trend = next(chart for chart in response.context["trends"] if chart["key"] == "online_rate")
    assert trend["series"][0]["values"][2] is None and trend["series"][1]["values"][5] is None


def test_the_pages_run_a_fixed_number_of_queries(leader, reform):
    def counts():
        return (
            count_queries(
                lambda: leader.get(reverse("reports:ranking"), {"unit": "P", "period": "2025", "tree": "today"})
            ),
            count_queries(lambda: leader.get(reverse("reports:unit", args=["P"]), {"period": "2025", "tree": "today"})),
            count_queries(
                lambda: leader.get(reverse("reports:unit", args=["N1"]), {"period": "2025", "tree": "today"})
            ),
        )

    counts()  # a session's first request records its time
    before = counts()
    add_merged_communes(reform, 8)
    assert counts() == before


def test_a_leader_of_a_new_commune_sees_its_predecessors_figures_but_not_their_pages(client, reform):
    client.force_login(UserFactory(username="lanhdao.n1", role=Role.LEADER, units=[reform["N1"]]))
    response = client.get(reverse("reports:unit", args=["N1"]), {"period": "2024-01..2025-12", "tree": "today"})
    assert response.status_code == 200
    figures = {value.kpi.key: value for value in response.context["figures"]}
    assert fraction(figures["online_rate"]) == (26, 50)
    assert "Xã An" in response.content.decode()  # named in the note, not linked
    assert f'href="{reverse("reports:unit", args=["A"])}' not in response.content.decode()
    for code in ("A", "B", "D1"):
        assert client.get(reverse("reports:unit", args=[code]), {"period": "2024", "tree": "today"}).status_code == 404
    assert client.get(reverse("reports:ranking"), {"unit": "D1", "tree": "today"}).status_code == 404


# --- the API and the commands -------------------------------------------------------------------------------


def test_the_api_takes_the_tree(client, reform):
    client.force_login(UserFactory(username="lanhdao.api", role=Role.LEADER, units=[reform["P"]]))
    data = client.get("/api/v1/kpi", {"unit": "N1", "period": "2024-01..2025-12", "tree": "today"}).json()
    assert data["tree"] == "today" and data["predecessors"] == ["A", "B"] and data["split"] == ["S"]
    assert (data["kpis"]["online_rate"]["numerator"], data["kpis"]["online_rate"]["denominator"]) == (26, 50)
    assert "tree" not in client.get("/api/v1/kpi", {"unit": "N1", "period": "2025"}).json()
    data = client.get(
        "/api/v1/ranking", {"parent": "P", "period": "2024-01..2025-12", "kpi": "online_rate", "tree": "today"}
    ).json()
    assert [row["unit"] for row in data["rows"]] == ["N1", "N2"] and data["left_out"] == ["D1.TTHCC", "O"]
    response = client.get("/api/v1/kpi", {"unit": "N1", "period": "2025", "tree": "yesterday"})
    assert response.status_code == 400 and response.json()["parameter"] == "tree"


def test_the_commands_take_the_tree(reform):
    out = StringIO()
    call_command("kpi", "--unit", "N1", "--period", "2024-01..2025-12", "--tree", "today", "--json", stdout=out)
    assert json.loads(out.getvalue())["kpis"]["online_rate"]["numerator"] == 26
    out = StringIO()
    call_command("kpi", "--unit", "N1", "--period", "2024-01..2025-12", "--tree", "today", stdout=out)
    assert "including the figures of: A, B" in out.getvalue()
    out = StringIO()
    call_command(
        "ranking",
        "--parent",
        "P",
        "--period",
        "2024-01..2025-12",
        "--kpi",
        "online_rate",
        "--tree",
        "today",
        stdout=out,
    )
    assert "N1" in out.getvalue() and "split between several successors, not added: S" in out.getvalue()


# --- the demo (last in this module: the demo stays loaded until its end) ------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module's demo tests inside a transaction rolled back after them."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed_demo(with_users=False)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("period", ["2019", "2025-01..2025-06", "2024-01..2026-06"])
def test_demo_cam_pha_ward_in_todays_tree_is_the_sum_of_its_five_predecessors(seeded, period):
    period = Period.parse(period)
    ward = Unit.objects.get(code="22.CAMPHA")
    today = kpis_for(ward, period, tree=Tree.TODAY)
    assert [unit.code for unit in today.predecessors] == ["06769", "06775", "06790", "06793", "06796"]
    alone = kpis_for_units([*today.predecessors, ward], period).values()
    for key in (*RATES, "procedures_online_rate"):
        assert fraction(today[key]) == summed(alone, key), key
    assert today["online_rate"].denominator > 0


def test_demo_quang_ninh_in_todays_tree(seeded):
    province = Unit.objects.get(code="22")
    period = Period.parse("2025")
    assert fraction(kpis_for(province, period, tree=Tree.TODAY)["online_rate"]) == fraction(
        kpis_for(province, period)["online_rate"]
    )
    result = ranking(period, "online_rate", parent=province, tree=Tree.TODAY)
    assert {row.unit.code for row in result.rows} == {
        "22.CAMPHA",
        "22.QUANGHANH",
        "22.CUAONG",
        "22.MONGDUONG",
        "22.UONGBI",
        "22.VANGDANH",
        "22.YENTU",
    }
    assert [unit.code for unit in result.split] == ["06820"]  # Trưng Vương, split between two wards
    assert {"06799", "06802"} <= {unit.code for unit in result.left_out}  # Cộng Hòa, Cẩm Hải: no successor
    series = monthly_kpis([Unit.objects.get(code="22.CAMPHA")], Period.parse("2025"), tree=Tree.TODAY)
    assert all(kpis["online_rate"].denominator > 0 for kpis in next(iter(series.values())).values())
