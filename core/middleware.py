"""Requests whose path or query string hold a NUL character are refused before any view runs: PostgreSQL
text cannot hold NUL, so a code such as `19\\x005` would otherwise fail deep in a query with a 500. Form
fields need no such guard: Django's CharField refuses NUL itself. The API answers in JSON, as its other
errors (`{"error": ..., "parameter": ...}`)."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

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
