"""The query parameters shared by the KPI pages (home, ranking, unit pages): the period with its
presets, the choice of approved figures, and links that keep the other parameters."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.periods import Month, Period, PeriodError, period_param, year_to_date

from .selectors import Tree, TreeError, parse_tree
from .status import APPROVED, StatusError, parse_status


def period_from(request):
    """(period, text as given, error message): the period asked for in ?period=, else the current year
    so far, with a message saying why when the text is unreadable."""
    text = request.GET.get("period", "").strip()
    try:
        return period_param(request.GET), text, None
    except PeriodError:
        message = _(
            "The parameter “period” is not valid: “%(value)s”. Write a month (2019-07 or 07/2019), a quarter "
            "(2019-Q3), a half-year (2019-H1), a year (2019) or a range of months (2019-01..2019-07). "
            "Showing the current year instead."
        ) % {"value": text}
        return year_to_date(timezone.localdate()), text, message


def approved_only_from(request):
    """?status=approved: approved unit-months only; else every stored figure (with an error message for a
    value that is neither approved nor all, showing every figure as by default)."""
    text = request.GET.get("status", "")
    try:
        return parse_status(text), None
    except StatusError:
        message = _(
            "The parameter “status” is not valid: “%(value)s”. Use “approved” for approved figures only, or "
            "leave it out. Showing all figures instead."
        ) % {"value": text.strip()}
        return False, message


def tree_from(request):
    """?tree=today: today's tree of units, the figures of merged units added into their successors; else
    the tree as it was in the period (with an error message for any other value, showing that tree)."""
    text = request.GET.get("tree", "")
    try:
        return parse_tree(text), None
    except TreeError:
        message = _(
            "The parameter “tree” is not valid: “%(value)s”. Use “today” for today's units, or leave it out. "
            "Showing the units as they were in the period instead."
        ) % {"value": text.strip()}
        return Tree.PERIOD, message


def tree_param(tree):
    """The value of ?tree= in links for `tree`: None (left out) for the period's tree."""
    return None if tree == Tree.PERIOD else str(tree)


def tree_switch(request, tree):
    """(label, link, current?) of the two trees, for the switch of the ranking and unit pages."""
    return [
        (_("Units as they were in the period"), with_params(request, tree=None), tree == Tree.PERIOD),
        (_("Today's units"), with_params(request, tree=str(Tree.TODAY)), tree == Tree.TODAY),
    ]


def status_url(request, approved_only):
    """This page with the other choice of figures (every figure, or approved ones only)."""
    query = request.GET.copy()
    if approved_only:
        query.pop("status", None)
    else:
        query["status"] = APPROVED
    return f"?{query.urlencode()}"


def with_params(request, **changes):
    """This page's query string with some parameters changed (None removes one)."""
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    return f"?{query.urlencode()}"


def url(name, *args, **params):
    """A URL with its query string, leaving out empty parameters."""
    query = urlencode({key: str(value) for key, value in params.items() if value})
    return reverse(name, args=args) + (f"?{query}" if query else "")


def period_presets(period: Period, today=None):
    """(label, period text, current?) of the periods a leader asks for, in the year of the period shown:
    this month (the period's last), each quarter begun, the first six and seven months, the year."""
    today = today or timezone.localdate()
    year = period.end.year
    last = min(period.end, Month.of(today)) if year == today.year else period.end
    quarters = (Month.of(today).month - 1) // 3 + 1 if year == today.year else 4
    presets = [
        (pgettext("period preset", "Month %(month)02d/%(year)s") % {"month": last.month, "year": year}, str(last)),
        *(
            (pgettext("period preset", "Quarter %(quarter)s") % {"quarter": quarter}, f"{year}-Q{quarter}")
            for quarter in range(1, quarters + 1)
        ),
        (pgettext("period preset", "First 6 months"), f"{year}-H1"),
        (pgettext("period preset", "First 7 months"), f"{year}-01..{year}-07"),
        (pgettext("period preset", "Year %(year)s") % {"year": year}, str(year)),
    ]
    so_far = str(year_to_date(today))
    if year == today.year and so_far != str(year):
        presets.append((pgettext("period preset", "Year to date"), so_far))
    current = str(period)
    return [(label, text, text == current) for label, text in presets]


def neighbour_years(period: Period):
    """The same period a year before and after (texts), for the year switch."""
    return str(period.previous_year()), str(Period(period.start.shift(12), period.end.shift(12)))


def period_context(request, period: Period, period_text: str):
    """The template context of a page's period picker: the period, its text as typed, the presets and
    the same period a year before and after (links keeping the other parameters)."""
    earlier, later = neighbour_years(period)
    return {
        "period": period,
        "period_text": period_text or str(period),
        "presets": [(label, with_params(request, period=text), on) for label, text, on in period_presets(period)],
        "earlier_url": with_params(request, period=earlier),
        "later_url": with_params(request, period=later),
        "earlier": earlier,
        "later": later,
    }
