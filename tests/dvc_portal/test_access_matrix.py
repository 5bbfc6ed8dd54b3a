"""Access control as a matrix (issue 13, item 3): every URL of the project × four kinds of user × the
unit it is asked about (the user's own, the one above, a sibling). Allowed combinations succeed; refused
ones answer the login page (the JSON API: 401), 403 or 404; and no answer names a unit outside the
user's scope: neither its name, nor its code beyond repeating what the request itself said (the answer
about an existing unit outside the scope and about a code that does not exist are the same).

The URLs are read from the URL configuration: a URL without an entry in the table
(tests/dvc_portal/access_matrix_cases.py, TABLE) fails test_every_url_is_in_the_matrix, so that a page
added later says how its scope is tested. The world is built once for the module, in a transaction
rolled back after it; each case runs in its own savepoint, so a POST that is allowed changes nothing
for the next one."""

import io
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver, reverse

from tests.dvc_portal.access_matrix_cases import (
    ANONYMOUS,
    NO_SUCH_CODE,
    NONE,
    RELATIONS,
    ROLES,
    SCOPE,
    TABLE,
    UNITS,
    Request,
    admin_tries,
    build_world,
    json_text,
)

# --- the URLs of the project ---------------------------------------------------------------------------


def _portal_packages():
    """The top-level packages of the project's own apps (not those installed in site-packages)."""
    base = Path(settings.BASE_DIR).resolve()
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in config.path
    }


def _is_portal_admin_view(name, pattern):
    """Of the Django admin's URLs, those that are the portal's: views written in the portal (its import
    through imports.resources), and the export of its resources. The admin's own pages (changelists,
    forms, history, login) are Django's and not in the matrix."""
    module = getattr(pattern.callback, "__module__", "") or ""
    return module.split(".")[0] in _portal_packages() or (
        module.startswith("import_export.") and name.endswith("_export")
    )


def project_urls(resolver=None, namespace=""):
    """(name, pattern) of every URL of the project: `namespace:name`, `namespace:None` for an unnamed one
    (the API's catch-all); of the admin only the portal's own views."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from project_urls(pattern, ":".join(filter(None, [namespace, pattern.namespace])))
            continue
        name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
        if namespace.split(":")[0] == "admin" and not _is_portal_admin_view(name, pattern):
            continue
        yield name, pattern


def tries_of(name):
    return TABLE.get(name) or admin_tries(name)


def cases():
    found = []
    for name in sorted(dict(project_urls())):
        for index, attempt in enumerate(tries_of(name) or []):
            for role in ROLES:
                for relation in RELATIONS if attempt.relational else (NONE,):
                    case_id = f"{name}#{index}-{attempt.method.upper()}-{role}-{relation}"
                    found.append(pytest.param(name, index, role, relation, id=case_id))
    return found


def test_every_url_is_in_the_matrix():
    names = {name for name, _pattern in project_urls()}
    missing = sorted(name for name in names if not tries_of(name))
    assert not missing, (
        f"URLs without an entry in the access matrix: {missing}. Add each to TABLE in "
        "tests/dvc_portal/access_matrix_cases.py: how to build its parameters for a unit at each relation "
        "(own, above, sibling), the methods to try and what each role (anonymous, clerk, leader, admin) "
        "must get, so that its scope is tested like every other URL's."
    )
    stale = sorted(set(TABLE) - names)
    assert not stale, f"Entries of the access matrix for URLs that no longer exist: {stale}; remove them."


# --- the world ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of access_matrix_cases.build_world, once for the module, rolled back after it; attached
    files, staged imports and exports in a temporary folder."""
    folder = tmp_path_factory.mktemp("access_matrix")
    folders = {"MEDIA_ROOT": "media", "IMPORT_STAGING_DIR": "staging", "EXPORT_JOBS_DIR": "exports"}
    paths = {setting: str(folder / name) for setting, name in folders.items()}
    with override_settings(**paths), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- what an answer says --------------------------------------------------------------------------------


