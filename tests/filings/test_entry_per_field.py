"""Entry per field: a unit that reports per field (report form 06's rows) from a month on gets a grid of
fields instead of procedures; its figures go to FieldFiling through field_filings_upsert, never mixed with
figures per procedure in one unit-month."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.html import escape
from django.utils.translation import gettext as _

from core.periods import FIRST_YEAR, LAST_YEAR, Month, Period
from filings.kinds import PER_FIELD, PER_PROCEDURE, unit_month_kind
from filings.models import FieldFiling, Grain, MonthlyFiling, UnitMonth
from filings.services import Source, field_filings_upsert, filings_upsert, reporting_mode_set
from filings.workflow import unit_month_approve, unit_month_submit
from reports.selectors import kpis_for
from tests.factories import FieldFactory
from tests.filings.helpers import entry_url, post_entry

pytestmark = pytest.mark.django_db


class Missing:
    """A row id that is no field's."""

    pk = 987654


@pytest.fixture
def fields(office):
    """Hộ tịch holds the commune's birth registration; Chứng thực is in the catalogue, offered by nobody."""
    civil = FieldFactory(code="G09.HT", name="Hộ tịch")
    certification = FieldFactory(code="G09.CT", name="Chứng thực")
    office.procedure.field = civil
    office.procedure.save()
    office.second_procedure.field = certification
    office.second_procedure.save()
    return civil, certification


@pytest.fixture
def per_field(office, fields):
    """Commune A reports per field from the current month on."""
    year, month = office.open_month
    reporting_mode_set(office.commune, year, month, Grain.FIELD)
    return fields


def field_row(office, field, year, month, **counts):
    return {"unit_id": office.commune.pk, "field_id": field.pk, "year": year, "month": month, **counts}


def test_a_unit_reporting_per_field_gets_a_grid_of_its_fields(client, office, per_field):
    civil, _certification = per_field
    year, month = office.open_month
    client.force_login(office.clerk)
    response = client.get(entry_url(office.commune, year, month))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert grid.per_field
    # The fields of the procedures the commune offers, not the procedures.
    assert [row.item.code for row in grid.rows] == ["G09.HT"]
    html = response.content.decode()
    assert '<span class="pc">G09.HT</span>' in html and "1.004227" not in html
    assert 'name="grain" value="field"' in html
    assert _("Per field (form 06)") in html and _("Find a field") in html
    # A field has no online level: no badge, nothing for entry.js to check online receipts against.
    row = html[html.index(f'data-row="{civil.pk}"') - 5 :]
    assert "data-level" not in row[: row.index(">")]


def test_the_month_before_the_mode_stays_per_procedure(client, office, per_field):
    before = Month(*office.open_month).shift(-1)
    client.force_login(office.clerk)
    response = client.get(entry_url(office.commune, before.year, before.month))
    assert not response.context["grid"].per_field
    assert [row.item.code for row in response.context["grid"].rows] == ["1.004227"]
    assert unit_month_kind(office.commune, before.year, before.month) is PER_PROCEDURE


def test_saving_the_grid_of_fields_stores_figures_per_field_that_count_in_the_kpis(client, office, per_field):
    civil, _certification = per_field
    year, month = office.open_month
    client.force_login(office.clerk)
    cells = {"received_online": "30", "received_direct": "1.170", "resolved_on_time": "1200"}
    response = post_entry(client, office.commune, year, month, {civil: cells}, grain="field")
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = FieldFiling.objects.get(unit=office.commune, year=year, month=month)
    assert (stored.field, stored.received_online, stored.received_direct, stored.resolved_on_time) == (
        civil,
        30,
        1170,
        1200,
    )
    assert not MonthlyFiling.objects.filter(unit=office.commune, year=year, month=month).exists()
    assert UnitMonth.objects.get(unit=office.commune, year=year, month=month).version == 1
    kpis = kpis_for(office.district, Period.parse(f"{year}-{month:02d}"))
    online = kpis["online_rate"]
    assert (online.numerator, online.denominator, str(online.value)) == (30, 1200, "2.50")
    eligible = kpis["online_rate_eligible"]
    assert eligible.denominator == 0 and eligible.field_level_unit_months == 1
    # The page shows them again, in the grid of fields.
    page = client.get(entry_url(office.commune, year, month))
    assert page.context["grid"].rows[0].values["received_direct"] == 1170


def test_stored_figures_decide_how_their_month_is_reported(client, office, fields):
    """A month with figures per procedure keeps its grid of procedures after the unit switches to fields."""
    year, month = office.open_month
    filings_upsert([office.row(year, month, received_online=4)], source=Source.FORM, user=office.clerk)
    reporting_mode_set(office.commune, year, month, Grain.FIELD)
    client.force_login(office.clerk)
    response = client.get(entry_url(office.commune, year, month))
    assert not response.context["grid"].per_field
    assert unit_month_kind(office.commune, year, month) is PER_PROCEDURE


