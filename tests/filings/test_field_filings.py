"""Figures per field (report form 06 as offices file it): written by field_filings_upsert like the figures
per procedure, never mixed with them in one unit-month, counted by every KPI that needs no procedure's
online level, and left out (and counted) by those that do."""

import pytest
from django.utils.translation import gettext as _

from core.periods import Period
from filings.models import FieldFiling, MonthlyFiling, UnitMonth
from filings.services import FilingsRefused, Source, field_filings_upsert, filings_delete, filings_upsert
from procedures.models import Field, ServiceLevel
from reports.selectors import kpis_for
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    """A town whose centre reports per procedure and whose ward reports per field (form 06)."""
    town = UnitFactory(code="881", kind=UnitKind.DISTRICT)
    centre = UnitFactory(code="881.TTHCC", kind=UnitKind.CENTER, parent=town)
    ward = UnitFactory(code="88101", parent=town)
    birth = ProcedureFactory(code="1.001193")
    OfferingFactory(unit=centre, procedure=birth, service_level=ServiceLevel.FULL)
    civil = Field.objects.get(code="G09.HT")  # the procedure's field (tests.factories)
    copies = Field.objects.create(code="G09.CT", name="Chứng thực")
    filings_upsert(
        [
            {
                "unit_id": centre.pk,
                "procedure_id": birth.pk,
                "year": 2024,
                "month": 8,
                "received_online": 29,
                "received_direct": 11,
                "resolved_early": 25,
                "resolved_on_time": 13,
                "resolved_late": 1,
                "returned_postal": 3,
            }
        ],
        source=Source.IMPORT,
    )
    field_filings_upsert(
        [
            {
                "unit_id": ward.pk,
                "field_id": civil.pk,
                "year": 2024,
                "month": 8,
                "carried_over": 3,
                "received_online": 48,
                "received_direct": 61,
                "resolved_early": 37,
                "resolved_on_time": 72,
                "resolved_late": 1,
                "pending_on_time": 2,
            },
            {
                "unit_id": ward.pk,
                "field_id": copies.pk,
                "year": 2024,
                "month": 8,
                "received_online": 5,
                "received_direct": 212,
                "resolved_early": 72,
                "resolved_on_time": 142,
                "resolved_late": 1,
                "pending_on_time": 2,
            },
        ],
        source=Source.IMPORT,
        note="bieu-06.xlsx",
    )
    return town, centre, ward, birth, civil


def test_figures_per_field_are_stored_with_their_history_and_unit_month(town):
    _town, _centre, ward, _birth, civil = town
    assert FieldFiling.objects.filter(unit=ward).count() == 2
    history = FieldFiling.history.get(field=civil)
    assert (history.history_type, history.history_change_reason) == ("+", "import: bieu-06.xlsx")
    assert UnitMonth.objects.get(unit=ward, year=2024, month=8).status == "draft"


def test_the_kpis_of_a_subtree_count_both_kinds_and_say_what_the_level_left_out(town):
    town_unit, *_ = town
    kpis = kpis_for(town_unit, Period.parse("2024-08"))
    # online_rate over both: (29 + 48 + 5) / (40 + 109 + 217); on time: (38 + 109 + 214) / (39 + 110 + 215).
    assert (kpis["online_rate"].numerator, kpis["online_rate"].denominator) == (82, 366)
    assert (kpis["on_time_rate"].numerator, kpis["on_time_rate"].denominator) == (361, 364)
    assert kpis["postal_returns"].value == 3
    # The level in force is known for the centre's procedure only.
    eligible = kpis["online_rate_eligible"]
    assert (eligible.numerator, eligible.denominator, eligible.field_level_unit_months) == (29, 40, 1)
    assert eligible.as_json()["field_level_unit_months"] == 1
    assert "field_level_unit_months" not in kpis["online_rate"].as_json()


def test_a_unit_month_is_reported_one_way_only(town):
    _town, centre, ward, birth, civil = town
    with pytest.raises(FilingsRefused) as refused:
        filings_upsert(
            [{"unit_id": ward.pk, "procedure_id": birth.pk, "year": 2024, "month": 8, "received_online": 1}],
            source=Source.FORM,
        )
    assert refused.value.problems[0][0][1] == _(
        "this unit-month is reported per field (form 06): figures per procedure cannot be added to it; "
        "delete its figures per field first, or give the figures per field"
    )
    with pytest.raises(FilingsRefused) as refused:
        field_filings_upsert(
            [{"unit_id": centre.pk, "field_id": civil.pk, "year": 2024, "month": 8, "received_online": 1}],
            source=Source.IMPORT,
        )
    assert refused.value.problems[0][0][1] == _(
        "this unit-month is reported per procedure: figures per field cannot be added to it; delete its "
        "figures per procedure first, or give the figures per procedure"
    )
    assert MonthlyFiling.objects.filter(unit=ward).count() == 0
    assert FieldFiling.objects.filter(unit=centre).count() == 0
    # Another month of the ward may be reported per procedure.
    filings_upsert(
        [{"unit_id": ward.pk, "procedure_id": birth.pk, "year": 2024, "month": 7, "received_online": 1}],
        source=Source.FORM,
    )


def test_deleting_figures_per_field_moves_the_totals(town):
    town_unit, _centre, ward, *_ = town
    filings_delete(FieldFiling.objects.filter(unit=ward), source=Source.ADMIN)
    kpis = kpis_for(town_unit, Period.parse("2024-08"))
    assert (kpis["online_rate"].numerator, kpis["online_rate"].denominator) == (29, 40)
    assert kpis["online_rate_eligible"].field_level_unit_months == 0
    assert FieldFiling.history.filter(history_type="-").count() == 2


def test_the_page_the_cli_and_the_exports_say_what_the_online_level_left_out(town, client):
    from io import BytesIO, StringIO

    import openpyxl
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils.translation import ngettext

    from accounts.models import Role
    from tests.factories import UserFactory

    town_unit, *_rest = town
    left_out = ngettext(
        "counts figures per procedure only: %(count)s unit-month reported per field is left out",
        "counts figures per procedure only: %(count)s unit-months reported per field are left out",
        1,
    ) % {"count": 1}
    out = StringIO()
    call_command("kpi", "--unit", "881", "--period", "2024-08", stdout=out)
    # The command's words are English (its numbers Vietnamese); the page's are the user's language.
    english = "counts figures per procedure only: 1 unit-month reported per field is left out"
    assert f"online_rate_eligible: {english}" in out.getvalue()

    client.force_login(UserFactory(username="lanhdao", role=Role.LEADER, units=[town_unit]))
    page = client.get(reverse("home"), {"period": "2024-08"}).content.decode()
    badge = ngettext("without %(counter)s unit-month per field", "without %(counter)s unit-months per field", 1) % {
        "counter": 1
    }
    assert badge in page and left_out in page

    export = client.get(reverse("reports:export_kpis"), {"period": "2024-08", "unit": "881"})
    sheet = openpyxl.load_workbook(BytesIO(export.content)).active
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], str)]
    assert any(left_out in note and "881 –" in note for note in notes), notes
    ranking = client.get(
        reverse("reports:export_ranking"), {"period": "2024-08", "parent": "881", "kpi": "online_rate_eligible"}
    )
    sheet = openpyxl.load_workbook(BytesIO(ranking.content)).active
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], str)]
    assert any("88101: " + left_out in note for note in notes), notes