def body_text(response) -> str:
    """The answer's text; of an .xlsx, the XML of its sheets and strings (a leak inside an export counts)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels")))
    return content.decode("utf-8", errors="replace")


def outside_scope(world, role):
    """The units `role` may not see (keys of UNITS)."""
    scope = SCOPE[role]
    return [] if scope is None else [key for key in UNITS if key not in scope]


def _replace(value, old, new):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    return value


def _swapped(request: Request, old, new) -> Request:
    return Request(
        kwargs={k: _replace(v, old, new) for k, v in request.kwargs.items()},
        query={k: _replace(v, old, new) for k, v in request.query.items()},
        data={k: _replace(v, old, new) for k, v in request.data.items()},
        path=request.path,
    )


def _mentions(request: Request, text):
    return any(text in str(value) for part in (request.kwargs, request.query, request.data) for value in part.values())


def send(client, name, method, request: Request):
    url = request.path or reverse(name, kwargs=request.kwargs or None)
    if method == "get":
        return client.get(url, request.query)
    if request.query:
        url += "?" + urlencode(request.query)
    return client.post(url, request.data)


def fingerprint():
    """What a refused POST must leave as it was: the figures and statuses, directing's reports, tasks,
    findings and inspection reports, indicator values, tokens and import jobs."""
    from accounts.models import ApiToken
    from directing.models import Finding, IndicatorValue, Inspection, Task, TaskReport
    from filings.models import MonthlyFiling, UnitMonth
    from imports.models import ImportJob

    return (
        list(MonthlyFiling.objects.order_by("pk").values_list("pk", "received_online")),
        list(UnitMonth.objects.order_by("pk").values_list("pk", "status", "version")),
        list(TaskReport.objects.order_by("pk").values_list("pk", "confirmed_at", "returned_at")),
        Task.objects.count(),
        Finding.objects.count(),
        list(Inspection.objects.order_by("pk").values_list("pk", "report", "reported_on")),
        list(IndicatorValue.objects.order_by("pk").values_list("pk", "value")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(ImportJob.objects.order_by("pk").values_list("pk", "status")),
    )


def _login_url(kind):
    return reverse("admin:login") if kind == "admin" else reverse(settings.LOGIN_URL)


# --- the matrix -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name, index, role, relation", cases())
def test_access(world, client, name, index, role, relation):
    attempt = tries_of(name)[index]
    expected = attempt.expect(role, relation)
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    request = attempt.build(world, relation)
    before = fingerprint() if attempt.method == "post" and expected.refusal else None

    response = send(client, name, attempt.method, request)

    where = f"{attempt.method.upper()} {name} as {role} about the {relation} unit"
    assert response.status_code in expected.statuses, (
        f"{where}: expected {expected}, got {response.status_code} {response.get('Location', '')}"
    )
    location = response.get("Location", "")
    if expected.login:
        # A refusal asks to sign in and come back (?next=); signing out ends on the login page itself.
        login = _login_url(expected.login) + ("?next=" if expected.refusal else "")
        assert location.startswith(login), f"{where}: not the login page: {location}"
    elif 300 <= response.status_code < 400:
        login_pages = (_login_url("portal"), _login_url("admin"))
        assert not location.startswith(login_pages), f"{where}: allowed, yet sent to the login page: {location}"
    if before is not None:
        assert fingerprint() == before, f"{where}: refused, yet something was written"

    # No answer names a unit outside the user's scope: a refusal, nor an allowed page of a clerk or a
    # leader (an administrator sees every unit).
    text = body_text(response)
    for key in outside_scope(world, role):
        code, unit_name = UNITS[key][0], UNITS[key][1]
        assert unit_name not in text and json_text(unit_name) not in text, f"{where}: the answer names {unit_name}"
        if not _mentions(request, code):
            assert code not in text, f"{where}: the answer names the code {code}"
            continue
        # The request named the unit: the answer may repeat the code as asked, no more than it repeats a
        # code of no unit; and it is the same answer (status) as for a code of no unit.
        if code in text:
            if role != ANONYMOUS:
                client.force_login(world.users[role])
            other = send(client, name, attempt.method, _swapped(request, code, NO_SUCH_CODE))
            assert other.status_code == response.status_code, (
                f"{where}: {response.status_code} for {code}, {other.status_code} for a code of no unit"
            )
            assert text.count(code) == body_text(other).count(NO_SUCH_CODE), (
                f"{where}: the answer names {code} more often than it repeats a code of no unit"
            )
