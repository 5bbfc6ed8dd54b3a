"""The views that need no app of the project: the health check (load balancers, monitoring) and the icon
that browsers ask for."""

from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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


@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's, error pages): the
    portal's logo, which base.html names."""
    return HttpResponsePermanentRedirect(static("img/logo.svg"))
