"""create_user and user_upsert: create or update a user with a role and a unit scope; bad input is one line
and exit status 2."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role, User
from accounts.services import user_upsert
from tests.factories import UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    district = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    return {
        "195": district,
        "06766": UnitFactory(code="06766", name="Phường Cẩm Sơn", parent=district),
        "06790": UnitFactory(code="06790", name="Phường Cẩm Thành", parent=district),
    }


def create_user(*argv):
    out = StringIO()
    call_command("create_user", *argv, stdout=out)
    return out.getvalue()


def test_creates_a_clerk_with_units_and_a_password(units):
    output = create_user("canbo.camson", "--role", "clerk", "--unit", "06766", "--password", "Mat-khau-123")
    assert output.splitlines()[0] == "created user canbo.camson (clerk, 06766)"
    user = User.objects.get(username="canbo.camson")
    assert user.role == Role.CLERK
    assert list(user.units.all()) == [units["06766"]]
    assert user.check_password("Mat-khau-123")
    assert not user.is_staff and not user.is_superuser


def test_a_new_user_without_a_password_cannot_log_in_yet(units):
    output = create_user("lanhdao", "--role", "leader", "--unit", "195")
    assert output.startswith("created user lanhdao (leader, 195)")
    assert "changepassword lanhdao" in output
    assert not User.objects.get(username="lanhdao").has_usable_password()


def test_several_units_may_be_given_either_way(units):
    create_user("a", "--role", "leader", "--unit", "06766", "06790")
    create_user("b", "--role", "leader", "--unit", "06766", "--unit", "06790")
    for username in ("a", "b"):
        assert set(User.objects.get(username=username).units.values_list("code", flat=True)) == {
            "06766",
            "06790",
        }


def test_updating_replaces_role_and_units_and_keeps_the_password(units):
    user = UserFactory(username="lanhdao", role=Role.LEADER, units=[units["195"], units["06790"]])
    output = create_user("lanhdao", "--role", "clerk", "--unit", "06766")
    assert output.strip() == "updated user lanhdao (clerk, 06766)"
    user.refresh_from_db()
    assert user.role == Role.CLERK
    assert list(user.units.values_list("code", flat=True)) == ["06766"]
    assert user.check_password("pw-Secret-123")
    assert User.objects.count() == 1


def test_updating_with_a_password_changes_it(units):
    user = UserFactory(username="lanhdao", role=Role.LEADER)
    create_user("lanhdao", "--role", "leader", "--password", "Mat-khau-moi-456")
    user.refresh_from_db()
    assert user.check_password("Mat-khau-moi-456")


def test_an_admin_can_use_the_django_admin_and_loses_it_when_demoted(units):
    assert (
        create_user("quantri", "--role", "admin", "--password", "x").strip()
        == "created user quantri (admin, all units)"
    )
    admin = User.objects.get(username="quantri")
    assert admin.is_staff and admin.is_superuser and admin.is_portal_admin
    create_user("quantri", "--role", "leader", "--unit", "195")
    admin.refresh_from_db()
    assert not admin.is_staff and not admin.is_superuser and not admin.is_portal_admin


@pytest.mark.parametrize(
    "argv, words",
    [
        # The words are what the user typed or may type: the messages themselves are translated.
        (["x", "--role", "clerk", "--unit", "06766", "XYZ"], ["XYZ"]),
        (["x", "--role", "boss", "--unit", "06766"], ["boss", "clerk", "leader", "admin"]),
        (["x", "--role", "clerk", "--password", ""], []),
        (["bad name!", "--role", "clerk"], ["username:"]),
    ],
)
def test_bad_input_is_one_line_with_exit_status_2_and_writes_nothing(units, argv, words):
    with pytest.raises(CommandError) as raised:
        create_user(*argv)
    message = str(raised.value)
    assert raised.value.returncode == 2
    assert message.strip() and "\n" not in message
    for word in words:
        assert word in message
    assert not User.objects.exists()


def test_an_unknown_unit_leaves_an_existing_user_as_it_was(units):
    user = UserFactory(username="lanhdao", role=Role.LEADER, units=[units["195"]])
    with pytest.raises(CommandError):
        create_user("lanhdao", "--role", "clerk", "--unit", "NOPE")
    user.refresh_from_db()
    assert user.role == Role.LEADER
    assert list(user.units.values_list("code", flat=True)) == ["195"]


def test_user_upsert_names_every_unknown_code(units):
    with pytest.raises(ValidationError) as raised:
        user_upsert(username="x", role=Role.CLERK, unit_codes=["06766", "AAA", "BBB"])
    assert raised.value.code == "unknown_unit"
    assert "AAA" in raised.value.messages[0] and "BBB" in raised.value.messages[0]


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"role": "boss"}, "invalid_role"),
        ({"role": Role.CLERK, "password": ""}, "empty_password"),
    ],
)
def test_user_upsert_refuses_bad_input(units, kwargs, code):
    with pytest.raises(ValidationError) as raised:
        user_upsert(username="x", **kwargs)
    assert raised.value.code == code
    assert not User.objects.exists()


def test_user_upsert_returns_whether_it_created(units):
    user, created = user_upsert(username="x", role=Role.LEADER, unit_codes=["195"])
    assert created and user.pk
    again, created = user_upsert(username="x", role=Role.LEADER, unit_codes=["195"])
    assert not created and again.pk == user.pk


def test_an_email_address_is_set_kept_and_checked(units):
    create_user("canbo.camson", "--role", "clerk", "--unit", "06766", "--email", "canbo@camson.gov.vn")
    create_user("canbo.camson", "--role", "clerk", "--unit", "06766")  # no --email: the address stays
    assert User.objects.get(username="canbo.camson").email == "canbo@camson.gov.vn"
    with pytest.raises(CommandError, match="email: (Nhập địa chỉ email|Enter a valid email address)"):
        create_user("canbo.camson", "--role", "clerk", "--email", "not an address")
    assert User.objects.get(username="canbo.camson").email == "canbo@camson.gov.vn"
