"""The read path of outreach activities."""

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from core.periods import Period

from ..models import Activity, ActivityKind


def activity_totals(unit, period: Period) -> dict[str, tuple[int, int]]:
    """{kind: (count, participants)} of the activities of `unit`'s subtree (path prefix) in `period`, in
    the order of ActivityKind, kinds without an activity left out; one query."""
    rows = (
        Activity.objects.filter(
            unit__path__startswith=unit.path, date__gte=period.start.first_day, date__lte=period.end.last_day
        )
        .order_by()
        .values("kind")
        .annotate(count=Count("id"), participants=Coalesce(Sum("participants"), 0))
    )
    found = {row["kind"]: (row["count"], row["participants"]) for row in rows}
    return {kind: found[kind] for kind in ActivityKind.values if kind in found}
