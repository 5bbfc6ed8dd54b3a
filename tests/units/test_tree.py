"""The unit tree: materialised paths kept on every save, subtree queries, scope by user."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests.factories import UnitFactory, UserFactory
from units.models import PATH_STEP, Unit, UnitKind
from units.selectors import unit_in_scope
from units.services import units_rebuild_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    province = UnitFactory(code="22", kind=UnitKind.PROVINCE)
    district = UnitFactory(code="195", kind=UnitKind.DISTRICT, parent=province)
    ward = UnitFactory(code="06676", parent=district)
    other = UnitFactory(code="196", kind=UnitKind.DISTRICT, parent=province)
    return province, district, ward, other


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_subtree_is_one_query_whatever_the_depth(tree):
    province, district, ward, other = tree
    UnitFactory(code="deep", parent=ward)
    with CaptureQueriesContext(connection) as queries:
        assert codes(Unit.objects.subtree(province)) == ["06676", "195", "196", "22", "deep"]
    assert len(queries) == 1
    assert codes(Unit.objects.subtree(district)) == ["06676", "195", "deep"]
    assert ward.depth == 3 and len(ward.path) == 3 * PATH_STEP
    assert ward.ancestor_ids() == [province.pk, district.pk]


def test_moving_a_unit_moves_its_whole_subtree(tree):
    province, district, ward, other = tree
    deep = UnitFactory(code="deep", parent=ward)
    ward.parent = other
    ward.save()
    assert codes(Unit.objects.subtree(other)) == ["06676", "196", "deep"]
    assert codes(Unit.objects.subtree(district)) == ["195"]
    deep.refresh_from_db()
    assert deep.path.startswith(other.path)


def test_a_unit_cannot_go_under_its_own_descendant(tree):
    province, district, ward, other = tree
    district.parent = ward
    with pytest.raises(ValidationError) as exc:
        district.full_clean()
    assert "parent" in exc.value.message_dict


def test_database_refuses_end_before_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitFactory(code="X", valid_from=datetime.date(2025, 7, 1), valid_to=datetime.date(2025, 6, 30))


def test_rebuild_paths_repairs_bulk_written_units(tree):
    province, district, ward, other = tree
    Unit.objects.bulk_create([Unit(code="bulk", name="Bulk", kind=UnitKind.COMMUNE, parent=other)])
    Unit.objects.filter(code="06676").update(parent=other)
    assert units_rebuild_paths() == 2
    assert codes(Unit.objects.subtree(other)) == ["06676", "196", "bulk"]
    assert units_rebuild_paths() == 0


def test_successors_keep_history_of_merged_communes(tree):
    province, district, ward, other = tree
    old_a = UnitFactory(code="OLD-A", parent=district, valid_to=datetime.date(2025, 6, 30))
    old_b = UnitFactory(code="OLD-B", parent=district, valid_to=datetime.date(2025, 6, 30))
    new = UnitFactory(code="NEW", parent=province, valid_from=datetime.date(2025, 7, 1))
    old_a.successors.add(new)
    old_b.successors.add(new)
    assert codes(new.predecessors.all()) == ["OLD-A", "OLD-B"]
    assert codes(Unit.objects.valid_on(datetime.date(2025, 6, 30)).filter(code__in=["OLD-A", "NEW"])) == ["OLD-A"]
    assert codes(Unit.objects.valid_on(datetime.date(2025, 7, 1)).filter(code__in=["OLD-A", "NEW"])) == ["NEW"]


def test_for_user_is_the_assigned_units_and_below(tree):
    province, district, ward, other = tree
    clerk = UserFactory(role=Role.CLERK, units=[district])
    assert codes(Unit.objects.for_user(clerk)) == ["06676", "195"]
    two = UserFactory(role=Role.LEADER, units=[ward, other])
    assert codes(Unit.objects.for_user(two)) == ["06676", "196"]
    nobody = UserFactory(role=Role.LEADER)
    assert codes(Unit.objects.for_user(nobody)) == []
    admin = UserFactory(role=Role.ADMIN)
    assert len(codes(Unit.objects.for_user(admin))) == 4


def test_unit_in_scope_finds_what_for_user_finds_in_one_query(tree):
    province, district, ward, other = tree
    ward.valid_from, ward.valid_to = datetime.date(2020, 1, 1), datetime.date(2025, 6, 30)
    ward.save()
    users = [
        UserFactory(role=Role.CLERK, units=[district]),
        UserFactory(role=Role.LEADER, units=[ward, other]),
        UserFactory(role=Role.LEADER),
        UserFactory(role=Role.ADMIN),
    ]
    for user in users:
        for unit in Unit.objects.all():
            with CaptureQueriesContext(connection) as queries:
                found = unit_in_scope(user, f" {unit.code} ")
            assert len(queries) == 1
            expected = Unit.objects.for_user(user).filter(pk=unit.pk).first()
            assert found == expected, (user.username, unit.code)
            if found is not None:  # every column as the ORM reads it (dates on SQLite too)
                fields = [f.attname for f in Unit._meta.concrete_fields]
                assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert unit_in_scope(users[3], "NO-SUCH-UNIT") is None
    assert unit_in_scope(users[3], "  ") is None
    assert unit_in_scope(AnonymousUser(), "195") is None


def test_scope_roots_drop_units_below_other_assigned_units(tree):
    province, district, ward, other = tree
    leader = UserFactory(role=Role.LEADER, units=[district, ward, other])
    assert codes(Unit.objects.scope_roots_for(leader)) == ["195", "196"]
    assert codes(Unit.objects.scope_roots_for(UserFactory(role=Role.ADMIN))) == ["22"]
