"""Who is asking: the login throttle's backend, and the credentials of the JSON API.

The API takes either the browser's session or an API token in `Authorization: Token KEY`. Its errors
are JSON, never a redirect to the login page: a script must be told what is wrong in a form it reads.
"""

import functools

from axes.backends import AxesStandaloneBackend
from django.db import connections, router
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.rows import Columns, fetch_row

from .models import ApiToken
from .tokens import api_token_mark_used, hash_key

TOKEN_KEYWORD = "token"
# A key is 43 characters (secrets.token_urlsafe(32)); anything far longer is not worth hashing.
MAX_KEY_LENGTH = 200
API_METHODS = ("GET", "HEAD")
# Unit names are Vietnamese: send them as UTF-8 text rather than \u escapes.
JSON_PARAMS = {"ensure_ascii": False}


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come with a request (the login pages).

    A login without a request (`authenticate()` in a script, the test client's `login()`) has no address
    to throttle by and is not a password-guessing channel; axes would refuse it outright, so it passes
    on to the next backend instead.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class NotAuthenticated(Exception):
    pass


class ApiError(Exception):
    """An answer other than 200: raised by an API view, turned into `{"error": ..., **extra}`."""

    status = 400

    def __init__(self, message, *, status=None, **extra):
        super().__init__(message)
        self.status = status or self.status
        self.extra = extra


@functools.cache
def _token_query(alias):
    """The SQL that finds the active token of a key hash with its active user, and the Columns of each
    (core.rows): the ORM's own query cost an API request half of its time in building the SQL (issue 16)."""
    quote = connections[alias].ops.quote_name
    user_model = ApiToken._meta.get_field("user").related_model
    token, user = Columns(alias, ApiToken, "t"), Columns(alias, user_model, "u")
    sql = (
        f"SELECT {token.sql}, {user.sql} FROM {token.table} t "
        f"INNER JOIN {user.table} u ON u.{quote(user_model._meta.pk.column)} = t.{quote('user_id')} "
        f"WHERE t.{quote('key_hash')} = %s AND t.{quote('revoked_at')} IS NULL AND u.{quote('is_active')}"
    )
    return sql, token, user


def api_token_for_key(key: str) -> ApiToken | None:
    """The active token of an active user with this key (its `user` loaded), or None.

    The key is found through its hash in an indexed lookup: nothing compares the secret itself, so no
    timing tells how much of a guessed key was right. One query.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    alias = router.db_for_read(ApiToken)
    sql, token_columns, user_columns = _token_query(alias)
    row = fetch_row(alias, sql, [hash_key(key)])
    if row is None:
        return None
    token = token_columns.instance(row[: len(token_columns)])
    token.user = user_columns.instance(row[len(token_columns) :])
    return token


def api_user(request):
    """The user an API request acts for: the token's owner when an Authorization header is sent (even
    with a session, so a script never silently runs as whoever is logged in), else the session's user.
    Raises NotAuthenticated with the reason to show."""
    header = request.headers.get("Authorization", "").strip()
    if header:
        keyword, _, key = header.partition(" ")
        key = key.strip()
        if keyword.lower() != TOKEN_KEYWORD or not key:
            raise NotAuthenticated('malformed Authorization header: expected "Token KEY"')
        token = api_token_for_key(key)
        if token is None:
            # One answer for unknown and revoked keys: the caller learns nothing about other keys.
            raise NotAuthenticated("invalid or revoked API token")
        if not token.user.can_use_api_tokens:
            raise ApiError(
                f"the API token's user {token.user.username!r} is a {token.user.role}: only leaders and "
                "administrators may use API tokens",
                status=403,
            )
        api_token_mark_used(token=token)
        return token.user
    if request.user.is_authenticated:
        return request.user
    raise NotAuthenticated('authentication required: send "Authorization: Token KEY" or log in')


def json_error(status, message, **extra):
    return JsonResponse({"error": message, **extra}, status=status, json_dumps_params=JSON_PARAMS)


def api_view(view):
    """Wrap a read-only API view: credentials (401), method (405), JSON answers, no caching.

    The view is called as `view(request, user, ...)` with the user whose scope applies and returns the
    data to send as JSON (or an HttpResponse of JSON it has already encoded), or raises ApiError. CSRF
    does not apply: these views change nothing, and a cross-site POST meets 401 or 405 like any other.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            user = api_user(request)
        except NotAuthenticated as exc:
            response = json_error(401, str(exc))
            response["WWW-Authenticate"] = 'Token realm="api"'
        except ApiError as exc:
            response = json_error(exc.status, str(exc), **exc.extra)
        else:
            if request.method not in API_METHODS:
                response = json_error(405, f"method {request.method} is not allowed here; use GET")
                response["Allow"] = ", ".join(API_METHODS)
            else:
                try:
                    data = view(request, user, *args, **kwargs)
                    # A view may answer with JSON it already has as bytes (reports.api: answers reused).
                    if not isinstance(data, HttpResponse):
                        data = JsonResponse(data, json_dumps_params=JSON_PARAMS)
                    response = data
                except ApiError as exc:
                    response = json_error(exc.status, str(exc), **exc.extra)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response

    return csrf_exempt(never_cache(wrapper))
