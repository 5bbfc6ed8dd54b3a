"""The read replica (dvc_portal/routers.py, docs/deploy.md): with DATABASE_REPLICA_URL set, the dashboards'
and the API's reads go to the `replica` alias, writes and the requests right after a write to the primary,
migrations to the primary only; without it nothing changes.

The tests that send requests need the alias: CI runs this module once more with DATABASE_REPLICA_URL set
(.ci/run, "the replica router"), the replica being a TEST MIRROR of default on the same server. They are
transactional, so that what the primary's connection writes is committed and seen through the replica's.
"""

import datetime
import runpy
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, connections, router, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from accounts.models import ApiToken, Role, User
from accounts.tokens import api_token_create
from dvc_portal import routers
from dvc_portal.routers import PIN_COOKIE, PRIMARY, REPLICA, ReplicaMiddleware, ReplicaRouter, request_reads
from procedures.models import ServiceLevel
from reports.models import UnitMonthTotal
from scores.models import ScoreIndicator, ScoreVersion
from tests.factories import FilingFactory, OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from tests.filings.helpers import post_entry
from units.models import Unit, UnitKind

BASE_SETTINGS = settings.BASE_DIR / "dvc_portal" / "settings" / "base.py"
MIDDLEWARE = "dvc_portal.routers.ReplicaMiddleware"
# The portal's data tables, as they appear in SQL: a request served by the replica sends none to the primary.
DATA_TABLES = tuple(f'"{app}_' for app in sorted(routers.REPLICA_APPS))

with_replica = pytest.mark.skipif(
    REPLICA not in settings.DATABASES, reason="set DATABASE_REPLICA_URL (CI runs this module with it)"
)
postgresql_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="PostgreSQL only"
)


def base_settings(monkeypatch, replica_url):
    """The settings dvc_portal/settings/base.py makes of the environment, read afresh."""
    if replica_url is None:
        monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_REPLICA_URL", replica_url)
    return runpy.run_path(str(BASE_SETTINGS))


# --- the settings -----------------------------------------------------------------------------------------


