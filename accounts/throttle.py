"""The throttle of password-reset mails: at most PASSWORD_RESET_PER_EMAIL requests for one e-mail address
and PASSWORD_RESET_PER_ADDRESS from one client address in PASSWORD_RESET_WINDOW_MINUTES; beyond that no
mail is sent, whether or not the address belongs to a user. The client address is read as django-axes
reads it for the login throttle (AXES_IPWARE_* settings), so a spoofed X-Forwarded-For counts only where
the proxy setup says to trust it."""

import datetime
import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import PasswordResetRequest


def _keys(request, email: str) -> dict[str, int]:
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    return {
        f"email:{digest}": settings.PASSWORD_RESET_PER_EMAIL,
        f"ip:{get_client_ip_address(request) or 'unknown'}": settings.PASSWORD_RESET_PER_ADDRESS,
    }


def allow_reset(request, email: str) -> bool:
    """Record a request for a reset mail to `email`, and whether it may be sent (False: over a limit;
    refused requests are recorded too, so hammering keeps the limit closed). Rows older than the window
    are deleted on the way."""
    now = timezone.now()
    since = now - datetime.timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)
    keys = _keys(request, email)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(created_at__lt=since).delete()
        counts = {key: PasswordResetRequest.objects.filter(key=key, created_at__gte=since).count() for key in keys}
        PasswordResetRequest.objects.bulk_create(PasswordResetRequest(key=key) for key in keys)
    return all(counts[key] < limit for key, limit in keys.items())
