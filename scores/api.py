"""GET /api/v1/score?unit=CODE&period=PERIOD[&status=approved]: the JSON of `manage.py score --json`
(CONTRACT.md, "score --json"), with the parameters, credentials, scope and errors of the other API views
(reports.api, accounts.authentication.api_view)."""

from accounts.authentication import api_view
from reports.api import approved_only_of, bad_parameter, period_of, required_param, unit_of

from .selectors import NoScoreVersion, score_for, version_for


@api_view
def score_view(request, user):
    """GET /api/v1/score?unit=CODE&period=PERIOD[&status=approved]"""
    # Every parameter is read before the unit is looked up, so a malformed request gets its 400 first.
    code, period, approved_only = required_param(request, "unit"), period_of(request), approved_only_of(request)
    try:
        version = version_for(period)
    except NoScoreVersion as exc:
        raise bad_parameter("period", str(exc)) from None
    unit = unit_of(user, "unit", code)
    return score_for(unit, period, approved_only=approved_only, version=version).as_json()
