"""Spreadsheet formulas never reach a user through an export (issue 13): the admin's exports (CSV, TSV,
.xlsx through django-import-export) escape text that starts like a formula with an apostrophe, as the
portal's own exports do, without dropping any character; and a unit code can never start like one."""

import pytest
from django.core.exceptions import ValidationError
from import_export.formats import base_formats

from core.errors import RowsRefused
from tests.factories import UnitFactory
from units.models import Unit, UnitKind
from units.resources import UnitResource
from units.services import units_upsert

pytestmark = pytest.mark.django_db

NAMES = ["+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", '=HYPERLINK("http://x")', "\t=1+1"]


@pytest.mark.parametrize("fmt", [base_formats.CSV, base_formats.TSV])
def test_the_admins_text_exports_escape_formulas_and_keep_every_character(fmt):
    for i, name in enumerate(NAMES):
        UnitFactory(code=f"U{i}", name=name, kind=UnitKind.PROVINCE)
    exported = fmt().export_data(UnitResource().export())
    text = exported if isinstance(exported, str) else exported.decode()
    for name in NAMES:
        assert ("'" + name).replace('"', '""') in text or "'" + name in text
    assert "\n+cmd" not in text and ",+cmd" not in text and ",-2+3" not in text and ",@SUM" not in text


def test_the_admins_xlsx_export_escapes_too():
    import io

    import openpyxl

    UnitFactory(code="U1", name="=1+1", kind=UnitKind.PROVINCE)
    book = openpyxl.load_workbook(io.BytesIO(base_formats.XLSX().export_data(UnitResource().export())))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "'=1+1" in values and "=1+1" not in values


@pytest.mark.parametrize("code", ["=EVILCODE", "+1", "-1", "@A", "'X", " A"])
def test_a_unit_code_that_starts_like_a_formula_is_refused(code):
    with pytest.raises(RowsRefused) as refused:
        units_upsert([{"code": code, "name": "Xã X", "kind": UnitKind.COMMUNE}], reason="test")
    assert refused.value.problems[0][0][0] == "code"
    assert not Unit.objects.exists()
    with pytest.raises(ValidationError):
        Unit(code=code, name="Xã X", kind=UnitKind.COMMUNE).full_clean()