def test_without_the_variable_nothing_changes(monkeypatch):
    values = base_settings(monkeypatch, None)
    assert list(values["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in values  # Django's default: no router
    assert MIDDLEWARE not in values["MIDDLEWARE"]


def test_the_variable_adds_the_replica_alias_its_router_and_middleware(monkeypatch):
    values = base_settings(monkeypatch, "postgres://dvc_ro@replica.example:5432/dvc")
    replica = values["DATABASES"]["replica"]
    assert (replica["HOST"], replica["NAME"], replica["USER"]) == ("replica.example", "dvc", "dvc_ro")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["OPTIONS"]["options"] == "-c default_transaction_read_only=on"
    assert values["DATABASE_ROUTERS"] == ["dvc_portal.routers.ReplicaRouter"]
    middleware = values["MIDDLEWARE"]
    # After the authentication middleware, so that the rule sees the resolved view of an authenticated request.
    assert (
        middleware.index(MIDDLEWARE) == middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    )


# --- the router's rule, without a database -----------------------------------------------------------------


def test_reads_go_to_the_replica_only_within_a_request_that_allows_it():
    replica_router = ReplicaRouter()
    assert replica_router.db_for_read(Unit) == PRIMARY  # a command, the worker, the shell
    with request_reads() as reads:
        assert replica_router.db_for_read(Unit) == PRIMARY  # a request the middleware did not allow
        reads.replica = True
        assert [replica_router.db_for_read(model) for model in (Unit, UnitMonthTotal, ScoreVersion)] == [REPLICA] * 3
        # Accounts, sessions and tokens always from the primary: a login or a revoked token counts at once.
        assert [replica_router.db_for_read(model) for model in (User, Session, ApiToken)] == [PRIMARY] * 3
    assert replica_router.db_for_read(Unit) == PRIMARY


def test_in_a_transaction_reads_go_to_the_primary(monkeypatch):
    replica_router = ReplicaRouter()
    with request_reads() as reads:
        reads.replica = True
        monkeypatch.setattr(connections[PRIMARY], "in_atomic_block", True)
        assert replica_router.db_for_read(Unit) == PRIMARY


def test_writes_go_to_the_primary_and_so_do_the_reads_after_them():
    replica_router = ReplicaRouter()
    with request_reads() as reads:
        reads.replica = True
        assert replica_router.db_for_write(ApiToken) == PRIMARY  # a token's last use: no pin, no change
        assert not reads.wrote and replica_router.db_for_read(Unit) == REPLICA
        assert replica_router.db_for_write(Unit) == PRIMARY
        assert reads.wrote and replica_router.db_for_read(Unit) == PRIMARY


def test_migrations_run_on_the_primary_only():
    replica_router = ReplicaRouter()
    for app_label in ("units", "filings", "reports", "accounts", "contenttypes"):
        assert replica_router.allow_migrate(PRIMARY, app_label) is True
        assert replica_router.allow_migrate(REPLICA, app_label) is False


def test_a_write_pins_the_browser_to_the_primary_for_a_while(rf, settings):
    settings.REPLICA_PIN_SECONDS = 15
    middleware = ReplicaMiddleware(lambda request: HttpResponse())
    assert PIN_COOKIE not in middleware(rf.get("/reports/ranking/")).cookies
    cookie = middleware(rf.post("/filings/A/2019-07/")).cookies[PIN_COOKIE]
    assert cookie["max-age"] == 15 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert time.time() + 14 <= int(cookie.value) <= time.time() + 15

    pinned = rf.get("/reports/ranking/", HTTP_COOKIE=f"{PIN_COOKIE}={cookie.value}")
    expired = rf.get("/reports/ranking/", HTTP_COOKIE=f"{PIN_COOKIE}={int(time.time()) - 1}")
    garbled = rf.get("/reports/ranking/", HTTP_COOKIE=f"{PIN_COOKIE}=soon")
    assert [routers._pinned(request) for request in (pinned, expired, garbled)] == [True, False, False]


def test_only_get_and_head_of_the_dashboards_and_the_api_may_read_the_replica(rf):
    def read_only(method, path):
        request = getattr(rf, method)(path)
        request.resolver_match = resolve(path)
        return routers._read_only_view(request)

    for path in ("/", "/reports/ranking/", "/reports/unit/D/", "/reports/unit/D/procedure/1.001/", "/scores/"):
        assert read_only("get", path) and read_only("head", path), path
    assert read_only("get", "/api/v1/kpi") and read_only("get", "/api/v1/score")
    assert not read_only("post", "/api/v1/kpi")
    for path in ("/filings/", "/filings/D/2019-07/", "/imports/", "/reports/export/kpis.xlsx", "/admin/", "/healthz"):
        assert not read_only("get", path), path


# --- requests, with the replica configured -----------------------------------------------------------------

OPEN = timezone.localdate()


class Portal:
    """District D with commune A and its clerk; a leader of D with an API token; figures of July 2019."""

    def __init__(self):
        self.district = UnitFactory(code="D", name="Huyện D", kind=UnitKind.DISTRICT)
        self.commune = UnitFactory(code="A", name="Xã A", parent=self.district)
        self.procedure = ProcedureFactory(code="1.004227", name="Đăng ký khai sinh")
        OfferingFactory(unit=self.commune, procedure=self.procedure, service_level=ServiceLevel.FULL)
        FilingFactory(unit=self.commune, procedure=self.procedure, year=2019, month=7, received_online=3)
        self.clerk = UserFactory(username="clerk_a", role=Role.CLERK, units=[self.commune])
        self.leader = UserFactory(username="leader_d", role=Role.LEADER, units=[self.district])
        self.key = api_token_create(user=self.leader, name="dashboard")[1]
        # The score's page and endpoint need a version in force in 2025 (the migration's 766-2022 is gone once
        # a transactional test has flushed the database).
        if not ScoreVersion.objects.exists():
            version = ScoreVersion.objects.create(code="t", name="t", effective_from=datetime.date(2000, 1, 1))
            ScoreIndicator.objects.create(
                version=version, group="g", group_label="G", kpi="online_rate", threshold=50, points=10
            )

    def client(self, user):
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def portal():
    return Portal()


def served(client, method, path, data=None, **headers):
    """The response and the SQL sent to the primary and to the replica while it was made."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = getattr(client, method)(path, data or {}, **headers)
    return response, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in replica.captured_queries]


def data_queries(queries):
    return [sql for sql in queries if any(table in sql for table in DATA_TABLES)]


READ_ONLY_PAGES = [
    ("get", "/", {"period": "2019-07"}),
    ("get", "/reports/ranking/", {"unit": "D", "period": "2019-07"}),
    ("get", "/reports/unit/D/", {"period": "2019-07"}),
    ("get", "/reports/unit/D/procedure/1.004227/", {"period": "2019-07"}),
    ("get", "/scores/", {"unit": "D", "period": "2025"}),
    ("head", "/reports/unit/A/", {"period": "2019-07"}),
]
API_CALLS = [
    ("/api/v1/kpi", {"unit": "D", "period": "2019-07"}),
    ("/api/v1/ranking", {"parent": "D", "period": "2019-07", "kpi": "online_rate"}),
    ("/api/v1/alerts", {"parent": "D", "period": "2019"}),
    ("/api/v1/score", {"unit": "D", "period": "2025"}),
]


@with_replica
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
class TestWithTheReplica:
    def test_the_dashboards_and_the_api_read_the_replica(self, portal):
        leader = portal.client(portal.leader)
        for method, path, params in READ_ONLY_PAGES:
            response, primary, replica = served(leader, method, path, params)
            assert response.status_code == 200, path
            assert data_queries(replica), path
            # The primary answers for the session and the user only (and the replica's position).
            assert data_queries(primary) == [], (path, data_queries(primary))
            assert any('"django_session"' in sql for sql in primary), path
        script = Client()
        for path, params in API_CALLS:
            response, primary, replica = served(script, "get", path, params, HTTP_AUTHORIZATION=f"Token {portal.key}")
            assert response.status_code == 200, (path, response.content)
            assert data_queries(replica) and data_queries(primary) == [], path
            assert any('"accounts_apitoken"' in sql for sql in primary), path  # the token, from the primary
        kpi = served(script, "get", *API_CALLS[0], HTTP_AUTHORIZATION=f"Token {portal.key}")[0].json()
        assert kpi["kpis"]["online_rate"]["numerator"] == 3

    def test_a_write_and_the_requests_right_after_it_use_the_primary(self, portal):
        clerk = portal.client(portal.clerk)
        figures = {portal.procedure: {"received_online": "1.234", "received_direct": "766"}}
        with (
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(connections[REPLICA]) as replica,
        ):
            response = post_entry(clerk, portal.commune, OPEN.year, OPEN.month, figures)
        assert response.status_code == 302
        assert replica.captured_queries == [] and data_queries(q["sql"] for q in primary.captured_queries)
        assert int(response.cookies[PIN_COOKIE].value) > time.time()

        # The clerk's next page: from the primary, with the figures just saved.
        period = {"period": f"{OPEN.year}-{OPEN.month:02d}"}
        response, primary, replica = served(clerk, "get", "/reports/unit/A/", period)
        assert response.status_code == 200 and "61,70%" in response.content.decode()
        assert replica == [] and data_queries(primary)

        # A leader who wrote nothing reads the replica, which has them (rule 4 on a real standby).
        response, primary, replica = served(portal.client(portal.leader), "get", "/reports/unit/D/", period)
        assert "61,70%" in response.content.decode()
        assert data_queries(replica) and data_queries(primary) == []

        # Once the pin has expired, the clerk reads the replica again.
        clerk.cookies[PIN_COOKIE] = str(int(time.time()) - 1)
        response, primary, replica = served(clerk, "get", "/reports/unit/A/", period)
        assert "61,70%" in response.content.decode()
        assert data_queries(replica) and data_queries(primary) == []

    def test_other_pages_read_the_primary(self, portal):
        clerk, leader = portal.client(portal.clerk), portal.client(portal.leader)
        for client, path, params in (
            (clerk, f"/filings/A/{OPEN.year}-{OPEN.month:02d}/", {}),
            (clerk, "/filings/", {}),
            (leader, "/reports/export/kpis.xlsx", {"unit": "D", "period": "2019"}),
        ):
            response, primary, replica = served(client, "get", path, params)
            assert response.status_code == 200, path
            assert replica == [] and data_queries(primary), path

    def test_a_replica_behind_the_primary_or_down_leaves_the_request_to_the_primary(self, portal, monkeypatch):
        leader = portal.client(portal.leader)
        monkeypatch.setattr(routers, "replica_current", lambda: False)
        response, primary, replica = served(leader, "get", "/reports/unit/D/", {"period": "2019-07"})
        assert response.status_code == 200 and replica == [] and data_queries(primary)

    def test_within_a_request_a_transaction_or_a_write_turns_reads_to_the_primary(self, portal):
        with (
            request_reads() as reads,
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(connections[REPLICA]) as replica,
        ):
            reads.replica = True
            assert Unit.objects.count() == 2 and len(replica) == 1 and len(primary) == 0
            with transaction.atomic():
                assert Unit.objects.filter(code="A").exists()
            assert len(replica) == 1
            Unit.objects.filter(code="A").update(name="Phường A")
            assert reads.wrote
            assert Unit.objects.get(code="A").name == "Phường A"
            assert len(replica) == 1 and not reads.replica

    def test_migrations_touch_the_primary_only(self):
        for model in (Unit, UnitMonthTotal, User, Session):
            assert router.allow_migrate_model(PRIMARY, model) and not router.allow_migrate_model(REPLICA, model)
        with CaptureQueriesContext(connections[REPLICA]) as replica:
            call_command("migrate", database=REPLICA, verbosity=0)
        writes = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP")
        assert [sql for sql in (q["sql"] for q in replica) if sql.lstrip().upper().startswith(writes)] == []

    @postgresql_only
    def test_the_replica_is_current_on_the_same_server_and_refuses_writes(self):
        with (
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(connections[REPLICA]) as replica,
        ):
            assert routers.replica_current()
        assert ["pg_current_wal_flush_lsn" in q["sql"] for q in primary] == [True]
        assert ["pg_is_in_recovery" in q["sql"] for q in replica] == [True]
        with pytest.raises(DatabaseError, match="read-only transaction"), connections[REPLICA].cursor() as cursor:
            cursor.execute("UPDATE units_unit SET name = name")

    @postgresql_only
    def test_a_replica_that_cannot_be_reached_is_not_current(self, monkeypatch):
        def unreachable(*args, **kwargs):
            raise OperationalError("connection refused")

        monkeypatch.setattr(connections[REPLICA], "cursor", unreachable)
        assert routers.replica_current() is False
