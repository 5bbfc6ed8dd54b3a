"""The Decision 766 counts through the write path (filings.models.SCORE_FIELDS): None is "not reported",
never 0; a count not in `fields` keeps its stored value (None for a new row); the rules (filings.rules:
None or 0..MAX_COUNT, the warnings of score_warnings) on every path; the history, the entry form, the
admin and the export; the unit-month totals always equal a rebuild."""

import pytest
from django.urls import reverse

from filings.models import COUNT_FIELDS, FIGURE_FIELDS, MAX_COUNT, SCORE_FIELDS, FieldFiling, MonthlyFiling
from filings.quality import unit_month_warnings
from filings.rules import SCORE_CEILINGS, refused_rows, score_warnings
from filings.services import FilingsRefused, Source, field_filings_upsert, filings_upsert
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.factories import FieldFactory, ProcedureFactory, UnitFactory
from tests.filings.helpers import entry_url, post_entry

pytestmark = pytest.mark.django_db

FORM06 = {"received_online": 6, "received_direct": 4, "resolved_on_time": 8, "pending_on_time": 2}


@pytest.fixture
def key():
    return {"unit_id": UnitFactory().pk, "procedure_id": ProcedureFactory().pk, "year": 2024, "month": 7}


def stored(**where):
    return MonthlyFiling.objects.values(*FIGURE_FIELDS).get(**where)


def assert_totals_are_a_rebuild():
    columns = [f.name for f in UnitMonthTotal._meta.fields if f.name != "id"]
    before = sorted(UnitMonthTotal.objects.values_list(*columns))
    totals_rebuild()
    assert sorted(UnitMonthTotal.objects.values_list(*columns)) == before


# --- the write path -----------------------------------------------------------------------------------


def test_a_new_row_without_them_has_them_not_reported(key):
    filings_upsert([{**key, **FORM06}], source=Source.IMPORT)
    values = stored()
    assert [values[name] for name in SCORE_FIELDS] == [None] * 7
    assert values["received_direct"] == 4


def test_none_and_missing_are_not_reported_and_zero_is_a_figure(key):
    row = {**key, **FORM06, "synced": 0, "fee_required": None, "digitised": 7}  # the others missing
    result = filings_upsert([row], fields=FIGURE_FIELDS, source=Source.IMPORT)
    assert result.created == 1
    values = stored()
    assert (values["synced"], values["fee_required"], values["digitised"], values["ratings"]) == (0, None, 7, None)
    # A form 06 count missing from a row with `fields` is 0, as always.
    assert values["carried_over"] == 0
    assert_totals_are_a_rebuild()


def test_a_count_not_in_fields_keeps_its_stored_value(key):
    filings_upsert([{**key, **FORM06, "synced": 9, "ratings": 3}], fields=FIGURE_FIELDS, source=Source.IMPORT)
    # Only form 06's counts: the Decision 766 ones stay.
    result = filings_upsert([{**key, **FORM06, "received_online": 7}], source=Source.IMPORT)
    assert result.updated == 1
    assert (stored()["synced"], stored()["ratings"]) == (9, 3)
    # One Decision 766 count: the others stay, form 06's too.
    filings_upsert([{**key, "synced": 10}], fields=["synced"], source=Source.IMPORT)
    values = stored()
    assert (values["synced"], values["ratings"], values["received_online"]) == (10, 3, 7)
    assert_totals_are_a_rebuild()


def test_a_reported_count_can_become_not_reported_again_and_the_history_says_so(key):
    filings_upsert([{**key, **FORM06, "synced": 9}], fields=FIGURE_FIELDS, source=Source.IMPORT)
    result = filings_upsert([{**key, "synced": None}], fields=["synced"], source=Source.FORM)
    assert result.updated == 1
    assert stored()["synced"] is None
    history = list(MonthlyFiling.history.order_by("history_id").values_list("history_type", "synced"))
    assert history == [("+", 9), ("~", None)]
    # Equal (None to None) is unchanged and writes no history row.
    again = filings_upsert([{**key, "synced": None}], fields=["synced"], source=Source.FORM)
    assert (again.updated, again.unchanged) == (0, 1)
    assert MonthlyFiling.history.count() == 2
    assert UnitMonthTotal.objects.get().synced is None
    assert_totals_are_a_rebuild()


def test_unchanged_rows_with_scores_are_unchanged(key):
    row = {**key, **FORM06, **dict.fromkeys(SCORE_FIELDS, 1), "ratings": None}
    filings_upsert([row], fields=FIGURE_FIELDS, source=Source.IMPORT)
    result = filings_upsert([row], fields=FIGURE_FIELDS, source=Source.IMPORT)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("value, reason", [(-1, "-1"), (MAX_COUNT + 1, "10.000.001"), ("5", "'5'"), (2.5, "2.5")])
