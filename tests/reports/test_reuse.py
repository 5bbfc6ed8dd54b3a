"""Results reused between requests (reports.reuse): an edit or an import, through the write services, is in
the very next answer of the API and of the pages; a second request for the same figures reads only their
versions; nothing is reused inside a transaction.

These tests run outside a transaction (`transaction=True`), as requests do: inside one, nothing is reused.
"""

import pytest
from django.db import connection, router, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.tokens import api_token_create
from filings.models import MonthlyFiling
from filings.services import Source, filings_delete, filings_upsert
from filings.workflow import unit_months_approve_bulk
from procedures.models import Procedure, ServiceLevel
from procedures.services import offerings_upsert
from reports.models import UnitVersion
from reports.reuse import _versions, reuse, unit_in_scope_with_versions
from reports.services import targets_upsert, versions_bump, versions_compact
from tests.factories import UserFactory
from units.models import Unit
from units.services import units_upsert

pytestmark = pytest.mark.django_db(transaction=True)

RANKING = "/api/v1/ranking"


@pytest.fixture
def leader(town):
    return UserFactory(username="lanhdao", role=Role.LEADER, units=[town])


@pytest.fixture
def key(leader):
    return api_token_create(user=leader, name="test")[1]


def api(client, key, url=RANKING, **params):
    response = client.get(url, params, headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    return response.json()


def write(code, month, online, direct):
    """The figures of the town's one procedure for a unit and a month of 2019, as the entry page or an
    import writes them."""
    procedure = Procedure.objects.get(code="1.001193")
    unit = Unit.objects.get(code=code)
    row = {"unit_id": unit.pk, "procedure_id": procedure.pk, "year": 2019, "month": month}
    filings_upsert(
        [{**row, "received_online": online, "received_direct": direct}],
        fields=["received_online", "received_direct"],
        source=Source.IMPORT,
        force=True,
    )


def figures_read(queries):
    """The queries that read figures or offerings (a result computed, not reused)."""
    tables = ("reports_unitmonthtotal", "reports_offeringtotal", "filings_monthlyfiling", "procedures_offering")
    return [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in tables)]


def row_of(data, code):
    return next(row for row in data["rows"] if row["unit"] == code)


def test_a_units_versions_read_with_it_are_those_of_its_subtree(town):
    """unit_in_scope_with_versions reads the versions of the unit's subtree in the query that finds it: the
    same as reuse() reads by the unit's path, and as the ORM adds up under it, before and after a write below
    the unit and beside it."""
    admin = UserFactory(role=Role.ADMIN)
    beside = Unit.objects.create(code="U", name="Thị xã U", kind="district")
    alias = router.db_for_read(UnitVersion)

    def both(code):
        with CaptureQueriesContext(connection) as queries:
            unit, versions = unit_in_scope_with_versions(admin, code)
        assert len(queries) == 1
        counters = UnitVersion.objects.filter(path__startswith=unit.path).aggregate(sum=Sum("version"))["sum"]
        assert int(versions[1]) == (counters or 0)
        return versions, _versions(alias, unit.path)

    before = {code: both(code) for code in ("T", "X1", "X2", "U")}
    assert all(mine == theirs for mine, theirs in before.values())
    write("X1", 8, 5, 5)
    after = {code: both(code) for code in ("T", "X1", "X2", "U")}
    assert all(mine == theirs for mine, theirs in after.values())
    assert [after[code][0] != before[code][0] for code in ("T", "X1", "X2", "U")] == [True, True, False, False]
    assert unit_in_scope_with_versions(admin, beside.code)[0] == beside
    # A leader of the town: nothing of another district, whatever its versions.
    leader = UserFactory(username="lanhdao2", role=Role.LEADER, units=[town])
    assert unit_in_scope_with_versions(leader, "U") == (None, None)
    assert unit_in_scope_with_versions(leader, "X2")[1] == after["X2"][0]


def test_an_edit_is_in_the_very_next_api_answer(client, town, key):
    first = api(client, key, parent="T", period="2019-07", kpi="online_rate")
    assert (row_of(first, "X1")["numerator"], row_of(first, "X1")["denominator"]) == (1, 10)
    with CaptureQueriesContext(connection) as queries:
        assert api(client, key, parent="T", period="2019-07", kpi="online_rate") == first
    assert figures_read(queries) == []  # reused
    assert len(queries) == 2  # the token; the parent in the user's scope with the versions of its subtree
    write("X1", 7, 9, 1)
    after = api(client, key, parent="T", period="2019-07", kpi="online_rate")
    assert (row_of(after, "X1")["numerator"], row_of(after, "X1")["denominator"]) == (9, 10)
    assert row_of(after, "X1")["rank"] == 1 and row_of(first, "X1")["rank"] == 4
    # The top of the scope (the town alone) and its KPIs follow as well.
    assert api(client, key, period="2019-07", kpi="online_rate")["rows"][0]["numerator"] == 46
    assert api(client, key, "/api/v1/kpi", unit="T", period="2019-07")["kpis"]["online_rate"]["numerator"] == 46


