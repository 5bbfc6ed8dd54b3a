"""core.rows.fetch_row: the small queries of every request, prepared on PostgreSQL, give the rows a plain query
gives, whatever their parameters and however often they run, and count as queries like any other."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.rows import fetch_row
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

SQL = 'SELECT u."code", u."name" FROM "units_unit" u WHERE u."code" = %s'


def plain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_fetch_row_gives_the_plain_querys_row_for_every_parameter_and_counts_as_one_query():
    codes = [UnitFactory(code=f"U{number}", name=f"Xã số {number}").code for number in range(12)]
    # More runs than PostgreSQL's plan cache needs (five) before it may plan once for any parameter.
    for _ in range(2):
        for code in [*codes, "NO-SUCH-UNIT"]:
            with CaptureQueriesContext(connection) as queries:
                row = fetch_row("default", SQL, [code])
            assert row == plain(SQL, [code])
            assert len(queries) == 1 and "units_unit" in queries[0]["sql"]
    assert fetch_row("default", SQL, ["U3"]) == ("U3", "Xã số 3")
    assert fetch_row("default", SQL, ["NO-SUCH-UNIT"]) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL prepares")
def test_on_postgresql_the_query_is_prepared_once_and_survives_a_rolled_back_savepoint():
    UnitFactory(code="A1", name="Phường A")
    fetch_row("default", SQL, ["A1"])
    assert [statement for statement in prepared_statements() if "units_unit" in statement] == [SQL.replace("%s", "$1")]
    # A savepoint rolled back (a failed write inside a request's transaction) leaves the statement usable.
    with transaction.atomic():
        UnitFactory(code="B2", name="Phường B")
        assert fetch_row("default", SQL, ["B2"]) == ("B2", "Phường B")
        transaction.set_rollback(True)
    assert fetch_row("default", SQL, ["B2"]) is None
    assert fetch_row("default", SQL, ["A1"]) == ("A1", "Phường A")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a database server that drops the connection")
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_database_dropped_is_opened_again_before_the_query():
    """The health check of persistent connections (CONN_HEALTH_CHECKS) runs before fetch_row's query as before
    any other: a database restarted between two requests fails neither."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] and connection.settings_dict["CONN_MAX_AGE"]
    UnitFactory(code="A1", name="Phường A")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    request_finished.send(sender=None)  # the connection is kept for the next request
    psycopg = pytest.importorskip("psycopg")
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    request_started.send(sender=None)
    assert fetch_row("default", SQL, ["A1"]) == ("A1", "Phường A")
    assert fetch_row("default", "SELECT pg_backend_pid()", []) != (pid,)
