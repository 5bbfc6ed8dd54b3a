"""Shared data of the workflow tests: a district with a commune, the people who work on it, a procedure."""

import pytest
from django.utils import timezone

from accounts.models import Role
from procedures.models import ServiceLevel
from tests.factories import OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

PASSWORD = "pw-Secret-123"


class Office:
    """A district D with communes A and B; clerk and leader of A, leaders of D, an admin, an outsider."""

    def __init__(self):
        self.district = UnitFactory(code="D", name="Huyện D", kind=UnitKind.DISTRICT)
        self.commune = UnitFactory(code="A", name="Xã A", parent=self.district)
        self.other_commune = UnitFactory(code="B", name="Xã B", parent=self.district)
        self.elsewhere = UnitFactory(code="X", name="Huyện X", kind=UnitKind.DISTRICT)
        self.procedure = ProcedureFactory(code="1.004227", name="Đăng ký khai sinh")
        self.second_procedure = ProcedureFactory(code="2.000908", name="Chứng thực bản sao")
        for unit in (self.commune, self.other_commune):
            OfferingFactory(unit=unit, procedure=self.procedure, service_level=ServiceLevel.FULL)
        self.clerk = UserFactory(username="clerk_a", role=Role.CLERK, units=[self.commune])
        self.other_clerk = UserFactory(username="clerk_a2", role=Role.CLERK, units=[self.commune])
        self.clerk_b = UserFactory(username="clerk_b", role=Role.CLERK, units=[self.other_commune])
        self.leader = UserFactory(username="leader_d", role=Role.LEADER, units=[self.district])
        self.second_leader = UserFactory(username="leader_d2", role=Role.LEADER, units=[self.district])
        self.commune_leader = UserFactory(username="leader_a", role=Role.LEADER, units=[self.commune])
        self.outside_leader = UserFactory(username="leader_x", role=Role.LEADER, units=[self.elsewhere])
        self.admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
        today = timezone.localdate()
        # The current month is always open for entry (its deadline is after its end).
        self.open_month = (today.year, today.month)
        self.closed_month = (2019, 7)

    def row(self, year, month, procedure=None, **counts):
        return {
            "unit_id": self.commune.pk,
            "procedure_id": (procedure or self.procedure).pk,
            "year": year,
            "month": month,
            **counts,
        }


@pytest.fixture
def office(db):
    return Office()
