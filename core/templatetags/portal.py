"""Presentation filters for the portal's pages: KPI values formatted in the active language.

The values arrive already computed and rounded by reports.selectors; these filters only format them,
through Django's localisation (dvc_portal/formats/<lang>), so that the Vietnamese UI writes 1.234.567
and 26,15% and the English UI 1,234,567 and 26.15%.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()

EMPTY = "—"
MINUS = "\u2212"  # a real minus sign, as wide as the plus, so signed figures line up
_CENTS = Decimal("0.01")


def _decimal(value):
    # Values come rounded from reports.selectors; quantizing only pins two places ("30" -> "30.00") and
    # keeps the half-up rule of the contract if a caller ever hands over more digits.
    return Decimal(value).quantize(_CENTS, rounding=ROUND_HALF_UP)


def _number(value, decimal_pos):
    return number_format(value, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


@register.filter
def pct(value):
    """A percentage with two decimals: Decimal("26.15") -> "26,15%" (vi) / "26.15%" (en); None -> "—"."""
    if value is None or value == "":
        return EMPTY
    return f"{_number(_decimal(value), 2)}%"


@register.filter
def count(value):
    """A whole number with thousands grouped: 1234567 -> "1.234.567" (vi) / "1,234,567" (en)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return _number(_decimal(value), 2)
    return _number(int(value), 0)


@register.filter
def points(value):
    """Points of a score with two decimals: Decimal("63.4") -> "63,40" (vi) / "63.40" (en); None -> "—"."""
    if value is None or value == "":
        return EMPTY
    return _number(_decimal(value), 2)


@register.filter
def gap(value, unit="pp"):
    """A signed distance to a target: "+1,25 điểm %" / "−3,85 điểm %" (percentage points), or with
    `gap:"count"` a signed whole number for count KPIs ("+12"). None -> "—"."""
    if value is None or value == "":
        return EMPTY
    value = _decimal(value)
    sign = "+" if value > 0 else MINUS if value < 0 else "±"
    if unit == "count":
        return f"{sign}{count(abs(value))}"
    return _("%(value)s pp") % {"value": f"{sign}{_number(abs(value), 2)}"}


@register.filter
def period_label(period):
    """A report period in words: "năm 2019", "quý 3/2019", "6 tháng đầu năm 2019", "tháng 07/2019",
    "từ 01/2019 đến 07/2019"."""
    if period is None:
        return EMPTY
    start, end = period.start, period.end
    if start == end:
        return pgettext("report period", "%(month)02d/%(year)d") % {"month": start.month, "year": start.year}
    if start.year == end.year:
        year, first, last = start.year, start.month, end.month
        if (first, last) == (1, 12):
            return pgettext("report period", "%(year)d") % {"year": year}
        if last - first == 2 and first % 3 == 1:
            return _("Q%(quarter)d %(year)d") % {"quarter": first // 3 + 1, "year": year}
        if (first, last) == (1, 6):
            return _("first half of %(year)d") % {"year": year}
        if (first, last) == (7, 12):
            return _("second half of %(year)d") % {"year": year}
    return _("%(start_month)02d/%(start_year)d to %(end_month)02d/%(end_year)d") % {
        "start_month": start.month,
        "start_year": start.year,
        "end_month": end.month,
        "end_year": end.year,
    }


@register.filter
def percent_step(value):
    """A percentage as a whole number from 0 to 100, for the width and position classes of
    static/css/widths.css (`w-37`, `l-37`): bars drawn without inline styles, which the
    Content-Security-Policy forbids."""
    if value is None or value == "":
        return 0
    number = Decimal(str(value))
    return int(min(max(number, Decimal(0)), Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
