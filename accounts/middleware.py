"""Sessions end after SESSION_IDLE_SECONDS without a request (besides SESSION_COOKIE_AGE, their longest
life): a signed-in page left open on a shared office computer does not stay signed in."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

LAST_SEEN = "last_seen"
# The last request's time is written to the session at most this often (not a session write per request).
RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):  # the API answers an anonymous request 401, in JSON
                    return self.get_response(request)
                messages.info(request, _("You were signed out after a time without activity. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if last is None or now - last > RESOLUTION_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
