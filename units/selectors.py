"""Reads of the units app."""

from django.http import Http404
from django.utils.translation import gettext as _

from .models import Unit


def unit_in_scope(user, code) -> Unit | None:
    """The unit with `code` when `user` may see it (`Unit.objects.for_user`: their units and everything
    below; an admin every unit), else None. The one scope check of every page, export and API call that
    names a unit: another unit answers 404, never its data."""
    code = (code or "").strip()
    return Unit.objects.for_user(user).filter(code=code).first() if code else None


def unit_in_scope_or_404(user, code) -> Unit:
    unit = unit_in_scope(user, code)
    if unit is None:
        raise Http404(_("No unit %(code)r in your scope.") % {"code": code})
    return unit


def ancestors_in_scope(user, unit: Unit) -> list[Unit]:
    """The units above `unit` that `user` may see, from the top of their scope down (a breadcrumb); the
    unit itself not included. Two queries."""
    ids = [int(segment) for segment in unit.path.split("/") if segment][:-1]
    if not ids:
        return []
    return list(Unit.objects.for_user(user).filter(pk__in=ids).order_by("path").only("code", "name", "path"))
