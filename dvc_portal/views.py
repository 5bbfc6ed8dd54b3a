from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports.kpis import KPIS
from reports.periods import Period, PeriodError
from reports.selectors import kpis_for_units
from units.models import Unit


@require_GET
@never_cache
def healthz(request):
    """200 `ok` when the app answers and its database does."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    """The KPIs of the user's top units for the current year (or ?period=)."""
    period_text = request.GET.get("period", "").strip()
    error = None
    try:
        period = Period.parse(period_text) if period_text else Period.year(timezone.localdate().year)
    except PeriodError as exc:
        error = str(exc)
        period = Period.year(timezone.localdate().year)
    units = Unit.objects.scope_roots_for(request.user).order_by("code")
    results = kpis_for_units(units, period)
    rows = [results[unit.pk] for unit in units]
    return render(
        request,
        "home.html",
        {"period": period, "rows": rows, "kpis": list(KPIS.values()), "period_error": error},
    )
