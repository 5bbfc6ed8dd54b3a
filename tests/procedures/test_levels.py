"""The level in force of an offering, one rule spelt in SQL (procedures.models.offering_start, used by
`in_force` and `level_in_force`) and in Python (procedures.selectors.LevelIndex): both must agree."""

import datetime

import pytest
from django.db.models import OuterRef

from procedures.models import Offering, ServiceLevel, month_index
from procedures.selectors import LevelIndex
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory
from units.models import Unit

pytestmark = pytest.mark.django_db

FULL, PARTIAL, NONE = ServiceLevel.FULL, ServiceLevel.PARTIAL, ServiceLevel.NONE


@pytest.fixture
def offerings():
    unit = UnitFactory(code="U1")
    a, b, c = (ProcedureFactory(code=code) for code in ("1.000001", "1.000002", "1.000003"))
    OfferingFactory(unit=unit, procedure=a, service_level=NONE)  # from the beginning
    OfferingFactory(unit=unit, procedure=a, service_level=PARTIAL, valid_from=datetime.date(2019, 4, 15))
    OfferingFactory(unit=unit, procedure=a, service_level=FULL, valid_from=datetime.date(2019, 7, 1))
    OfferingFactory(unit=unit, procedure=b, service_level=FULL, valid_from=datetime.date(2019, 3, 31))
    OfferingFactory(unit=unit, procedure=c, service_level=PARTIAL, valid_from=datetime.date(2018, 12, 1))
    OfferingFactory(unit=unit, procedure=c, service_level=NONE, valid_from=datetime.date(2019, 1, 20))
    # Two started in one month, entered latest first: the later date's holds for the whole month and after.
    d = ProcedureFactory(code="1.000004")
    OfferingFactory(unit=unit, procedure=d, service_level=NONE, valid_from=datetime.date(2019, 5, 20))
    OfferingFactory(unit=unit, procedure=d, service_level=PARTIAL, valid_from=datetime.date(2019, 5, 2))
    return unit, (a, b, c, d)


def test_a_start_mid_month_holds_for_the_whole_month(offerings):
    unit, (a, b, _c, _d) = offerings
    levels = dict(Offering.objects.in_force(2019, 4).filter(unit=unit).values_list("procedure__code", "service_level"))
    assert levels["1.000001"] == PARTIAL and levels["1.000002"] == FULL
    assert dict(
        Offering.objects.in_force(2019, 2).filter(unit=unit).values_list("procedure__code", "service_level")
    ) == {"1.000001": NONE, "1.000003": NONE}


def _by_subquery(unit, procedures, year, month):
    """{procedure id: level} read through level_in_force, the subquery the KPI totals use."""
    names = {f"p{p.pk}": p.pk for p in procedures}
    row = (
        Unit.objects.filter(pk=unit.pk)
        .annotate(
            **{
                name: Offering.objects.level_in_force(OuterRef("pk"), pid, month_index(year, month))
                for name, pid in names.items()
            }
        )
        .values(*names)
        .get()
    )
    return {pid: row[name] for name, pid in names.items() if row[name]}


def test_sql_and_python_agree_on_every_month(offerings):
    unit, procedures = offerings
    index = LevelIndex.for_units([unit.pk])
    for year in (2018, 2019, 2020):
        for month in range(1, 13):
            in_force = dict(
                Offering.objects.in_force(year, month).filter(unit=unit).values_list("procedure_id", "service_level")
            )
            python = {p.pk: index.level(unit.pk, p.pk, year, month) for p in procedures}
            python = {pid: level for pid, level in python.items() if level}
            assert in_force == python == _by_subquery(unit, procedures, year, month), (year, month)


def test_of_two_offerings_started_in_one_month_the_later_date_holds_alone(offerings):
    """One offering in force per (unit, procedure), whichever way the level is read."""
    unit, (_a, _b, _c, d) = offerings
    for year, month in ((2019, 5), (2019, 6), (2020, 1)):
        assert list(
            Offering.objects.in_force(year, month).filter(procedure=d).values_list("service_level", flat=True)
        ) == [NONE]
        assert LevelIndex.for_units([unit.pk]).level(unit.pk, d.pk, year, month) == NONE
        assert _by_subquery(unit, [d], year, month) == {d.pk: NONE}
    assert not Offering.objects.in_force(2019, 4).filter(procedure=d).exists()
