"""The one write path of outreach activities: `activities_upsert` (the importer, the admin, the demo)."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RowsRefused
from units.models import Unit

from ..models import Activity
from ..rules.activities import activity_problems
from ..versions import one_bump

FIELDS = ("participants", "note")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def activities_upsert(rows, *, today: datetime.date | None = None) -> UpsertResult:
    """Create or update activities by their key (unit_id, date, kind). Each row is a dict with those keys,
    `participants` (None: not counted) and `note`. Raises RowsRefused, writing nothing, for a date in the
    future, an unknown kind, a bad number of participants, or a unit unknown or not valid on the date."""
    rows = list(rows)
    today = today or timezone.localdate()
    units = Unit.objects.in_bulk({row.get("unit_id") for row in rows})
    problems = {}
    for position, row in enumerate(rows):
        if issues := activity_problems(row, units.get(row.get("unit_id")), today):
            problems[position] = issues
    seen = {}
    for position, row in enumerate(rows):
        key = (row["unit_id"], row["date"], row["kind"])
        if key in seen and position not in problems:
            problems[position] = [("date", _("same unit, date and kind as #%(first)s") % {"first": seen[key] + 1})]
        seen.setdefault(key, position)
    if problems:
        raise RowsRefused(problems)
    result = UpsertResult()
    with transaction.atomic(), one_bump():
        stored = {
            (a.unit_id, a.date, a.kind): a
            for a in Activity.objects.filter(
                unit_id__in={row["unit_id"] for row in rows}, date__in={row["date"] for row in rows}
            )
        }
        for row in rows:
            values = {"participants": row.get("participants"), "note": row.get("note") or ""}
            activity = stored.get((row["unit_id"], row["date"], row["kind"]))
            if activity is None:
                Activity.objects.create(unit_id=row["unit_id"], date=row["date"], kind=row["kind"], **values)
                result.created += 1
            elif any(getattr(activity, field) != values[field] for field in FIELDS):
                for field, value in values.items():
                    setattr(activity, field, value)
                activity.save(update_fields=[*FIELDS, "updated_at"])
                result.updated += 1
            else:
                result.unchanged += 1
    return result
