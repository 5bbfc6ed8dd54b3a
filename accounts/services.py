"""Writes to users: create or update a portal user with a role and a unit scope.

(API token services live in accounts.tokens.)
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from units.models import Unit

from .models import Role, User


def user_upsert(
    *, username: str, role: str, unit_codes: Iterable[str] = (), password: str | None = None, email: str | None = None
) -> tuple[User, bool]:
    """Create the user, or update the existing one with that username; returns (user, created).

    The role and the units replace what the user had. Administrators also get `is_staff` and
    `is_superuser` (the Django admin is theirs); clerks and leaders get neither. A given password is set
    as is (no password validators: the caller chose it); a new user without one gets an unusable password,
    an existing user keeps theirs; likewise the e-mail address (reminders go there), checked by full_clean.
    Raises ValidationError for an unknown role, an unknown unit code (naming it), an empty password, an
    invalid username or e-mail address."""
    if role not in Role.values:
        raise ValidationError(
            _("unknown role %(role)r; expected one of: %(roles)s") % {"role": role, "roles": ", ".join(Role.values)},
            code="invalid_role",
        )
    codes = list(dict.fromkeys(unit_codes))
    units = list(Unit.objects.filter(code__in=codes))
    found = {unit.code for unit in units}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(_("unknown unit code: %(codes)s") % {"codes": ", ".join(unknown)}, code="unknown_unit")
    if password is not None and not password:
        raise ValidationError(_("the password may not be empty"), code="empty_password")

    username = User.normalize_username(username)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMIN
        if email is not None:
            user.email = email.strip()
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        user.units.set(units)
    return user, created