def test_figures_per_field_cannot_be_saved_into_a_month_reported_per_procedure(client, office, fields):
    """Someone imported figures per procedure while the clerk had the grid of fields open: the save is
    refused with the reason, and nothing is written."""
    civil, _certification = fields
    year, month = office.open_month
    filings_upsert([office.row(year, month, received_online=4)], source=Source.IMPORT, user=office.admin)
    client.force_login(office.clerk)
    response = post_entry(
        client, office.commune, year, month, {civil: {"received_direct": "5"}}, version=1, grain="field"
    )
    assert response.status_code == 409
    refusal = _(
        "this unit-month is reported per procedure: figures per field cannot be added to it; delete its "
        "figures per procedure first, or give the figures per procedure"
    )
    assert escape(refusal) in response.content.decode()
    assert not FieldFiling.objects.exists()
    assert MonthlyFiling.objects.get(unit=office.commune).received_online == 4


def test_a_bad_cell_of_the_grid_of_fields_names_the_field_and_the_column(client, office, per_field):
    civil, _certification = per_field
    year, month = office.open_month
    client.force_login(office.clerk)
    response = post_entry(client, office.commune, year, month, {civil: {"received_direct": "12a"}}, grain="field")
    assert response.status_code == 400
    html = response.content.decode()
    assert _("Field %(code)s") % {"code": "G09.HT"} in html
    assert not FieldFiling.objects.exists()


def test_an_unknown_row_of_the_grid_of_fields_is_refused(client, office, per_field):
    year, month = office.open_month
    client.force_login(office.clerk)
    response = post_entry(client, office.commune, year, month, {Missing(): {"received_direct": "1"}}, grain="field")
    assert response.status_code == 400
    assert not FieldFiling.objects.exists() and not MonthlyFiling.objects.exists()


def test_the_search_finds_fields_of_the_catalogue(client, office, per_field):
    _civil, certification = per_field
    year, month = office.open_month
    client.force_login(office.clerk)
    response = client.get(entry_url(office.commune, year, month, "entry_rows"), {"q": "chứng"})
    assert response.status_code == 200
    html = response.json()["html"]
    assert f'data-row="{certification.pk}"' in html and "Chứng thực" in html


def test_warnings_name_the_field_and_submission_and_four_eyes_hold(client, office, per_field):
    civil, _certification = per_field
    year, month = office.open_month
    client.force_login(office.clerk)
    # 10 received, 4 resolved, nothing pending: does not balance.
    changes = {civil: {"received_direct": "10", "resolved_on_time": "4"}}
    response = post_entry(client, office.commune, year, month, changes, action="submit", grain="field")
    assert response.status_code == 409
    assert (_("Field %(code)s") % {"code": "G09.HT"}) + ":" in response.content.decode()
    assert not FieldFiling.objects.exists()
    response = post_entry(client, office.commune, year, month, changes, action="submit", grain="field", confirm=True)
    assert response.status_code == 302
    state = UnitMonth.objects.get(unit=office.commune, year=year, month=month)
    assert state.status == "submitted" and "G09.HT" in state.submitted_warnings
    # The commune's leader did not write the figures: they may approve.
    approved = unit_month_approve(
        unit=office.commune, year=year, month=month, user=office.leader, expected_version=state.version
    )
    assert approved.status == "approved"


def test_four_eyes_counts_figures_per_field(office, per_field):
    civil, _certification = per_field
    year, month = office.open_month
    field_filings_upsert(
        [field_row(office, civil, year, month, received_direct=3, resolved_on_time=3)],
        source=Source.FORM,
        user=office.leader,
    )
    unit_month_submit(unit=office.commune, year=year, month=month, user=office.clerk, expected_version=1)
    refusal = _("You entered or changed figures of this month yourself; another leader must approve it.")
    with pytest.raises(PermissionDenied, match=re.escape(refusal)):
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader, expected_version=2)


def test_the_mode_is_changed_from_a_month_on(office, fields):
    year, month = office.open_month
    earlier = Month(year, month).shift(-3)
    reporting_mode_set(office.commune, earlier.year, earlier.month, Grain.FIELD)
    back = Month(year, month).shift(-1)
    reporting_mode_set(office.commune, back.year, back.month, Grain.PROCEDURE)
    assert unit_month_kind(office.commune, earlier.year, earlier.month) is PER_FIELD
    assert unit_month_kind(office.commune, earlier.shift(1).year, earlier.shift(1).month) is PER_FIELD
    assert unit_month_kind(office.commune, back.year, back.month) is PER_PROCEDURE
    assert unit_month_kind(office.commune, year, month) is PER_PROCEDURE
    assert unit_month_kind(office.other_commune, earlier.year, earlier.month) is PER_PROCEDURE


@pytest.mark.parametrize(
    ("year", "month", "grain", "message"),
    [
        (2024, 13, Grain.FIELD, ("month %(month)s is not between 1 and 12", {"month": 13})),
        (1900, 1, Grain.FIELD, ("year %(year)s is not between %(first)s and %(last)s", {"year": 1900})),
        (2024, 1, "province", ("reports: %(value)r is not one of %(choices)s", {"value": "province"})),
    ],
)
def test_a_bad_mode_is_refused_with_the_reason(office, year, month, grain, message):
    text, values = message
    values = {"first": FIRST_YEAR, "last": LAST_YEAR, "choices": "procedure, field", **values}
    with pytest.raises(ValueError, match=re.escape(_(text) % values)):
        reporting_mode_set(office.commune, year, month, grain)