def test_statuses_targets_offerings_and_the_tree_are_in_the_very_next_answer(client, town, key):
    params = {"parent": "T", "period": "2019-07", "kpi": "online_rate", "status": "approved"}
    assert all(row["denominator"] == 0 for row in api(client, key, **params)["rows"])
    x2 = Unit.objects.get(code="X2")
    unit_months_approve_bulk([(x2.pk, 2019, 7)], user=None)
    assert row_of(api(client, key, **params), "X2")["numerator"] == 9

    assert row_of(api(client, key, parent="T", period="2019-07", kpi="online_rate"), "X2")["target"] == "80.00"
    targets_upsert([{"unit_id": x2.pk, "year": 2019, "kpi": "online_rate", "target": 95}], reason="test")
    x2_row = row_of(api(client, key, parent="T", period="2019-07", kpi="online_rate"), "X2")
    assert (x2_row["target"], x2_row["met"]) == ("95.00", False)

    offered = api(client, key, "/api/v1/kpi", unit="X3", period="2019-07")["kpis"]["procedures_online_rate"]
    assert offered["denominator"] == 0
    procedure = Procedure.objects.get(code="1.001193")
    x3 = Unit.objects.get(code="X3")
    offerings_upsert(
        [{"unit_id": x3.pk, "procedure_id": procedure.pk, "valid_from": None, "service_level": ServiceLevel.FULL}],
        reason="test",
    )
    offered = api(client, key, "/api/v1/kpi", unit="X3", period="2019-07")["kpis"]["procedures_online_rate"]
    assert (offered["numerator"], offered["denominator"]) == (1, 1)

    assert row_of(api(client, key, parent="T", period="2019-07", kpi="online_rate"), "X3")["name"] == "Xã Ba"
    units_upsert([{"code": "X3", "name": "Xã Ba mới"}], reason="test")
    assert row_of(api(client, key, parent="T", period="2019-07", kpi="online_rate"), "X3")["name"] == "Xã Ba mới"


def test_a_unit_moved_takes_its_counter_along(client, town):
    """A subtree's versions are summed from the counters' copies of the units' paths: a commune moved to
    another district is counted there at once, and its next edit is in the next answer of its new parent."""
    key = api_token_create(user=UserFactory(username="quantri", role=Role.ADMIN), name="test")[1]
    params = {"period": "2019-07", "kpi": "online_rate"}
    units_upsert([{"code": "D2", "name": "Huyện Hai", "kind": "district"}], reason="test")
    assert api(client, key, parent="D2", **params)["rows"] == []
    write("X1", 7, 1, 9)  # X1 has a counter under the town
    assert row_of(api(client, key, parent="T", **params), "X1")["numerator"] == 1

    units_upsert([{"code": "X1", "parent_code": "D2"}], reason="test")
    x1 = Unit.objects.get(code="X1")
    assert x1.path.startswith(Unit.objects.get(code="D2").path)
    assert UnitVersion.objects.get(unit=x1).path == x1.path
    assert [row["unit"] for row in api(client, key, parent="D2", **params)["rows"]] == ["X1"]
    assert "X1" not in [row["unit"] for row in api(client, key, parent="T", **params)["rows"]]

    write("X1", 7, 9, 1)
    assert row_of(api(client, key, parent="D2", **params), "X1")["numerator"] == 9


def test_an_edit_is_on_the_very_next_page(client, town, leader):
    client.force_login(leader)
    ranking = reverse("reports:ranking")
    unit_page = reverse("reports:unit", args=["T"])
    params = {"unit": "T", "period": "2019-07"}
    assert "1 / 10" in client.get(ranking, params).content.decode()
    assert "38 / 130" in client.get(unit_page, {"period": "2019-07"}).content.decode()
    assert "38 / 130" in client.get(reverse("home"), {"period": "2019-07"}).content.decode()
    for url, query in ((ranking, params), (unit_page, {"period": "2019-07"}), (reverse("home"), {"period": "2019-07"})):
        with CaptureQueriesContext(connection) as queries:
            client.get(url, query)
        assert figures_read(queries) == []  # reused
    write("X1", 7, 9, 1)
    assert "9 / 10" in client.get(ranking, params).content.decode()
    assert "46 / 130" in client.get(unit_page, {"period": "2019-07"}).content.decode()
    assert "46 / 130" in client.get(reverse("home"), {"period": "2019-07"}).content.decode()
    # Deleted figures are gone at once too (filings_delete refreshes the same totals).
    filings_delete(list(MonthlyFiling.objects.filter(unit__code="X1", month=7)), source=Source.ADMIN, force=True)
    assert "37 / 120" in client.get(unit_page, {"period": "2019-07"}).content.decode()


def test_nothing_is_reused_inside_a_transaction(town):
    assert reuse("test", (), "") is not None
    with transaction.atomic():
        assert reuse("test", (), "") is None


def test_compacting_the_counters_keeps_them_and_rewrites_their_table(town):
    """reports.services.versions_compact after a bulk load that raised each counter many times in one
    transaction: the same counters, in a table written anew without the old rows (PostgreSQL; elsewhere it
    does nothing). How many pages that frees depends on the other transactions of the moment (a row that an
    open snapshot may still see is kept), so the test checks the rewrite itself."""
    ids = list(Unit.objects.values_list("pk", flat=True))
    with transaction.atomic():
        for _ in range(200):
            versions_bump(ids)
    counters = dict(UnitVersion.objects.values_list("unit_id", "version"))

    def file_node():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_filenode(%s)", [UnitVersion._meta.db_table])
            return cursor.fetchone()[0]

    before = file_node() if connection.vendor == "postgresql" else None
    versions_compact()
    assert dict(UnitVersion.objects.values_list("unit_id", "version")) == counters
    if connection.vendor == "postgresql":
        assert file_node() != before
    with transaction.atomic():
        versions_compact()  # inside a transaction (where VACUUM cannot run): nothing, and no error