def test_a_bad_count_is_refused_naming_the_row_and_the_count(key, value, reason):
    good = {**key, "procedure_id": ProcedureFactory().pk, "synced": 3}
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert([good, {**key, "paid_online": value}], fields=FIGURE_FIELDS, source=Source.IMPORT)
    assert list(refused.value.problems) == [1]
    [(field, message)] = refused.value.problems[1]
    assert field == "paid_online" and reason in message
    assert not MonthlyFiling.objects.exists()


def test_the_rule_takes_none_for_a_score_and_the_usual_row_fast(key):
    rows = [{**key, **dict.fromkeys(COUNT_FIELDS, 1), **dict.fromkeys(SCORE_FIELDS)}]
    assert refused_rows(rows, FIGURE_FIELDS) == {}
    rows[0]["ratings"] = -2
    assert [field for field, _message in refused_rows(rows, FIGURE_FIELDS)[0]] == ["ratings"]


def test_figures_per_field_carry_them_too():
    unit, field = UnitFactory(), FieldFactory()
    row = {"unit_id": unit.pk, "field_id": field.pk, "year": 2024, "month": 8, **FORM06, "e_results": 5}
    field_filings_upsert([row], fields=[*COUNT_FIELDS, "e_results"], source=Source.IMPORT)
    stored_row = FieldFiling.objects.get()
    assert (stored_row.e_results, stored_row.synced) == (5, None)
    total = UnitMonthTotal.objects.get(unit=unit)
    assert (total.e_results, total.e_results_base, total.by_field) == (5, 8, True)
    assert_totals_are_a_rebuild()


# --- the warnings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts, field",
    [
        ({"synced": 11}, "synced"),
        ({"fee_required": 11}, "fee_required"),
        ({"fee_required": 3, "paid_online": 4}, "paid_online"),
        ({"digitised": 11}, "digitised"),
        ({"e_results": 9}, "e_results"),
        ({"ratings": 3, "ratings_satisfied": 4}, "ratings_satisfied"),
    ],
)
def test_each_count_more_than_what_it_counts_a_part_of_is_a_warning(counts, field):
    # received 6 + 4 = 10, resolved 8
    warnings = score_warnings({**FORM06, **counts})
    assert [name for name, _message in warnings] == [field]
    at_the_limit = {name: min(value, 10 if name != "e_results" else 8) for name, value in counts.items()}
    if field in ("paid_online", "ratings_satisfied"):
        at_the_limit = {name: min(counts.values()) for name in counts}
    assert score_warnings({**FORM06, **at_the_limit}) == []


def test_an_unknown_count_checks_nothing():
    assert score_warnings({**FORM06, "paid_online": 4, "fee_required": None}) == []
    assert score_warnings({**FORM06, "ratings_satisfied": 4}) == []  # ratings not reported
    # A file without the received columns: nothing to check synced against.
    assert score_warnings({"synced": 50}, present=("synced",)) == []
    assert {c.field for c in SCORE_CEILINGS} == set(SCORE_FIELDS) - {"ratings"}


def test_the_warnings_name_the_row_on_the_entry_page_and_the_submission(office):
    year, month = office.open_month
    filings_upsert(
        [office.row(year, month, **FORM06, fee_required=2, paid_online=5)], fields=FIGURE_FIELDS, source=Source.FORM
    )
    flags = [flag for flag in unit_month_warnings(office.commune, year, month) if flag.kind == "score"]
    assert [(flag.item_id, "1.004227" in flag.message, "5" in flag.message) for flag in flags] == [
        (office.procedure.pk, True, True)
    ]


# --- the entry page -----------------------------------------------------------------------------------


