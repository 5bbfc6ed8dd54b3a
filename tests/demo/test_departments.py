"""The demo's district centres name the department responsible for each procedure by its field (Phòng Tư
pháp, Phòng Văn hóa và Thông tin, Phòng Y tế), so Cẩm Phả's centre breaks its 2019 filings down by
department."""

import datetime

import pytest

from core.periods import Period
from demo.plan import build_plan
from procedures.models import Offering
from reports.breakdowns import department_breakdown
from reports.selectors import kpis_for
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

FIELD_DEPARTMENT = {"Hộ tịch": "TP", "Văn hóa": "VHTT", "Y tế": "YT"}


def test_the_district_centres_offerings_name_their_department_by_field(seeded):
    offerings = Offering.objects.filter(department__isnull=False).select_related(
        "unit", "department", "procedure__field"
    )
    assert offerings.exists()
    for offering in offerings:
        assert offering.unit.kind == UnitKind.CENTER and offering.unit.code.endswith(".TTHCC")
        assert offering.department.kind == UnitKind.DEPARTMENT
        assert offering.department.parent_id == offering.unit.parent_id
        district = offering.unit.parent.code
        assert offering.department.code == f"{district}.{FIELD_DEPARTMENT[offering.procedure.field.name]}"
    # The centres' procedures of other fields, and the communes' offerings, name none.
    others = Offering.objects.filter(department__isnull=True, unit__code="195.TTHCC")
    assert not others.filter(procedure__field__name__in=list(FIELD_DEPARTMENT)).exists()
    assert not Offering.objects.filter(department__isnull=False, unit__kind=UnitKind.COMMUNE).exists()


def test_cam_pha_centre_by_department_in_2019(seeded):
    centre = Unit.objects.get(code="195.TTHCC")
    period = Period.parse("2019-01..2019-07")
    items = department_breakdown(centre, period)
    # As docs/kpis.md ("By department") gives them.
    assert [(i.rank, i.code, i.online, i.new, str(i.online_rate.value), i.online_rate.status) for i in items] == [
        (1, "195.VHTT", 27, 162, "16.67", "met"),
        (2, "195.TP", 14, 108, "12.96", "close"),
        (3, "195.YT", 7, 108, "6.48", "missed"),
        (None, "", 881, 3815, "23.09", None),
    ]
    assert [str(item.online_rate.target) for item in items[:3]] == ["15.00"] * 3
    own = kpis_for(centre, period, own=True)["online_rate"]
    assert (sum(item.online for item in items), sum(item.new for item in items)) == (own.numerator, own.denominator)
    assert own.numerator == 929


def test_the_plan_names_departments_the_same_way_every_time():
    day = datetime.date(2026, 12, 3)
    named = [o for o in build_plan(day).offerings if o.department]
    assert named and all(o.department.startswith(o.unit.removesuffix(".TTHCC") + ".") for o in named)
    assert named == [o for o in build_plan(day).offerings if o.department]
