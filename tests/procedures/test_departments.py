"""The department responsible for an offering: one rule (procedures.rules) that the write services, the
admin's form and the import all apply with the same message, and the offerings import's optional
department column (absent: departments kept; empty: cleared)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.errors import RowsRefused
from imports.runner import run_import
from procedures.models import Offering, Procedure, ServiceLevel
from procedures.services import offering_save, offerings_upsert, offerings_write
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory
from tests.imports.conftest import run_cli, summary
from tests.imports.files import write_xlsx
from units.models import UnitKind

pytestmark = pytest.mark.django_db

NOT_A_DEPARTMENT = "81.X1 is not a department: only a department can be responsible for an offering of 81.TTHCC"
OTHER_DISTRICT = (
    "department 82.TP is not under 81, the unit above 81.TTHCC: only a department of the same district or "
    "province can be responsible for its offerings"
)
HEADER = ["Mã đơn vị", "Mã TTHC", "Mức độ", "Mã phòng ban"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def units():
    """Two districts, each with its centre, a commune and departments."""
    found = {}
    for district in ("81", "82"):
        parent = found[district] = UnitFactory(code=district, kind=UnitKind.DISTRICT)
        found[f"{district}.TTHCC"] = UnitFactory(code=f"{district}.TTHCC", kind=UnitKind.CENTER, parent=parent)
        found[f"{district}.X1"] = UnitFactory(code=f"{district}.X1", kind=UnitKind.COMMUNE, parent=parent)
        for suffix in ("TP", "YT"):
            code = f"{district}.{suffix}"
            found[code] = UnitFactory(code=code, kind=UnitKind.DEPARTMENT, parent=parent)
    ProcedureFactory(code="2.000528")
    ProcedureFactory(code="1.001612")
    return found


def offering(units, department, procedure="2.000528"):
    return Offering(
        unit=units["81.TTHCC"],
        procedure=Procedure.objects.get(code=procedure),
        service_level=ServiceLevel.FULL,
        department=units[department] if department else None,
    )


# --- the rule, in every writer -----------------------------------------------------------------------


def test_a_department_of_the_same_district_is_accepted(units):
    saved = offering(units, "81.TP")
    offering_save(saved, reason="test")
    assert Offering.objects.get().department == units["81.TP"]
    assert saved.history.get().department_id == units["81.TP"].pk


@pytest.mark.parametrize(("department", "message"), [("81.X1", NOT_A_DEPARTMENT), ("82.TP", OTHER_DISTRICT)])
def test_every_write_service_refuses_a_wrong_department_with_the_same_message(units, department, message):
    with pytest.raises(RowsRefused) as refused:
        offering_save(offering(units, department), reason="test")
    assert refused.value.problems == {0: [("department", message)]}
    with pytest.raises(RowsRefused) as refused:
        offerings_write(create=[offering(units, "81.TP", "1.001612"), offering(units, department)], reason="test")
    assert refused.value.problems == {1: [("department", message)]}
    rows = [
        {
            "unit_id": units["81.TTHCC"].pk,
            "procedure_id": Procedure.objects.get(code=code).pk,
            "valid_from": None,
            "service_level": "full",
            "department_id": units[department].pk,
        }
        for code in ("2.000528", "1.001612")
    ]
    with pytest.raises(RowsRefused) as refused:
        offerings_upsert(rows, reason="test")
    assert refused.value.problems == {0: [("department", message)], 1: [("department", message)]}
    assert not Offering.objects.exists()


def test_a_unit_without_a_parent_can_have_no_department(units):
    top = UnitFactory(code="TOP", kind=UnitKind.PROVINCE)
    with pytest.raises(RowsRefused) as refused:
        offering_save(
            Offering(unit=top, procedure=Procedure.objects.get(code="2.000528"), department=units["81.TP"]),
            reason="test",
        )
    assert refused.value.problems == {
        0: [("department", "TOP has no unit above it, so no department can be responsible for its offerings")]
    }


def test_offerings_upsert_keeps_the_department_of_a_row_without_one(units):
    OfferingFactory(unit=units["81.TTHCC"], procedure=Procedure.objects.get(code="2.000528"), department=units["81.TP"])
    key = {"unit_id": units["81.TTHCC"].pk, "procedure_id": Procedure.objects.get(code="2.000528").pk}
    result = offerings_upsert([{**key, "valid_from": None, "service_level": "partial"}], reason="test")
    assert (result.updated, Offering.objects.get().department_id) == (1, units["81.TP"].pk)
    result = offerings_upsert(
        [{**key, "valid_from": None, "service_level": "partial", "department_id": None}], reason="t"
    )
    assert (result.updated, Offering.objects.get().department_id) == (1, None)


@pytest.mark.parametrize(("department", "message"), [("81.X1", NOT_A_DEPARTMENT), ("82.TP", OTHER_DISTRICT)])
def test_the_admin_form_names_the_department_and_the_unit(admin_client, units, department, message):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages above are the English ones
    response = admin_client.post(
        reverse("admin:procedures_offering_add"),
        {
            "unit": units["81.TTHCC"].pk,
            "procedure": Procedure.objects.get(code="2.000528").pk,
            "service_level": "full",
            "valid_from": "",
            "department": units[department].pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"department": [message]}
    assert not Offering.objects.exists()


def test_the_admin_saves_lists_and_filters_by_department(admin_client, units):
    form = admin_client.get(reverse("admin:procedures_offering_add"))
    assert form.status_code == 200 and 'name="department"' in form.content.decode()
    response = admin_client.post(
        reverse("admin:procedures_offering_add"),
        {
            "unit": units["81.TTHCC"].pk,
            "procedure": Procedure.objects.get(code="2.000528").pk,
            "service_level": "full",
            "valid_from": "",
            "department": units["81.TP"].pk,
        },
    )
    assert response.status_code == 302
    assert Offering.objects.get().department == units["81.TP"]
    OfferingFactory(unit=units["81.TTHCC"], procedure=Procedure.objects.get(code="1.001612"))
    listing = admin_client.get(
        reverse("admin:procedures_offering_changelist"), {"department__id__exact": units["81.TP"].pk}
    )
    assert listing.status_code == 200
    assert [o.procedure.code for o in listing.context["cl"].result_list] == ["2.000528"]
    assert "81.TP" in listing.content.decode()


# --- the import --------------------------------------------------------------------------------------


def test_the_import_sets_and_clears_departments_and_keeps_them_without_the_column(units, tmp_path):
    path = write_xlsx(
        tmp_path / "o.xlsx",
        [HEADER, ["81.TTHCC", "2.000528", "Toàn trình", "81.TP"], ["81.TTHCC", "1.001612", "3", ""]],
    )
    status, out, err = run_cli("offerings", path)
    assert (status, summary(out), err) == (0, "created 2, updated 0, unchanged 0, errors 0", "")
    departments = dict(Offering.objects.values_list("procedure__code", "department__code"))
    assert departments == {"2.000528": "81.TP", "1.001612": None}
    # The same file again changes nothing.
    assert summary(run_cli("offerings", path)[1]) == "created 0, updated 0, unchanged 2, errors 0"
    # Without the column: the levels change, the departments stay.
    path = write_xlsx(tmp_path / "o2.xlsx", [HEADER[:3], ["81.TTHCC", "2.000528", "Một phần"]])
    assert summary(run_cli("offerings", path)[1]) == "created 0, updated 1, unchanged 0, errors 0"
    assert Offering.objects.get(procedure__code="2.000528").department.code == "81.TP"
    # An empty cell clears it; another code (by the column's key) changes it.
    path = write_xlsx(
        tmp_path / "o3.xlsx",
        [
            ["unit_code", "procedure_code", "service_level", "department_code"],
            ["81.TTHCC", "2.000528", "Một phần", None],
            ["81.TTHCC", "1.001612", "3", "81.YT"],
        ],
    )
    assert summary(run_cli("offerings", path)[1]) == "created 0, updated 2, unchanged 0, errors 0"
    departments = dict(Offering.objects.values_list("procedure__code", "department__code"))
    assert departments == {"2.000528": None, "1.001612": "81.YT"}


def test_a_bad_department_is_an_error_naming_the_row_and_the_column(units, tmp_path):
    path = write_xlsx(
        tmp_path / "o.xlsx",
        [
            HEADER,
            ["81.TTHCC", "2.000528", "Toàn trình", "NOPE"],
            ["81.TTHCC", "1.001612", "Toàn trình", "81.TP"],
        ],
    )
    status, out, err = run_cli("offerings", path)
    assert status == 1 and err.splitlines() == ["row 2, column Mã phòng ban: unknown unit code 'NOPE'"]
    for department, message in (("81.X1", NOT_A_DEPARTMENT), ("82.TP", OTHER_DISTRICT)):
        path = write_xlsx(
            tmp_path / "o.xlsx",
            [HEADER, ["81.TTHCC", "1.001612", "Toàn trình", "81.TP"], ["81.TTHCC", "2.000528", "4", department]],
        )
        status, out, err = run_cli("offerings", path)
        assert (status, err.splitlines()) == (1, [f"row 3, column Mã phòng ban: {message}"])
        assert summary(out) == "created 0, updated 0, unchanged 0, errors 1"
    assert not Offering.objects.exists()


def test_the_preview_shows_the_department(units, tmp_path):
    OfferingFactory(unit=units["81.TTHCC"], procedure=Procedure.objects.get(code="2.000528"), department=units["81.TP"])
    path = write_xlsx(
        tmp_path / "o.xlsx",
        [HEADER, ["81.TTHCC", "2.000528", "Toàn trình", "81.YT"], ["81.TTHCC", "1.001612", "Toàn trình", "81.TP"]],
    )
    report = run_import("offerings", path, dry_run=True, preview_changes=10)
    assert [(c.row, c.key, c.created, c.values) for c in report.changes] == [
        (2, "81.TTHCC · 2.000528", False, (("Mã phòng ban", "81.TP", "81.YT"),)),
        (3, "81.TTHCC · 1.001612", True, (("Mức độ", "", "Full process online"), ("Mã phòng ban", "", "81.TP"))),
    ]
    assert Offering.objects.get().department == units["81.TP"]
