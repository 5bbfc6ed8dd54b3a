"""Scope on every URL: a user of one unit never reaches another unit's data, whichever page, export or API
they try, with that unit's code in the path or in a parameter. The list of URLs is checked against the
URL configuration, so a new page cannot be added without saying here how its scope is tested."""

import pytest
from django.urls import URLResolver, get_resolver, reverse

from filings.models import MonthlyFiling, UnitMonth
from tests.factories import FilingFactory, OfferingFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = pytest.mark.django_db

MONTH = {"year": 2024, "month": 3}

# URL name -> how a clerk of commune A tries district X's data through it: (method, url kwargs, data).
# "X" is the other district, "Y" the commune below it.
TRIES = {
    "filings:entry": [
        ("get", {"code": "X", **MONTH}, {}),
        ("get", {"code": "Y", **MONTH}, {}),
        ("post", {"code": "Y", **MONTH}, {"action": "save"}),
    ],
    "filings:entry_rows": [("get", {"code": "Y", **MONTH}, {}), ("get", {"code": "Y", **MONTH}, {"q": "1."})],
    "filings:decide": [("post", {"code": "Y", **MONTH}, {"action": "approve"})],
    "filings:history": [("get", {"code": "Y", **MONTH}, {})],
    "filings:form06": [("get", {"code": "Y", **MONTH}, {}), ("get", {"code": "X", **MONTH}, {})],
    "filings:completeness": [("get", {}, {"parent": "X", "period": "2024"})],
    "reports:export_kpis": [("get", {}, {"unit": "X", "period": "2024"})],
    "reports:ranking": [
        ("get", {}, {"unit": "X", "period": "2024"}),
        ("get", {}, {"unit": "Y", "period": "2024"}),
        ("get", {}, {"unit": "X", "period": "2024", "tree": "today"}),
    ],
    "reports:unit": [
        ("get", {"code": "X"}, {"period": "2024"}),
        ("get", {"code": "Y"}, {"period": "2024"}),
        ("get", {"code": "Y"}, {"period": "2024", "tree": "today"}),
    ],
    "reports:procedure": [("get", {"code": "Y", "procedure": "1.001193"}, {"period": "2024"})],
    "reports:export_unit": [("get", {"code": "X"}, {"period": "2024"}), ("get", {"code": "Y"}, {"period": "2024"})],
    "reports:export_procedure": [("get", {"code": "Y", "procedure": "1.001193"}, {"period": "2024"})],
    "scores:board": [("get", {}, {"unit": "X", "period": "2025"}), ("get", {}, {"unit": "Y", "period": "2025"})],
    "reports:export_ranking": [("get", {}, {"parent": "X", "period": "2024", "kpi": "online_rate"})],
    "filings:export": [("get", {}, {"unit": "Y", "period": "2024"})],
    # The same export prepared in the background (tests/imports/test_export_jobs.py).
    "imports:export_new": [("post", {}, {"kind": "filings", "unit": "Y", "period": "2024"})],
    # Directing: ids of another unit's directive, assignment and report answer 404 like unknown ones
    # (tests/directing/test_pages.py checks them with a directive of the other unit).
    "directing:overdue": [("get", {}, {"unit": "Y"}), ("get", {}, {"unit": "X"})],
    "directing:directive": [("get", {"pk": 999999}, {})],
    "directing:report": [("get", {"pk": 999999}, {}), ("post", {"pk": 999999}, {"done_on": "2024-03-01"})],
    "directing:decide": [("post", {"pk": 999999}, {"action": "confirm"})],
    # Attached files (tests/directing/test_files.py checks them with the other unit's files).
    "directing:directive_file": [("get", {"pk": 999999}, {})],
    "directing:evidence": [("get", {"pk": 999999}, {})],
    # Periodic indicators (tests/directing/test_indicators.py: own unit, a sibling, anonymous; a POST to
    # another unit's entry form, whose unit is in the query string).
    "directing:indicators": [("get", {}, {"unit": "Y"}), ("get", {}, {"unit": "X"})],
    "directing:indicator_entry": [
        ("get", {}, {"unit": "Y", "period": "2024"}),
        ("get", {}, {"unit": "X", "period": "2024-03"}),
    ],
    # Directing's exports (tests/directing/test_exports.py checks them with the other unit's data).
    "directing:directive_export": [("get", {"pk": 999999}, {})],
    "directing:overdue_export": [("get", {}, {"unit": "Y"}), ("get", {}, {"unit": "X"})],
    "directing:activities_export": [("get", {}, {"unit": "Y", "period": "2024"})],
    "directing:inspection_export": [("get", {"pk": 999999}, {})],
    "directing:indicators_export": [("get", {}, {"unit": "X", "period": "2024"})],
    # Inspections: another unit's inspection or visit answers 404 like an unknown one
    # (tests/directing/test_inspections.py checks them with an inspection of the other district).
    "directing:inspection": [("get", {"pk": 999999}, {})],
    "directing:inspection_recommend": [("post", {"pk": 999999}, {"title": "x", "deadline": "2024-03-01"})],
    "directing:inspection_report": [("post", {"pk": 999999}, {"report": "x", "reported_on": "2024-03-01"})],
    "directing:visit_findings": [("get", {"pk": 999999}, {}), ("post", {"pk": 999999}, {})],
    "directing:inspection_report_file": [("get", {"pk": 999999}, {})],
    "api:kpi": [
        ("get", {}, {"unit": "X", "period": "2024"}),
        ("get", {}, {"unit": "Y", "period": "2024"}),
        ("get", {}, {"unit": "Y", "period": "2024", "tree": "today"}),
    ],
    "api:ranking": [
        ("get", {}, {"parent": "X", "period": "2024", "kpi": "online_rate"}),
        ("get", {}, {"parent": "X", "period": "2024", "kpi": "online_rate", "tree": "today"}),
    ],
    "api:alerts": [("get", {}, {"parent": "X", "period": "2024"}), ("get", {}, {"parent": "Y", "period": "2024"})],
    "api:score": [
        ("get", {}, {"unit": "X", "period": "2024"}),
        ("get", {}, {"unit": "Y", "period": "2024", "status": "approved"}),
    ],
}
# Pages that take no unit: they show only the user's scope (checked below) or no unit data at all.
NO_UNIT = {
    "home",
    "healthz",
    "favicon",
    "login",
    "logout",
    "set_language",
    "filings:start",
    "directing:inspections",  # the inspections of the user's scope only (tests/directing/test_inspections.py)
    "accounts:api_tokens",
    "accounts:api_token_revoke",  # a token id: another user's answers 404 (tests/accounts/test_tokens.py)
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # The import pages are for administrators only, who see every unit (tests/imports/test_import_page.py).
    "imports:page",
    "imports:confirm",
    "imports:result",
    "imports:issues",
    "imports:template",
    # A background import: its owner's or an administrator's, 404 for anyone else (tests/imports/test_jobs.py).
    "imports:job",
    "imports:job_status",
    "imports:job_retry",
    # A large export in the background: its user's alone, 404 for anyone else (tests/imports/test_export_jobs.py).
    "imports:export_job",
    "imports:export_status",
    "imports:export_download",
    "imports:export_retry",
    "api:None",  # the API's catch-all: a JSON 404
}


