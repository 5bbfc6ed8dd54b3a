"""The entry pages: the grid, validation at the cell, save and submit, decisions, conflicts, locks and scope."""

import json
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.periods import Month
from filings.models import COUNT_FIELDS, FIGURE_FIELDS, MonthlyFiling, UnitMonth
from filings.selectors import source_label
from filings.services import Source, filings_upsert
from filings.workflow import unit_month_approve, unit_month_return, unit_month_submit
from reports.templatetags.kpis import month_comparison
from tests.factories import FilingFactory, UnitFactory
from tests.filings.helpers import entry_url, post_entry

pytestmark = pytest.mark.django_db


def url(unit, year, month, name="entry"):
    return entry_url(unit, year, month, name)


def post_grid(client, office, year, month, cells, *, version=0, action="save", unit=None, **extra):
    """Post the changed rows as the page does; `cells` maps (procedure code, count) to the typed text."""
    procedures = {p.code: p for p in (office.procedure, office.second_procedure)}
    changes = {}
    for (code, name), text in cells.items():
        changes.setdefault(procedures[code], {})[name] = text
    return post_entry(client, unit or office.commune, year, month, changes, version=version, action=action, **extra)


@pytest.fixture
def as_clerk(client, office):
    client.force_login(office.clerk)
    return client


def test_the_grid_has_a_row_per_offered_procedure_and_a_cell_per_count(as_clerk, office):
    year, month = office.open_month
    response = as_clerk.get(url(office.commune, year, month))
    assert response.status_code == 200
    html = response.content.decode()
    assert [row.item.code for row in response.context["grid"].rows] == ["1.004227"]  # A's offering
    row = html[html.index(f'data-row="{office.procedure.pk}"') :]
    assert row[: row.index("</tr>")].count("<input") == len(FIGURE_FIELDS)  # form 06 and Decision 766
    assert 'name="version" value="0"' in html and 'name="changes"' in html
    assert response.context["grid"].status == "missing"


def test_saving_a_draft_stores_the_figures_and_shows_them_at_once_in_the_cli(as_clerk, office):
    year, month = office.open_month
    cells = {
        ("1.004227", "received_online"): "1.234",
        ("1.004227", "received_direct"): "766",
        ("1.004227", "resolved_on_time"): "2000",
    }
    response = post_grid(as_clerk, office, year, month, cells)
    assert response.status_code == 302 and response.url == url(office.commune, year, month)
    filing = MonthlyFiling.objects.get()
    assert (filing.received_online, filing.received_direct, filing.resolved_on_time, filing.carried_over) == (
        1234,
        766,
        2000,
        0,
    )
    assert UnitMonth.objects.get().status == "draft"
    out = StringIO()
    call_command("kpi", "--unit", "D", "--period", f"{year}-{month:02d}", "--json", stdout=out)
    online_rate = json.loads(out.getvalue())["kpis"]["online_rate"]
    assert (online_rate["numerator"], online_rate["denominator"], online_rate["value"]) == (1234, 2000, "61.70")
    page = as_clerk.get(url(office.commune, year, month))
    assert "61,70%" in page.content.decode()
    # The leader's dashboard too, with no batch step in between.
    as_clerk.force_login(office.leader)
    home = as_clerk.get(reverse("home"), {"period": f"{year}-{month:02d}"})
    assert "61,70%" in home.content.decode()


def test_a_bad_cell_is_shown_at_the_cell_and_nothing_is_saved(as_clerk, office):
    year, month = office.open_month
    cells = {
        ("1.004227", "received_online"): "12",
        ("2.000908", "received_direct"): "-3",
        ("2.000908", "resolved_late"): "abc",
    }
    response = post_grid(as_clerk, office, year, month, cells)
    assert response.status_code == 400
    assert not MonthlyFiling.objects.exists() and not UnitMonth.objects.exists()
    html = response.content.decode()
    pid = office.second_procedure.pk
    direct, late = COUNT_FIELDS.index("received_direct"), COUNT_FIELDS.index("resolved_late")
    assert f'aria-describedby="e{pid}-{direct}"' in html and f'id="e{pid}-{late}"' in html
    summary = response.context["form"].summary
    direct_label = MonthlyFiling._meta.get_field("received_direct").verbose_name
    assert any("2.000908" in line and str(direct_label) in line for line in summary)
    assert len(summary) == 2
    # The typed values are kept, including the good ones, and still count as changes to send.
    assert 'value="12"' in html and 'value="abc"' in html
    assert html.count("data-unsaved") == 2


