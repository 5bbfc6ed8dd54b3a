"""Hostile query parameters, generated (issue 13): every page and API endpoint of the URL configuration,
as an anonymous user, a leader and an administrator of the demo, with the parameters the views read
(period, unit, parent, kpi, kind, status, tree, own, q, offset, copy, open, previews, month, next, the
admin's q, o, p, e, all ...) and others, given malformed values: NUL bytes, huge and negative numbers,
periods out of range or reversed, other scripts' digits, very long strings, SQL and HTML, repeated
(`?a=1&a=2`); path values too. Never a 500, never a traceback in a body, streamed bodies complete; the
API answers in JSON, and a 400 names the parameter at fault.

Every URL pattern is listed (kwargs built from real objects of the demo), so a new page is fuzzed without
being added here; hypothesis, derandomized with a fixed number of examples, picks the parameters."""

import os
import time

import pytest
from django.contrib.admin import site
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import currently_in_test_context, given, note
from hypothesis import strategies as st

from accounts.models import ApiToken, User
from accounts.tokens import api_token_create
from demo.seeding import seed_demo
from directing.models import Directive, Inspection, InspectionVisit, TaskAssignment, TaskReport
from imports.models import ImportJob, ImportRecord
from procedures.models import Procedure
from tests.security.fuzzing import fuzz_settings

pytestmark = pytest.mark.django_db

SECONDS = 15  # per request, loosely: a year of KPIs over the whole demo on a shared CI machine
# FUZZ_EXAMPLES=1000 (and FUZZ_RANDOM=1 for other requests than the fixed ones) to search further;
# FUZZ_LOG=FILE writes each request's status and time there.
FUZZ = fuzz_settings(150)

