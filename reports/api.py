"""The JSON API of CONTRACT.md ("HTTP"): the same figures as `manage.py kpi --json` (with the year-end
projections of reports.projection), `ranking --json` and `alerts --json`.

Views parse their parameters (400 naming the parameter), find the unit within the user's scope (404,
the same answer for an unknown unit and one outside the scope) and hand over to the reports selectors.
Credentials, methods and the JSON envelope are accounts.authentication.api_view's job.
"""

import json

from django.http import HttpResponse
from django.utils import timezone

from accounts.authentication import JSON_PARAMS, ApiError, api_view, json_error
from core.periods import PeriodError, period_param
from units.models import Unit
from units.selectors import unit_in_scope

from .alerts import alerts_for
from .kpis import COMPUTED_KPIS, UnknownKpi, get_kpi
from .projection import with_projections
from .reuse import possible, reused, scope_of, unit_in_scope_with_versions
from .selectors import Tree, TreeError, kpis_for, parse_tree, ranked_units, ranking
from .status import StatusError, parse_status

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


# The parameters every view of the API reads the same way (400 naming the parameter; 404 for a unit outside
# the user's scope): public for the API views of higher apps (scores).


def bad_parameter(parameter, message):
    return ApiError(f"{parameter}: {message}", status=400, parameter=parameter)


def required_param(request, name):
    value = request.GET.get(name, "").strip()
    if not value:
        raise bad_parameter(name, "this parameter is required")
    return value


def period_of(request):
    required_param(request, "period")  # no default in the API (CONTRACT.md)
    try:
        return period_param(request.GET)
    except PeriodError as exc:
        raise bad_parameter("period", str(exc)) from None


def _kpi(request):
    try:
        return get_kpi(required_param(request, "kpi"))
    except UnknownKpi as exc:
        raise bad_parameter("kpi", str(exc)) from None


def _flag(request, name):
    value = request.GET.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise bad_parameter(name, f"expected 1 or 0, not {value!r}")


def approved_only_of(request):
    try:
        return parse_status(request.GET.get("status"))
    except StatusError as exc:
        raise bad_parameter("status", str(exc)) from None


def _tree(request):
    try:
        return parse_tree(request.GET.get("tree"))
    except TreeError as exc:
        raise bad_parameter("tree", str(exc)) from None


def unit_of(user, parameter, code):
    """The unit in the user's scope, else 404 naming the parameter."""
    return _found(unit_in_scope(user, code), parameter, code)


def unit_and_versions_of(user, parameter, code):
    """unit_of's unit and the versions of its subtree for _reused (None when nothing is reused), in one
    query."""
    unit, versions = unit_in_scope_with_versions(user, code)
    return _found(unit, parameter, code), versions


def _found(unit, parameter, code):
    if unit is None:
        raise ApiError(f"{parameter}: no unit with code {code!r} in your scope", status=404, parameter=parameter)
    return unit


def _reused(kind, parts, path, tree, compute, versions=None):
    """compute()'s answer, encoded once and reused while the data under `path` (whose `versions` the
    caller may have read already) stay the same (reports.reuse); in today's tree the figures add
    predecessors from anywhere, so every unit's versions count, and today's date."""
    if tree == Tree.TODAY:
        path, parts, versions = "", (*parts, timezone.localdate()), None
    encoded = reused(
        kind, (*parts, str(tree)), path, lambda: json.dumps(compute(), **JSON_PARAMS).encode(), versions=versions
    )
    return HttpResponse(encoded, content_type="application/json")


@api_view
def kpi(request, user):
    """GET /api/v1/kpi?unit=CODE&period=PERIOD[&own=1][&status=approved][&tree=today]"""
    # Every parameter is read before the unit is looked up, so a malformed request gets its 400 first.
    code, period, own = required_param(request, "unit"), period_of(request), _flag(request, "own")
    approved_only, tree = approved_only_of(request), _tree(request)
    unit, versions = unit_and_versions_of(user, "unit", code)
    # The projections depend on today's date too.
    return _reused(
        "api.kpi",
        (unit.pk, period.start.index, period.end.index, own, approved_only, timezone.localdate()),
        unit.path,
        tree,
        lambda: with_projections(kpis_for(unit, period, own=own, approved_only=approved_only, tree=tree)).as_json(),
        versions,
    )


@api_view
def ranking_view(request, user):
    """GET /api/v1/ranking?parent=CODE&period=PERIOD&kpi=KEY[&status=approved][&tree=today]; without
    parent, the top units of the scope."""
    code, period, kpi = request.GET.get("parent", "").strip(), period_of(request), _kpi(request)
    approved_only, tree = approved_only_of(request), _tree(request)
    parts = (period.start.index, period.end.index, kpi.key, approved_only)
    if code:
        parent, versions = unit_and_versions_of(user, "parent", code)

        def compute():
            return ranking(period, kpi.key, parent=parent, approved_only=approved_only, tree=tree).as_json()

        if kpi.key in COMPUTED_KPIS:  # computed by another app, from data these versions do not follow
            return compute()
        return _reused("api.ranking", (parent.pk, *parts), parent.path, tree, compute, versions)

    def compute_top():
        roots = Unit.objects.scope_roots_for(user)
        top = ranked_units(period, roots=roots, tree=tree)
        return ranking(period, kpi.key, units=top, approved_only=approved_only, tree=tree, within=roots).as_json()

    if kpi.key in COMPUTED_KPIS or not possible():
        return compute_top()
    scope, path = scope_of(user)
    return _reused("api.ranking.top", (scope, *parts), path, tree, compute_top)


@api_view
def alerts_view(request, user):
    """GET /api/v1/alerts?parent=CODE&period=PERIOD[&status=approved]: the months in which a unit at or
    below the parent fell far below its own recent months; without parent, every unit of the scope."""
    code, period = request.GET.get("parent", "").strip(), period_of(request)
    approved_only = approved_only_of(request)
    if code:
        parent = unit_of(user, "parent", code)
        return alerts_for(parent, period, approved_only=approved_only).as_json()
    return alerts_for(Unit.objects.scope_roots_for(user), period, approved_only=approved_only).as_json()


def not_found(request, path=""):
    """Unknown paths under /api/v1/ answer in JSON too."""
    return json_error(
        404, f"no API endpoint at {request.path}; see /api/v1/kpi, /api/v1/ranking, /api/v1/alerts and /api/v1/score"
    )