def url_names(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin"):
                continue  # the admin is for administrators only
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from url_names(pattern, inner)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


@pytest.fixture
def world():
    district = UnitFactory(code="D", name="Huyện Đông", kind=UnitKind.DISTRICT)
    commune = UnitFactory(code="A", name="Xã An", parent=district)
    other = UnitFactory(code="X", name="Huyện Xa Lạ", kind=UnitKind.DISTRICT)
    other_commune = UnitFactory(code="Y", name="Xã Yên Bí Mật", parent=other)
    for unit in (commune, other_commune):
        offering = OfferingFactory(unit=unit, service_level="full")
        FilingFactory(unit=unit, procedure=offering.procedure, received_online=7, received_direct=3, **MONTH)
    clerk = UserFactory(username="clerk_a", role="clerk", units=[commune])
    return clerk, other_commune


def test_every_url_is_listed_here():
    assert set(url_names()) == set(TRIES) | NO_UNIT


@pytest.mark.parametrize(
    "name,method,kwargs,data", [(name, *attempt) for name, attempts in TRIES.items() for attempt in attempts]
)
def test_another_units_data_answers_404(client, world, name, method, kwargs, data):
    clerk, other_commune = world
    client.force_login(clerk)
    response = getattr(client, method)(reverse(name, kwargs=kwargs or None), data)
    assert response.status_code == 404
    assert "Yên Bí Mật" not in response.content.decode(errors="replace")


def test_another_units_figures_stay_unchanged_after_the_tries(client, world):
    clerk, other_commune = world
    client.force_login(clerk)
    client.post(reverse("filings:entry", kwargs={"code": "Y", **MONTH}), {"action": "submit"})
    client.post(reverse("filings:decide", kwargs={"code": "Y", **MONTH}), {"action": "approve"})
    assert MonthlyFiling.objects.get(unit=other_commune).received_online == 7
    assert UnitMonth.objects.get(unit=other_commune, **MONTH).status == "draft"


def test_pages_without_a_unit_show_only_the_users_scope(client, world):
    clerk, other_commune = world
    client.force_login(clerk)
    for url, data in [
        (reverse("home"), {"period": "2024", "open": "X"}),
        (reverse("filings:start"), {}),
        (reverse("filings:start"), {"unit": "Y", "month": "2024-03"}),
        (reverse("filings:completeness"), {"period": "2024"}),
        (reverse("reports:ranking"), {"period": "2024"}),
        (reverse("scores:board"), {"period": "2025"}),
        (reverse("reports:ranking"), {"period": "2024", "kind": "district"}),
        (reverse("reports:ranking"), {"period": "2024", "tree": "today"}),
        (reverse("api:ranking"), {"period": "2024", "kpi": "online_rate", "tree": "today"}),
        (reverse("api:ranking"), {"period": "2024", "kpi": "online_rate"}),
        (reverse("api:alerts"), {"period": "2024"}),
    ]:
        response = client.get(url, data)
        assert response.status_code in (200, 400), url
        page = response.content.decode()
        assert "Yên Bí Mật" not in page and "Xa Lạ" not in page, url
