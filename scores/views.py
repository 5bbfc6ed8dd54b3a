"""The scoreboard: the units below one (or the top of the user's scope) ranked by their Decision 766
score, with the points of each group as a stacked bar; and the score's section of the unit page (the
indicators that cost the most points and what it would take to reach full points)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.dashboards import breadcrumb
from reports.params import approved_only_from, period_context, period_from, url
from reports.selectors import ranked_units
from reports.status import APPROVED
from units.models import Unit
from units.selectors import unit_in_scope_or_404

from .selectors import NoScoreVersion, scores_for_units

# The groups' colours on the stacked bars, in the version's order of groups (static/css/scores.css).
GROUP_COLOURS = 6
# The indicators the unit page names: those that cost the most points.
COSTLIEST = 3
# What "N more" counts, by KPI: its numerator (IndicatorScore.needed).
MORE_OF = {
    "sync_rate": gettext_lazy("filings synchronised to the national portal"),
    "on_time_rate": gettext_lazy("filings resolved on time"),
    "online_rate_eligible": gettext_lazy("filings received online"),
    "online_payment_rate": gettext_lazy("fees paid online"),
    "digitisation_rate": gettext_lazy("filings digitised on receipt"),
    "e_result_rate": gettext_lazy("results issued electronically"),
    "satisfaction_rate": gettext_lazy("satisfied ratings"),
}


def _ranked(scores):
    """(rank, score) by total, highest first; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(scores, key=lambda s: (-s.total, s.unit.code))
    ranked, previous, rank = [], None, 0
    for position, score in enumerate(ordered, start=1):
        if score.total != previous:
            rank, previous = position, score.total
        ranked.append((rank, score))
    return ranked


def _groups(scores):
    """The groups of the versions shown, in order, each with its colour index."""
    seen = {}
    for score in scores:
        for group in score.groups:
            seen.setdefault(group.key, (group.label, len(seen) % GROUP_COLOURS))
    return [(key, label, colour) for key, (label, colour) in seen.items()]


@login_required
def board(request):
    """GET /scores/?unit=CODE&period=PERIOD[&status=approved]: the units directly below the unit (else
    the top of the user's scope) ranked by their Decision 766 score."""
    period, period_text, period_error = period_from(request)
    approved_only, status_error = approved_only_from(request)
    errors = [e for e in (period_error, status_error) if e]
    code = request.GET.get("unit", "").strip()
    roots = None
    if code:
        parent = unit_in_scope_or_404(request.user, code)
    else:
        # One top unit in the user's scope: what is below it; several: those units.
        roots = list(Unit.objects.scope_roots_for(request.user).order_by("code"))
        parent = roots[0] if len(roots) == 1 else None
    if parent:
        units = list(ranked_units(period, parent=parent))
    else:
        units = list(ranked_units(period, roots=Unit.objects.filter(pk__in=[u.pk for u in roots])))
    try:
        scores = list(scores_for_units(units, period, approved_only=approved_only).values())
    except NoScoreVersion:
        scores = []
        errors.append(_("No version of the score is in force at the end of %(period)s.") % {"period": period})
    groups = _groups(scores)
    colour = {key: index for key, _label, index in groups}
    status = APPROVED if approved_only else None
    rows = [
        (
            rank,
            score,
            url("reports:unit", score.unit.code, period=period, status=status),
            [(group, colour[group.key]) for group in score.groups],
        )
        for rank, score in _ranked(scores)
    ]
    return render(
        request,
        "scores/board.html",
        {
            "parent": parent,
            "crumbs": breadcrumb(request, parent, "scores:board", period, approved_only, unit_param=True),
            **period_context(request, period, period_text),
            "approved_only": approved_only,
            "errors": errors,
            "rows": rows,
            "groups": groups,
            "versions": sorted({score.version for score in scores}, key=lambda v: v.effective_from),
        },
        status=400 if errors else 200,
    )


def unit_panel(request, unit, period, approved_only):
    """The unit page's section (reports.panels): the unit's score, its groups,
    and the indicators that cost the most points with what would reach full points."""
    try:
        score = scores_for_units([unit], period, approved_only=approved_only)[unit.pk]
    except NoScoreVersion:
        return None  # a period before the first version: no section
    indicators = [i for group in score.groups for i in group.indicators if i.points is not None]
    costliest = sorted((i for i in indicators if i.lost), key=lambda i: -i.lost)[:COSTLIEST]
    status = APPROVED if approved_only else None
    # The board of the unit's parent when the user's scope holds it; else the top of their scope (a unit
    # above the scope is never named, not even in a link: docs/security.md).
    parent = Unit.objects.for_user(request.user).filter(pk=unit.parent_id).first() if unit.parent_id else None
    return (
        "scores/_unit_panel.html",
        {
            "score": score,
            "costliest": [(i, MORE_OF.get(i.kpi.key, i.kpi.label)) for i in costliest],
            "board_url": url("scores:board", unit=parent.code if parent else None, period=period, status=status),
        },
    )