def test_the_entry_page_saves_them_empty_as_not_reported(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    cells = {"received_online": "6", "received_direct": "4", "resolved_on_time": "10"}
    cells |= {"synced": "10", "fee_required": "", "paid_online": "", "digitised": "0", "ratings": "1.234"}
    response = post_entry(client, office.commune, year, month, {office.procedure: cells})
    assert response.status_code == 302, response.content.decode()[-2000:]
    values = stored(procedure=office.procedure)
    assert (values["synced"], values["fee_required"], values["digitised"], values["ratings"]) == (10, None, 0, 1234)
    assert values["e_results"] is None  # not sent: kept (None for a new row)

    # A page that sends only form 06's counts (an older script) keeps the stored Decision 766 counts.
    old_page = {name: "1" for name in COUNT_FIELDS}
    response = post_entry(client, office.commune, year, month, {office.procedure: old_page}, version=1)
    assert response.status_code == 302
    values = stored(procedure=office.procedure)
    assert (values["synced"], values["ratings"], values["received_online"]) == (10, 1234, 1)
    assert_totals_are_a_rebuild()


def test_the_entry_page_names_a_bad_score_cell(client, office):
    year, month = office.open_month
    client.force_login(office.clerk)
    response = post_entry(
        client, office.commune, year, month, {office.procedure: {"received_online": "3", "synced": "ba"}}
    )
    assert response.status_code == 400
    html = response.content.decode()
    label = str(MonthlyFiling._meta.get_field("synced").verbose_name)
    assert "1.004227" in html and label in html and "&#x27;ba&#x27;" in html
    assert not MonthlyFiling.objects.exists()
    # The re-shown cell keeps what was typed, marked.
    assert 'value="ba" aria-invalid="true"' in html


def test_the_page_shows_the_stored_counts_hidden_columns_and_the_rules(client, office):
    year, month = office.open_month
    filings_upsert([office.row(year, month, **FORM06, synced=9, ratings=0)], fields=FIGURE_FIELDS, source=Source.FORM)
    client.force_login(office.clerk)
    html = client.get(entry_url(office.commune, year, month)).content.decode()
    assert 'id="show-scores"' in html and 'id="h16"' in html and "data-score-ceilings=" in html
    row = html[html.index(f'data-row="{office.procedure.pk}"') :]
    inputs = row[: row.index("</tr>")].split("<input")[1:]
    values = [
        cell.split('value="', 1)[1].split('"', 1)[0] if 'value="' in cell.split(">")[0] else "" for cell in inputs
    ]
    assert values[len(COUNT_FIELDS) :] == ["9", "", "", "", "", "0", ""]
    assert 'data-sum="synced">9<' in html and 'data-sum="fee_required">—<' in html


# --- history, admin, export ---------------------------------------------------------------------------


def test_the_history_page_shows_them_and_not_reported(client, office):
    year, month = office.open_month
    filings_upsert([office.row(year, month, **FORM06, synced=9, digitised=0)], fields=FIGURE_FIELDS, source=Source.FORM)
    filings_upsert([office.row(year, month, synced=None)], fields=["synced"], source=Source.FORM)
    client.force_login(office.clerk)
    html = client.get(entry_url(office.commune, year, month, "history")).content.decode()
    synced = str(MonthlyFiling._meta.get_field("synced").verbose_name)
    digitised = str(MonthlyFiling._meta.get_field("digitised").verbose_name)
    assert synced in html and '<span class="history-old">9</span>' in html
    assert 'class="history-new history-new--not-reported"' in html  # synchronised: 9 → not reported
    assert digitised in html  # 0 is a figure: a new row shows it
    assert str(MonthlyFiling._meta.get_field("ratings").verbose_name) not in html  # never reported


def test_the_admin_saves_them_through_the_write_path(client, office):
    year, month = office.open_month
    client.force_login(office.admin)
    data = {
        "unit": office.commune.pk,
        "procedure": office.procedure.pk,
        "year": year,
        "month": month,
        **{name: "0" for name in COUNT_FIELDS},
        **{name: "" for name in SCORE_FIELDS},
        "received_direct": "10",
        "resolved_on_time": "10",
        "synced": "10",
        "ratings": "0",
    }
    response = client.post(reverse("admin:filings_monthlyfiling_add"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    values = stored()
    assert (values["synced"], values["ratings"], values["fee_required"]) == (10, 0, None)
    assert MonthlyFiling.history.get().history_change_reason == "admin"
    page = client.get(reverse("admin:filings_monthlyfiling_change", args=[MonthlyFiling.objects.get().pk]))
    assert 'name="synced"' in page.content.decode() and 'name="ratings_satisfied"' in page.content.decode()
    # More synchronised than received: a warning the admin confirms.
    data.update(synced="11")
    pk = MonthlyFiling.objects.get().pk
    response = client.post(reverse("admin:filings_monthlyfiling_change", args=[pk]), data)
    assert response.status_code == 200 and "11" in response.content.decode()
    assert stored()["synced"] == 10
    response = client.post(reverse("admin:filings_monthlyfiling_change", args=[pk]), {**data, "confirm_warnings": "on"})
    assert response.status_code == 302 and stored()["synced"] == 11
    # Out of range: refused at the field.
    for bad in ("-1", str(MAX_COUNT + 1)):
        response = client.post(reverse("admin:filings_monthlyfiling_change", args=[pk]), {**data, "paid_online": bad})
        assert response.status_code == 200 and response.context["adminform"].form.errors["paid_online"]
    assert stored()["paid_online"] is None


def test_the_export_has_the_columns_some_rows_report(client, office):
    import io

    import openpyxl

    year, month = 2024, 7
    rows = [
        office.row(year, month, **FORM06, synced=9, digitised=None),
        office.row(year, month, procedure=office.second_procedure, **FORM06, synced=None),
    ]
    filings_upsert(rows, fields=FIGURE_FIELDS, source=Source.IMPORT)
    client.force_login(office.leader)
    response = client.get(reverse("filings:export"), {"unit": "D", "period": "2024-07"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(row for row in values if row and row[0] == "Mã đơn vị")
    assert header[-1] == "Đồng bộ Cổng DVCQG" and "Số hóa hồ sơ" not in header  # nobody reports it
    assert values.index(header) == 4  # a third title line: the column mixes reported and not reported
    data = [row for row in values[values.index(header) + 1 :] if row[0] == "A"]
    assert sorted(row[-1] for row in data if row[-1] is not None) == [9] and len(data) == 2