def test_an_empty_new_row_is_not_stored(as_clerk, office):
    year, month = office.open_month
    post_grid(as_clerk, office, year, month, {("2.000908", "received_online"): "4", ("1.004227", "carried_over"): ""})
    assert list(MonthlyFiling.objects.values_list("procedure__code", flat=True)) == ["2.000908"]


def test_save_and_submit(as_clerk, office):
    year, month = office.open_month
    cells = {("1.004227", "received_online"): "3", ("1.004227", "resolved_on_time"): "3"}
    response = post_grid(as_clerk, office, year, month, cells, action="submit")
    assert response.status_code == 302
    unit_month = UnitMonth.objects.get()
    assert (unit_month.status, unit_month.submitted_by) == ("submitted", office.clerk)
    page = as_clerk.get(url(office.commune, year, month))
    assert not page.context["editable"]
    assert "<input value=" not in page.content.decode()


def test_a_concurrent_edit_is_refused_with_the_current_values(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    post_grid(client, office, year, month, {("1.004227", "received_online"): "3"})
    version = UnitMonth.objects.get().version
    # Both clerks have the page open at `version`; the first saves.
    post_grid(client, office, year, month, {("1.004227", "received_online"): "5"}, version=version)
    client.force_login(office.other_clerk)
    response = post_grid(client, office, year, month, {("1.004227", "received_online"): "9"}, version=version)
    assert response.status_code == 409
    assert MonthlyFiling.objects.get().received_online == 5
    html = response.content.decode()
    assert 'id="conflict"' in html and "clerk_a" in html
    differences = response.context["conflict"]["differences"]
    assert [(d["row"], d["current"], d["yours"]) for d in differences] == [("1.004227", 5, "9")]
    # The grid now shows the saved figures and the new version, so saving again is a deliberate act.
    assert 'value="5"' in html and f'name="version" value="{version + 1}"' in html


def test_copy_last_month_brings_its_procedures_and_pending_files(as_clerk, office):
    year, month = office.open_month
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    FilingFactory(
        unit=office.commune,
        procedure=office.second_procedure,
        year=previous[0],
        month=previous[1],
        received_direct=10,
        resolved_on_time=6,
        pending_on_time=3,
        pending_overdue=1,
    )
    response = as_clerk.get(url(office.commune, year, month) + "?copy=1")
    rows = {row.item.code: row for row in response.context["grid"].rows}
    assert set(rows) == {"1.004227", "2.000908"}
    assert rows["2.000908"].values["carried_over"] == 4 and rows["2.000908"].values["received_direct"] == ""
    assert not MonthlyFiling.objects.filter(year=year, month=month).exists()


def test_a_leader_approves_from_the_page(client, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    client.force_login(office.leader)
    page = client.get(url(office.commune, year, month))
    assert page.context["actions"] == {"approve", "return"}
    version = UnitMonth.objects.get().version
    response = client.post(url(office.commune, year, month, "decide"), {"action": "approve", "version": version})
    assert response.status_code == 302
    assert UnitMonth.objects.get().status == "approved"


def test_clerks_cannot_approve_through_the_page(as_clerk, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.other_clerk)
    response = as_clerk.post(url(office.commune, year, month, "decide"), {"action": "approve", "version": 1})
    assert response.status_code == 403
    assert UnitMonth.objects.get().status == "submitted"


def test_a_return_without_reason_is_refused_and_with_one_is_shown_to_the_clerk(client, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    client.force_login(office.leader)
    response = client.post(url(office.commune, year, month, "decide"), {"action": "return", "version": 1}, follow=True)
    assert UnitMonth.objects.get().status == "submitted"
    assert any(
        _("Give a reason, so that the clerk knows what to correct.") in str(m) for m in response.context["messages"]
    )
    client.post(
        url(office.commune, year, month, "decide"),
        {"action": "return", "version": 1, "reason": "Thiếu số hồ sơ qua BCCI"},
    )
    client.force_login(office.clerk)
    page = client.get(url(office.commune, year, month))
    html = page.content.decode()
    assert 'id="return-reason"' in html and "Thiếu số hồ sơ qua BCCI" in html
    assert page.context["editable"]
    start = client.get(reverse("filings:start"))
    assert "Thiếu số hồ sơ qua BCCI" in start.content.decode()


def test_a_return_reason_too_long_is_named(client, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    client.force_login(office.leader)
    data = {"action": "return", "version": 1, "reason": "x" * 2001}
    response = client.post(url(office.commune, year, month, "decide"), data, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Lý do:") and "2000" in m for m in said), said
    assert UnitMonth.objects.get().status == "submitted"
    # The page's field takes as much; the write service refuses more whatever the path.
    assert 'id="return-reason-input" name="reason" rows="2" maxlength="2000"' in response.content.decode()
    with pytest.raises(ValidationError, match="2.000"):
        unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="x" * 2001)


def test_a_decision_on_a_stale_page_is_refused(client, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    client.force_login(office.leader)
    client.post(url(office.commune, year, month, "decide"), {"action": "return", "version": 1, "reason": "x"})
    response = client.post(url(office.commune, year, month, "decide"), {"action": "approve", "version": 1})
    assert response.status_code == 302
    assert UnitMonth.objects.get().status == "returned"


def test_an_approved_month_shows_no_inputs_and_refuses_a_post(as_clerk, office):
    year, month = office.open_month
    filings_upsert([office.row(year, month, received_online=2)], source=Source.FORM, user=office.clerk)
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk, confirm_warnings=True)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    page = as_clerk.get(url(office.commune, year, month))
    assert not page.context["editable"] and 'id="lock-reason"' in page.content.decode()
    version = UnitMonth.objects.get().version
    response = post_grid(as_clerk, office, year, month, {("1.004227", "received_online"): "9"}, version=version)
    assert response.status_code == 409
    assert f"A {month:02d}/{year}" in response.context["form"].summary[0]
    assert MonthlyFiling.objects.get().received_online == 2


def test_a_closed_month_is_read_only_for_a_clerk(as_clerk, office):
    response = as_clerk.get(url(office.commune, 2019, 7))
    assert response.status_code == 200 and not response.context["editable"]
    response = post_grid(as_clerk, office, 2019, 7, {("1.004227", "received_online"): "9"})
    assert response.status_code == 409 and not MonthlyFiling.objects.exists()


def test_an_admin_reopens_an_approved_month(client, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader)
    client.force_login(office.admin)
    version = UnitMonth.objects.get().version
    client.post(
        url(office.commune, year, month, "decide"), {"action": "reopen", "version": version, "reason": "Sửa theo iGate"}
    )
    unit_month = UnitMonth.objects.get()
    assert (unit_month.status, unit_month.return_reason) == ("returned", "Sửa theo iGate")


# --- scope ---------------------------------------------------------------------------------------


def test_another_units_pages_answer_404(as_clerk, office):
    year, month = office.open_month
    for unit in (office.other_commune, office.district, office.elsewhere):
        assert as_clerk.get(url(unit, year, month)).status_code == 404
        assert as_clerk.get(url(unit, year, month, "history")).status_code == 404
        assert (
            post_grid(as_clerk, office, year, month, {("1.004227", "received_online"): "1"}, unit=unit).status_code
            == 404
        )
        assert as_clerk.post(url(unit, year, month, "decide"), {"action": "approve", "version": 0}).status_code == 404
    assert as_clerk.get(reverse("filings:completeness") + "?parent=X").status_code == 404
    assert not MonthlyFiling.objects.exists() and not UnitMonth.objects.exists()


def test_unit_ids_in_the_posted_data_are_ignored(as_clerk, office):
    year, month = office.open_month
    response = post_entry(
        as_clerk,
        office.commune,
        year,
        month,
        {office.procedure: {"received_online": "6"}},
        unit_id=office.other_commune.pk,
        code=office.other_commune.code,
    )
    assert response.status_code == 302
    assert list(MonthlyFiling.objects.values_list("unit__code", "received_online")) == [("A", 6)]


def test_unknown_procedure_ids_in_the_posted_data_are_refused(as_clerk, office):
    year, month = office.open_month
    nested = "[" * 100_000  # deeper than the JSON reader may go
    huge = "9" * 30  # no database id is so long
    for changes in (
        '{"999999": {"received_online": "6"}}',
        '{"x": {}}',
        '{"1": [1, 2]}',
        "[1]",
        "{not json",
        '{"²": {"received_online": "1"}}',  # a digit to str.isdigit, not to int()
        json.dumps({huge: {"received_online": "1"}}),
        nested,
    ):
        response = as_clerk.post(url(office.commune, year, month), {"version": "0", "changes": changes})
        assert response.status_code == 400 and response.context["form"].summary
    assert not MonthlyFiling.objects.exists()


def test_the_first_months_of_the_portal_open_and_save_without_a_month_before(client, office):
    client.force_login(office.admin)
    first = client.get(url(office.commune, 2000, 1))
    assert first.status_code == 200
    html = first.content.decode()
    assert "12/1999" not in html and 'id="copy-previous"' not in html
    assert client.get(url(office.commune, 2000, 1), {"copy": "1"}).status_code == 200
    assert client.get(url(office.commune, 2000, 2)).status_code == 200
    assert client.get(url(office.commune, 2000, 1, "entry_rows"), {"offset": 0}).status_code == 200
    response = post_grid(client, office, 2000, 6, {("1.004227", "received_online"): "5"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert MonthlyFiling.objects.get(year=2000, month=6).received_online == 5


def test_future_and_impossible_months_answer_404(as_clerk, office):
    year, month = office.open_month
    future = (year + 1, month)
    assert as_clerk.get(url(office.commune, *future)).status_code == 404
    assert as_clerk.get(f"/filings/A/{year}-13/").status_code == 404


def test_pages_need_a_login(client, office):
    year, month = office.open_month
    response = client.get(url(office.commune, year, month))
    assert response.status_code == 302 and "login" in response.url


# --- the start page and the history page -----------------------------------------------------------


def test_the_start_page_opens_the_month_asked_for(as_clerk, office):
    response = as_clerk.get(reverse("filings:start"), {"unit": "A", "month": "07/2019"})
    assert response.status_code == 302 and response.url == url(office.commune, 2019, 7)
    response = as_clerk.get(reverse("filings:start"), {"unit": "B", "month": "2019-07"})
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    response = as_clerk.get(reverse("filings:start"), {"unit": "A", "month": "2019-7x"})
    assert response.context["form"].errors["month"]


def test_the_start_page_lists_what_waits_for_a_leader(client, office):
    year, month = office.open_month
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    client.force_login(office.leader)
    response = client.get(reverse("filings:start"))
    assert [um.unit.code for um in response.context["awaiting"]] == ["A"]
    client.force_login(office.outside_leader)
    assert client.get(reverse("filings:start")).context["awaiting"] == []


def test_the_history_page_shows_who_changed_what_from_where(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    post_grid(client, office, year, month, {("1.004227", "received_online"): "3"})
    filings_upsert(
        [office.row(year, month, received_online=8)],
        fields=["received_online"],
        source=Source.IMPORT,
        note="iGate-thang.xlsx",
        user=office.admin,
    )
    unit_month = UnitMonth.objects.get()
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk, confirm_warnings=True)
    unit_month_return(unit=office.commune, year=year, month=month, user=office.leader, reason="Kiểm tra lại")
    response = client.get(url(office.commune, year, month, "history"))
    assert response.status_code == 200 and unit_month
    entries = response.context["entries"]
    summary = [(e.kind, getattr(e.user, "username", None), e.source) for e in entries]
    assert summary == [
        ("status", "leader_d", "form"),
        ("status", "clerk_a", "form"),
        ("figures", "admin", "import: iGate-thang.xlsx"),
        ("status", "clerk_a", "form"),
        ("figures", "clerk_a", "form"),
    ]
    online = str(MonthlyFiling._meta.get_field("received_online").verbose_name)
    assert [(c.subject, str(c.field), c.old, c.new) for c in entries[2].changes] == [("1.004227", online, 3, 8)]
    assert entries[0].reason == "Kiểm tra lại"
    html = response.content.decode()
    assert "iGate-thang.xlsx" in html and "Kiểm tra lại" in html
    # The page names the sources for people (in its language), keeping the file name after the colon.
    sources = re.findall(r'<span class="source">([^<]*)</span>', html)
    with translation.override("vi"):
        form, imported = source_label("form"), source_label("import: iGate-thang.xlsx")
    assert sources == [form, form, imported, form, form]
    assert imported.endswith(": iGate-thang.xlsx") and not imported.startswith("import")


@pytest.mark.parametrize(
    "recorded, shown",
    [
        ("form", "Entry page"),
        ("import: thang7.xlsx", "File import: thang7.xlsx"),
        ("admin", "Administration"),
        ("demo: seed_demo", "Demo data: seed_demo"),
        ("demo", "Demo data"),
        ("bench", "bench"),  # a word no label is known for: as recorded
        ("", ""),
    ],
)
def test_sources_are_named_for_people(recorded, shown):
    with translation.override("en"):
        assert source_label(recorded) == shown


def test_the_entry_page_runs_a_fixed_number_of_queries(as_clerk, office, django_assert_max_num_queries):
    year, month = office.open_month
    rows = [
        office.row(year, month, procedure=p, received_online=1) for p in (office.procedure, office.second_procedure)
    ]
    filings_upsert(rows, source=Source.FORM, user=office.clerk)
    with django_assert_max_num_queries(22):
        assert as_clerk.get(url(office.commune, year, month)).status_code == 200


# --- at real size --------------------------------------------------------------------------------


@pytest.fixture
def centre(office):
    """A centre offering 300 procedures (200 online), with last month's figures for 100 of them."""
    from procedures.models import Offering, Procedure, ServiceLevel
    from procedures.services import offerings_write

    centre = UnitFactory(
        code="D.TTHCC", name="Trung tâm Hành chính công huyện D", kind="center", parent=office.district
    )
    Procedure.objects.bulk_create(
        [Procedure(code=f"9.{i:06d}", name=f"Thủ tục hành chính số {i} về hộ tịch") for i in range(300)]
    )
    procedures = list(Procedure.objects.filter(code__startswith="9.").order_by("code"))
    offerings_write(
        create=[
            Offering(unit=centre, procedure=p, service_level=ServiceLevel.FULL if i < 200 else ServiceLevel.NONE)
            for i, p in enumerate(procedures)
        ],
        reason="test",
    )
    year, month = office.open_month
    previous = Month(year, month).shift(-1)
    filings_upsert(
        [
            {
                "unit_id": centre.pk,
                "procedure_id": p.pk,
                "year": previous.year,
                "month": previous.month,
                "received_online": 7,
                "received_direct": 3,
                "resolved_on_time": 10,
            }
            for p in procedures[:100]
        ],
        source=Source.IMPORT,
    )
    return centre, procedures


def test_the_page_of_300_procedures_stays_light(client, office, centre):
    """Under 300 KB of HTML (CONTRACT: the entry page for 300 procedures); the others are folded."""
    unit, procedures = centre
    client.force_login(office.admin)
    year, month = office.open_month
    response = client.get(url(unit, year, month))
    assert len(response.content) < 300_000
    grid = response.context["grid"]
    assert len(grid.rows) == 200 and grid.folded == 100  # the online ones and last month's, then folded


def test_folded_rows_come_a_page_at_a_time_and_search_finds_any_procedure(client, office, centre):
    unit, procedures = centre
    client.force_login(office.admin)
    year, month = office.open_month
    rows = client.get(url(unit, year, month, "entry_rows"), {"offset": 0}).json()
    assert rows["next"] is None and rows["html"].count("<tr ") == 100
    assert 'data-level="none"' in rows["html"] and "<input" in rows["html"]
    found = client.get(url(unit, year, month, "entry_rows"), {"q": "9.000299"}).json()
    assert found["html"].count("<tr ") == 1 and "9.000299" in found["html"]
    # The catalogue too: a procedure the centre does not offer, to add it to the month.
    found = client.get(url(unit, year, month, "entry_rows"), {"q": "2.000908"}).json()
    assert 'data-level=""' in found["html"]
    assert client.get(url(unit, year, month, "entry_rows"), {"offset": "x"}).status_code == 400
    # An offset past any catalogue: an empty page, not a number the database refuses.
    far = client.get(url(unit, year, month, "entry_rows"), {"offset": "9" * 20}).json()
    assert far["next"] is None and "<tr " not in far["html"]


def test_a_save_sends_only_the_changed_rows_whatever_the_size(client, office, centre):
    """A first month of 300 typed rows posts one field (Django refuses more than 1,000)."""
    unit, procedures = centre
    client.force_login(office.admin)
    year, month = office.open_month
    changes = {p: {"received_online": "1", "resolved_on_time": "1"} for p in procedures}
    response = post_entry(client, unit, year, month, changes)
    assert response.status_code == 302
    assert MonthlyFiling.objects.filter(unit=unit, year=year, month=month).count() == 300


def test_the_leader_decides_with_the_month_beside_last_month_and_last_year(client, office):
    year, month = office.open_month
    this = Month(year, month)
    for m, online, direct in ((this, 30, 70), (this.shift(-1), 20, 80), (this.shift(-12), 10, 90)):
        filings_upsert(
            [office.row(m.year, m.month, received_online=online, received_direct=direct, resolved_on_time=100)],
            source=Source.IMPORT,
        )
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk)
    client.force_login(office.leader)
    page = client.get(url(office.commune, year, month))
    rate = month_comparison(office.commune, year, month)["rows"][2]  # the online rate
    assert [str(v) for v in rate["values"]] == ["30.00", "20.00", "10.00"]
    assert [str(c) for c in rate["changes"]] == ["10.00", "20.00"]
    html = page.content.decode()
    assert html.index('id="decision"') < html.index('id="entry-form"')  # above the rows, not under them
    assert "+10,00" in html


def test_the_start_page_lists_a_clerks_open_months_not_locked_drafts(client, office):
    """Open months not yet submitted, and returned ones; a draft past its deadline is not work."""
    year, month = office.open_month
    filings_upsert([office.row(2019, 7, received_online=1)], source=Source.IMPORT)  # an old, closed draft
    client.force_login(office.clerk)
    response = client.get(reverse("filings:start"))
    open_months = [(item.unit.code, str(item.month)) for item in response.context["to_enter"]]
    assert ("A", f"{year}-{month:02d}") in open_months
    assert ("A", "2019-07") not in open_months and "B" not in {code for code, _m in open_months}
    post_grid(
        client,
        office,
        year,
        month,
        {("1.004227", "received_online"): "1", ("1.004227", "resolved_early"): "1"},
        action="submit",
    )
    response = client.get(reverse("filings:start"))
    assert ("A", f"{year}-{month:02d}") not in [(i.unit.code, str(i.month)) for i in response.context["to_enter"]]
