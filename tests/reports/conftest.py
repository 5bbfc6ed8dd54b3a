"""Units and figures shared by the ranking and dashboard tests."""

import pytest

from tests.factories import FieldFactory, FilingFactory, ProcedureFactory, TargetFactory, UnitFactory
from units.models import UnitKind


@pytest.fixture
def town():
    """A town with three communes and its centre; online filings of June and July 2019."""
    town = UnitFactory(code="T", name="Thị xã T", kind=UnitKind.DISTRICT)
    units = {
        code: UnitFactory(code=code, name=name, kind=kind, parent=town)
        for code, name, kind in (
            ("T.TTHCC", "Trung tâm HCC", UnitKind.CENTER),
            ("X1", "Xã Một", UnitKind.COMMUNE),
            ("X2", "Xã Hai", UnitKind.COMMUNE),
            ("X3", "Xã Ba", UnitKind.COMMUNE),
        )
    }
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=FieldFactory())
    # (online, at the desk) in June, then in July: the ranks swap between X1 and X2.
    figures = {"T.TTHCC": ((50, 50), (20, 80)), "X1": ((9, 1), (1, 9)), "X2": ((1, 9), (9, 1)), "X3": ((0, 0), (8, 2))}
    for code, months in figures.items():
        for month, (online, direct) in zip((6, 7), months):
            FilingFactory(
                unit=units[code], procedure=procedure, month=month, received_online=online, received_direct=direct
            )
    TargetFactory(unit=units["X2"], kpi="online_rate", target=80)  # July 90%: met
    TargetFactory(unit=units["X3"], kpi="online_rate", target=83)  # July 80%: close (3 points below)
    TargetFactory(unit=units["X1"], kpi="online_rate", target=30)  # July 10%: missed
    return town