# The parameters the views and the API read (request.GET, period_param, the forms of GET pages), and the
# admin's changelist parameters.
PARAMETERS = [
    "period",
    "unit",
    "parent",
    "kpi",
    "kind",
    "status",
    "tree",
    "own",
    "q",
    "offset",
    "copy",
    "open",
    "previews",
    "month",
    "year",
    "next",
    "page",
    "sort",
    "format",
    "o",
    "p",
    "e",
    "all",
    "_popup",
    "_to_field",
    "_changelist_filters",
]
HOSTILE = [
    "",
    " ",
    "\x00",
    "2019\x00",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "9" * 30,
    "9" * 5000,
    "-" + "9" * 30,
    "2019-13",
    "2019-00",
    "0000-01",
    "9999-12",
    "2000",
    "2100",
    "2019-Q5",
    "2019-Q0",
    "2019-H3",
    "2019-07..2019-01",
    "2001-01..2099-12",
    "..",
    "2019..",
    "07/2019..08/20199",
    "٢٠١٩",
    "２０１９-０７",
    "2019\n",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE units_unit; --',
    "%",
    "%00",
    "\\",
    "../../etc/passwd",
    "//evil.example",
    "\u202e",
    "\ufeff2019",
    "x" * 20_000,
    "195",
    "06766",
    "2025",
    "2025-03",
    "online_rate",
    "score_766",
    "approved",
    "today",
    "1",
    "true",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
VALUE = st.one_of(st.sampled_from(HOSTILE), TEXT, st.integers(-(10**40), 10**40).map(str))
# Sound values, so that a hostile one meets the code behind the others' checks (a real unit, a hostile
# period; a real period, a hostile KPI ...).
SOUND = {
    "period": "2025",
    "unit": "195",
    "parent": "195",
    "kpi": "online_rate",
    "status": "approved",
    "tree": "today",
    "own": "1",
    "kind": "commune",
    "q": "1.0",
    "offset": "20",
    "month": "2025-03",
    "copy": "1",
    "open": "195",
    "previews": "1",
}


@st.composite
def query(draw):
    """Some sound parameters, and one to three hostile ones (a value, or several)."""
    params = {key: SOUND[key] for key in draw(st.sets(st.sampled_from(sorted(SOUND))), label="sound")}
    hostile = draw(
        st.dictionaries(
            st.one_of(st.sampled_from(PARAMETERS), st.sampled_from(PARAMETERS), TEXT.filter(bool)),
            st.one_of(VALUE, VALUE, st.lists(VALUE, min_size=2, max_size=3)),
            min_size=1,
            max_size=3,
        ),
        label="hostile",
    )
    return params | hostile


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module in a transaction rolled back after it, with a past import, a
    job and a token; {what: a real object's key} for the URLs' kwargs."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed_demo()
            admin = User.objects.get(username="admin")
            record = ImportRecord.objects.create(kind="units", file_name="đơn vị.xlsx", sha256="0" * 64, size=1)
            job = ImportJob.objects.create(preview=record, user=admin)
            api_token_create(user=admin, name="fuzz")
            admin_pages = {
                f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}": _first(model)
                for model in site._registry
                for page in ("change", "delete", "history")
            }
            yield {
                "code": "195",
                "year": 2025,
                "month": 3,
                "procedure": Procedure.objects.order_by("code").values_list("code", flat=True).first(),
                "uidb64": "MQ",
                "token": "set-password",
                "kind": "filings",
                "path": "nothing/here",
                "pk": {
                    "directing:directive": Directive.objects.order_by("pk").first().pk,
                    "directing:directive_file": Directive.objects.order_by("pk").first().pk,
                    "directing:directive_export": Directive.objects.order_by("pk").first().pk,
                    "directing:report": TaskAssignment.objects.order_by("pk").first().pk,
                    "directing:decide": _first(TaskReport),
                    "directing:evidence": _first(TaskReport),
                    "directing:inspection": Inspection.objects.order_by("pk").first().pk,
                    "directing:inspection_recommend": Inspection.objects.order_by("pk").first().pk,
                    "directing:inspection_report": Inspection.objects.order_by("pk").first().pk,
                    "directing:inspection_report_file": Inspection.objects.order_by("pk").first().pk,
                    "directing:inspection_export": Inspection.objects.order_by("pk").first().pk,
                    "directing:visit_findings": InspectionVisit.objects.order_by("pk").first().pk,
                    "imports:confirm": record.pk,
                    "imports:result": record.pk,
                    "imports:issues": record.pk,
                    "imports:job": job.pk,
                    "imports:job_status": job.pk,
                    "imports:job_retry": job.pk,
                    "accounts:api_token_revoke": ApiToken.objects.order_by("pk").first().pk,
                    **admin_pages,
                },
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _first(model):
    found = model.objects.order_by("pk").first()
    return found.pk if found else 1


def url_patterns(resolver=None, prefix="", namespace=""):
    """(name, pattern text, URLPattern) of every URL of the site, the admin's included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern), entry


def build_url(name, pattern, entry, demo, hostile_path=None):
    """The URL of a pattern with real kwargs (or, with `hostile_path`, that text for a str kwarg)."""
    kwargs = {}
    for key in entry.pattern.regex.groupindex:
        if key == "pk" or key == "object_id":
            kwargs[key] = demo["pk"].get(name, 1)
        elif key in ("code", "procedure", "kind", "uidb64", "token", "path") and hostile_path is not None:
            kwargs[key] = hostile_path
        elif key in demo:
            kwargs[key] = demo[key]
        elif key == "app_label":
            kwargs[key] = "units"
        elif key == "model_name":
            kwargs[key] = "unit"
        elif key in ("content_type_id",):
            kwargs[key] = 1
        else:
            kwargs[key] = "1"
    # Unnamed groups (simple-history's object history pages): the object, then "1".
    args = [demo["pk"].get(name.replace("_simple_history", "_history"), 1) if name else 1]
    args += ["1"] * (entry.pattern.regex.groups - len(kwargs) - 1)
    if name:
        try:
            return (
                reverse(name, kwargs=kwargs) if kwargs or not entry.pattern.regex.groups else reverse(name, args=args)
            )
        except Exception:  # noqa: BLE001 - a hostile path value no converter takes: no such URL
            return None
    return "/" + pattern.replace("^", "").replace("$", "").replace("(?P<path>.*)", "nothing")


# Admin pages swept with every parameter: the index, and the changelist of every registered model (their
# search, ordering, page and filters) with the import and export pages that take its filters. The hypothesis
# test draws from every admin page.
ADMIN_NAMES = ["admin:index"] + [
    f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
    for model in site._registry
    for page in ("changelist", "export", "import")
]


def every_url(demo, every_admin_page=False):
    """(name, pattern, entry, URL) of each page; of the admin's, its index and changelists, or (with
    `every_admin_page`) every one."""
    urls = []
    for name, pattern, entry in url_patterns():
        if name and name.startswith("admin:") and name not in ADMIN_NAMES and not every_admin_page:
            continue
        url = build_url(name, pattern, entry, demo)
        if url is not None:
            urls.append((name or pattern, pattern, entry, url))
    return urls


ROLES = {"anonymous": None, "leader": "lanhdao195", "admin": "admin"}


def request(role, url, params):
    """GET as the role, in a savepoint rolled back after it (logins, tokens' last use, sessions)."""
    client = Client(raise_request_exception=False)
    with transaction.atomic():
        if ROLES[role]:
            client.force_login(User.objects.get(username=ROLES[role]))
        started = time.perf_counter()
        response = client.get(url, params)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return response, body, elapsed


def check(role, url, params, response, body, elapsed):
    described = f"{role} GET {url} {params!r}"[:600]
    if currently_in_test_context():
        note(described)
    if os.environ.get("FUZZ_LOG"):
        with open(os.environ["FUZZ_LOG"], "a") as log:
            log.write(f"{response.status_code} {elapsed:.2f} {described[:200]!r}\n")
    assert response.status_code != 500, described
    assert b"Traceback" not in body, described
    assert elapsed < SECONDS, f"{described}: {elapsed:.1f} s"
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), described
        answer = response.json() if body else {}
        if response.status_code == 400:
            parameter = answer.get("parameter")
            assert parameter, f"{described}: {answer}"
            assert answer["error"].startswith(f"{parameter}:"), f"{described}: {answer}"
            assert parameter in params or parameter in ("unit", "period", "kpi"), f"{described}: {answer}"


def test_every_url_is_reached(demo):
    """The list covers the site: each pattern gets a URL."""
    listed = {name for name, _pattern, _entry, _url in every_url(demo, every_admin_page=True)}
    for name, pattern, _entry in url_patterns():
        assert (name or pattern) in listed, name or pattern
    assert len(listed) > 200


@pytest.mark.parametrize("role", list(ROLES))
def test_each_url_with_every_parameter_hostile(demo, role):
    """Every URL once with all the parameters at once, for a few values that broke pages before."""
    for name, _pattern, _entry, url in every_url(demo):
        if role != "admin" and name.startswith("admin:"):
            continue
        for value in ("9" * 30, "2001-01..2099-12", "\x00", "٢٠١٩", ["2019", "x" * 300]):
            params = dict.fromkeys(PARAMETERS, value)
            check(role, url, params, *request(role, url, params))


@pytest.mark.parametrize("role", list(ROLES))
@FUZZ
@given(data=st.data())
def test_hostile_parameters(demo, role, data):
    urls = every_url_cached(demo)
    pages = [u for u in urls if not u[0].startswith("admin:")]
    if role == "admin" and data.draw(st.integers(0, 3), label="an admin page") == 0:
        pages = [u for u in urls if u[0].startswith("admin:")]
    name, _pattern, entry, url = data.draw(st.sampled_from(pages), label="url")
    if data.draw(st.integers(0, 9), label="path") == 0:
        hostile = data.draw(st.one_of(st.sampled_from(HOSTILE), TEXT), label="path value")
        url = build_url(name, _pattern, entry, demo, hostile_path=hostile) or url
    params = data.draw(query(), label="params")
    check(role, url, params, *request(role, url, params))


_URLS = {}


def every_url_cached(demo):
    key = id(demo)
    if key not in _URLS:
        _URLS[key] = every_url(demo, every_admin_page=True)
    return _URLS[key]


def test_the_demo_answers_the_plain_urls(demo):
    """The URLs the fuzzing starts from work (so that a 404 is not all it ever sees)."""
    ok = 0
    for _name, _pattern, _entry, url in every_url(demo):
        response, _body, _elapsed = request("admin", url, {})
        assert response.status_code != 500, url
        ok += response.status_code == 200
    assert ok > 40


def test_an_export_with_a_filter_the_changelist_would_not_take_is_a_400(demo):
    """django-import-export's export page raised IncorrectLookupParameters (a 500) on `?copy=1`."""
    response, body, _elapsed = request("admin", reverse("admin:procedures_procedure_export"), {"copy": "1"})
    assert response.status_code == 400
    assert "Cannot resolve keyword 'copy' into field" in body.decode()
