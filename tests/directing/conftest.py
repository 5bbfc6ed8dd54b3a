import pytest

from tests.factories import UnitFactory
from units.models import UnitKind


@pytest.fixture
def city():
    """City T with wards A and B, and X, another city; ward B ended on 30/06/2019."""
    import datetime

    t = UnitFactory(code="T", name="Thành phố T", kind=UnitKind.DISTRICT)
    a = UnitFactory(code="A", name="Phường A", parent=t)
    b = UnitFactory(code="B", name="Phường B", parent=t, valid_to=datetime.date(2019, 6, 30))
    x = UnitFactory(code="X", name="Thành phố X", kind=UnitKind.DISTRICT)
    return {"T": t, "A": a, "B": b, "X": x}
