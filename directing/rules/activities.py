"""The rules of an outreach activity, in one place: asked by `activities_upsert` for every writer (the
importer, the admin's form, the demo)."""

import datetime

from django.utils.translation import gettext as _

from ..models import ActivityKind
from .validity import unit_inactive_on_reason

MAX_PARTICIPANTS = 10_000_000


def activity_problems(row, unit, today: datetime.date) -> list[tuple[str, str]]:
    """[(field, reason)] of one activity row (a dict with `date`, `kind`, `participants`), `unit` the
    Unit it names (None: unknown)."""
    problems = []
    day = row.get("date")
    if not isinstance(day, datetime.date):
        problems.append(("date", _("a date is required")))
        day = None
    elif day > today:
        problems.append(("date", _("%(date)s is in the future") % {"date": f"{day:%d/%m/%Y}"}))
    if row.get("kind") not in ActivityKind.values:
        problems.append(("kind", _("%(kind)r is not a known kind of activity") % {"kind": row.get("kind")}))
    participants = row.get("participants")
    if participants is not None and (
        isinstance(participants, bool) or not isinstance(participants, int) or not 0 <= participants <= MAX_PARTICIPANTS
    ):
        problems.append(("participants", _("%(value)r is not a number of participants") % {"value": participants}))
    if unit is None:
        problems.append(("unit", _("unknown unit")))
    elif day is not None and not unit.is_valid_on(day):
        problems.append(("unit", unit_inactive_on_reason(unit, day)))
    return problems
