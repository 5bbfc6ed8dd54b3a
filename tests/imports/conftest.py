import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from procedures.models import AuthorityLevel, Offering, Procedure, ServiceLevel
from procedures.services import offerings_write
from tests.factories import ProcedureFactory, UnitFactory
from units.models import UnitKind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLES = FIXTURES / "samples"
XLS = FIXTURES / "import"


def run_cli(*argv):
    """`manage.py import_data ...` as a user runs it: (exit status, stdout, stderr). (Not through
    run_from_argv, which closes the database connection that the test's transaction lives on.)"""
    out, err = StringIO(), StringIO()
    status = 0
    try:
        call_command("import_data", *map(str, argv), stdout=out, stderr=err)
    except SystemExit as exc:
        status = exc.code
    except CommandError as exc:
        err.write(str(exc))
        status = exc.returncode
    return status, out.getvalue(), err.getvalue()


def summary(out):
    return out.strip().splitlines()[-1]


@pytest.fixture
def tree(db):
    """The units and procedures of the sample files."""
    province = UnitFactory(code="88", name="Tỉnh Mẫu", kind=UnitKind.PROVINCE)
    town = UnitFactory(code="881", name="Thị xã Mẫu", kind=UnitKind.DISTRICT, parent=province)
    units = {"88": province, "881": town}
    units["881.TTHCC"] = UnitFactory(code="881.TTHCC", kind=UnitKind.CENTER, parent=town)
    for code in ("88101", "88102", "88103"):
        units[code] = UnitFactory(code=code, parent=town)
    for code, level in (
        ("1.001193", AuthorityLevel.COMMUNE),
        ("1.000894", AuthorityLevel.COMMUNE),
        ("2.000815", AuthorityLevel.COMMUNE),
        ("1.009994", AuthorityLevel.DISTRICT),
        ("2.000720", AuthorityLevel.DISTRICT),
    ):
        ProcedureFactory(code=code, level=level)
    return units


@pytest.fixture
def offered(tree):
    """`tree`, with every unit offering every procedure online, as the sample files' online receipts say
    (figures of procedures not offered online are imported with a warning)."""
    offerings_write(
        create=[
            Offering(unit=unit, procedure=procedure, service_level=ServiceLevel.FULL)
            for unit in tree.values()
            for procedure in Procedure.objects.all()
        ],
        reason="test",
    )
    return tree


@pytest.fixture
def sample(tmp_path):
    def copy(name):
        return Path(shutil.copy(SAMPLES / name, tmp_path / name))

    return copy


@pytest.fixture(autouse=True)
def english_messages():
    """Messages as the command line prints them (management commands run untranslated); the page tests
    switch to Vietnamese where they check what a user reads."""
    from django.utils import translation

    with translation.override("en"):
        yield
