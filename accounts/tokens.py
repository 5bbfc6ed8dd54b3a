"""Services for API tokens: create, revoke, and note their use. The services of users themselves are in
accounts/services.py; finding the token of a key is accounts.authentication's job.
"""

import datetime
import hashlib
import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User

logger = logging.getLogger("accounts.tokens")

PREFIX_LENGTH = 8
# Writing last_used_at on every request would turn each API read into a write; a minute's precision is
# all the tokens page needs.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its key, which is not stored and cannot be shown again.
    Raises PermissionDenied for a user who may not use API tokens (User.can_use_api_tokens)."""
    if not user.can_use_api_tokens:
        raise PermissionDenied(
            f"{user.username} is a {user.role}: only active leaders and administrators may use API tokens"
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=(name or "").strip(), prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key))
    token.full_clean()
    with transaction.atomic():
        token.save()
        logger.info("API token %s (%s…) created for %s", token.pk, token.prefix, user.username)
    return token, key


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token for good; revoking a revoked token changes nothing."""
    with transaction.atomic():
        # Lock the row so that two revocations record one time and one person.
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        logger.info("API token %s (%s…) of %s revoked by %s", token.pk, token.prefix, token.user_id, by.username)
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
