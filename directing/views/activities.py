"""The outreach activities of a unit's subtree on the unit page (reports.panels): totals by kind over the
period shown, one query."""

from reports.params import url

from ..models import ActivityKind
from ..selectors.activities import activity_totals


def unit_panel(request, unit, period, approved_only):
    """The unit page's section: the activities of the unit's subtree in the period, by kind; none: no section."""
    totals = activity_totals(unit, period)
    if not totals:
        return None
    return (
        "directing/_activities_panel.html",
        {
            "rows": [(ActivityKind(kind).label, count, participants) for kind, (count, participants) in totals.items()],
            "count": sum(count for count, _participants in totals.values()),
            "participants": sum(participants for _count, participants in totals.values()),
            "period": period,
            "export_url": url("directing:activities_export", unit=unit.code, period=period),
        },
    )
