"""KPIs for the pages of other apps: the entry page (filings) shows the month's figures beside the month
before and a year before through this tag, so that filings never imports the KPI engine above it."""

from django import template
from django.utils.translation import gettext_lazy

from core.periods import Month, Period

from ..selectors import kpis_for_units

register = template.Library()

# The month's figures a leader weighs before deciding, with the same month a year earlier and the month before.
# (KPI, part, label; None: the KPI's own name).
_COMPARED = (
    ("online_rate", "denominator", gettext_lazy("New filings")),
    ("online_rate", "numerator", gettext_lazy("of which online")),
    ("online_rate", "value", None),
    ("online_rate_eligible", "value", None),
    ("on_time_rate", "denominator", gettext_lazy("Resolved")),
    ("on_time_rate", "value", None),
    ("postal_returns", "value", None),
)


@register.simple_tag
def month_comparison(unit, year, month):
    """The unit's own figures of a month beside the month before and the same month a year earlier, as the
    KPI engine computes them: {"months", "rows": [{"label", "is_rate", "values", "changes"}], "online_rate"}.
    The entry page shows it in the leader's decision box (`{% month_comparison unit year month as c %}`).
    A month before the portal's first is None, its values too."""
    this = Month(year, month)
    # None before the portal's first month (January 2000 has no month before it): no figures there.
    months = [this, this.shift_within(-1), this.shift_within(-12)]
    keys = tuple(dict.fromkeys(key for key, _part, _label in _COMPARED))
    kpis = [kpis_for_units([unit], Period(m, m), own=True, keys=keys)[unit.pk] if m else None for m in months]
    rows = []
    for key, part, label in _COMPARED:
        values = [getattr(k[key], part) if k else None for k in kpis]
        changes = [None if values[0] is None or v is None else values[0] - v for v in values[1:]]
        kpi = kpis[0][key].kpi
        rows.append(
            {
                "label": label or kpi.label,
                "is_rate": part == "value" and kpi.is_rate,
                "values": values,
                "changes": changes,
            }
        )
    return {"months": months, "rows": rows, "online_rate": kpis[0]["online_rate"]}
