"""Two answers given before or instead of a view's.

RefuseNulMiddleware: requests whose path or query string hold a NUL character are refused before any view
runs: PostgreSQL text cannot hold NUL, so a code such as `19\\x005` would otherwise fail deep in a query
with a 500. Form fields need no such guard: Django's CharField refuses NUL itself. The API answers in JSON,
as its other errors (`{"error": ..., "parameter": ...}`).

DatabaseUnavailableMiddleware: a view whose database connection fails (the server restarted, the network
cut, a connection killed) answers 503 with "nothing was saved" instead of a bare 500. Every write runs in
one transaction, which the server rolls back when its connection ends, so the message is true, and the
user can simply send the same thing again (tests/filings/test_faults.py)."""

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

NUL = "\x00"


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = None
        if NUL in request.path:
            where = "path"
        else:
            where = next(
                (key for key, values in request.GET.lists() if NUL in key or any(NUL in v for v in values)), None
            )
        if where is None:
            return self.get_response(request)
        message = _("%(parameter)s: a NUL character is not allowed") % {"parameter": where.replace(NUL, "")}
        if request.path.startswith("/api/"):
            return JsonResponse({"error": message, "parameter": where.replace(NUL, "")}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class DatabaseUnavailableMiddleware:
    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        # The broken connections are of no further use; the next request opens new ones.
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        message = _(
            "The database could not be reached. Nothing was saved: try again in a moment, and tell the "
            "administrator if this goes on."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"error": message}, status=503)
        else:
            # Rendered without a request context, as the 500 page: no user, nothing that needs the database.
            response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
