"""Faults half-way through a write (issue 13, item 5): the database connection is killed by the server
(`pg_terminate_backend`, as a restart or a network cut does) after an entry save, a leader's decision or
an import has written its rows but before it commits. The data is exactly as before, the user is told that
nothing was saved, and the same action run again succeeds. Then the process itself killed (kill -9) while
its entry save or decision has written but not committed. A worker killed mid-import is
tests/imports/test_job_kill.py.

PostgreSQL only: killing a connection from another one is what the test does (CI runs the suite on both)."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.core import management
from django.db import connection
from django.test import Client

from filings import services, workflow
from filings.models import MonthlyFiling, UnitMonth
from filings.workflow import unit_month_approve, unit_month_save
from imports.models import ImportRecord
from reports import api
from reports.models import UnitMonthTotal
from tests.filings.conftest import PASSWORD
from tests.filings.helpers import entry_url, post_entry
from tests.imports.files import write_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the test kills its connection from another one: run on PostgreSQL")


def terminate_this_connection():
    """Have the server end this process's connection, from another connection, as an outage would."""
    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"], autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextlib.contextmanager
def killed_after(module, name):
    """While active, `module.name` runs as usual and then loses the database connection (once)."""
    original = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if not calls:
            calls.append(1)
            terminate_this_connection()
        return result

    setattr(module, name, wrapper)
    try:
        yield calls
    finally:
        setattr(module, name, original)
        connection.close()  # the next query opens a new connection


def snapshot():
    """Everything the writes touch: figures, their history, unit-months and theirs, totals, imports."""
    return {
        "filings": sorted(
            MonthlyFiling.objects.values_list("unit_id", "procedure_id", "year", "month", "received_online")
        ),
        "filing history": MonthlyFiling.history.count(),
        "unit months": sorted(UnitMonth.objects.values_list("unit_id", "year", "month", "status", "version")),
        "unit month history": UnitMonth.history.count(),
        "totals": sorted(UnitMonthTotal.objects.values_list("unit_id", "year", "month", "received_online")),
        "imports": ImportRecord.objects.count(),
    }


def login(user):
    client = Client(raise_request_exception=False)
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies["django_language"] = "en"
    return client


def test_an_entry_save_cut_off_before_commit_leaves_the_month_as_it_was(office):
    year, month = office.open_month
    unit_month_save(
        unit=office.commune, year=year, month=month, user=office.clerk, expected_version=0,
        rows=[office.row(year, month, received_online=3)],
    )  # fmt: skip
    before = snapshot()
    client = login(office.clerk)

    with killed_after(services, "_written") as killed:
        response = post_entry(
            client, office.commune, year, month, {office.procedure: {"received_online": "7"}}, version=1
        )
    assert killed and response.status_code == 503
    html = response.content.decode()
    assert "Nothing was saved" in html and "Traceback" not in html
    assert snapshot() == before

    # The same save again, as the user would after the outage: it goes through.
    response = post_entry(client, office.commune, year, month, {office.procedure: {"received_online": "7"}}, version=1)
    assert response.status_code == 302 and response["Location"] == entry_url(office.commune, year, month)
    assert MonthlyFiling.objects.get().received_online == 7
    assert UnitMonthTotal.objects.get(unit=office.commune).received_online == 7
    assert UnitMonth.objects.get().version == 2


def test_a_decision_cut_off_before_commit_leaves_the_month_submitted(office):
    year, month = office.open_month
    unit_month_save(
        unit=office.commune, year=year, month=month, user=office.clerk, expected_version=0, submit=True,
        rows=[office.row(year, month, received_online=3, received_direct=1, resolved_on_time=4)],
    )  # fmt: skip
    before = snapshot()
    version = UnitMonth.objects.get().version
    client = login(office.leader)
    url = entry_url(office.commune, year, month, "decide")

    with killed_after(workflow, "_save") as killed:
        response = client.post(url, {"action": "approve", "version": version})
    assert killed and response.status_code == 503
    assert snapshot() == before
    assert UnitMonth.objects.get().status == "submitted"

    response = client.post(url, {"action": "approve", "version": version})
    assert response.status_code == 302
    assert UnitMonth.objects.get().status == "approved"


def test_an_import_cut_off_before_commit_writes_nothing_and_runs_again(office, tmp_path, capsys):
    year, month = office.open_month
    path = write_csv(
        tmp_path / "filings.csv",
        [
            ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
            [office.commune.code, office.procedure.code, f"{month:02d}/{year}", 5, 2],
            [office.other_commune.code, office.procedure.code, f"{month:02d}/{year}", 1, 0],
        ],
    )
    before = snapshot()

    with killed_after(services, "_written") as killed, pytest.raises(SystemExit) as exit:
        management.call_command("import_data", "filings", str(path))
    assert killed and exit.value.code == 1
    assert "filings.csv: the database refused the import: terminating connection" in capsys.readouterr().err
    # Nothing of the file is stored; the failed run itself is recorded, on a new connection.
    failed = ImportRecord.objects.get()
    assert (failed.succeeded, failed.created, failed.errors) == (False, 0, 1)
    assert snapshot() == {**before, "imports": 1}

    management.call_command("import_data", "filings", str(path))
    assert sorted(MonthlyFiling.objects.values_list("unit__code", "received_online")) == [("A", 5), ("B", 1)]
    assert ImportRecord.objects.get(succeeded=True).created == 2


def test_an_api_read_that_loses_its_connection_answers_503_in_json(office, settings):
    settings.REPORTS_REUSE = False
    year, _month = office.open_month
    client = login(office.leader)
    with killed_after(api, "unit_and_versions_of") as killed:
        response = client.get(f"/api/v1/kpi?unit={office.district.code}&period={year}")
    assert killed and response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["error"].startswith("The database could not be reached. Nothing was saved")
    assert client.get(f"/api/v1/kpi?unit={office.district.code}&period={year}").status_code == 200


# --- a process killed half-way ------------------------------------------------------------------------

# Run in a process of its own on the test database: one write service, held inside its transaction after
# writing (the function named by argv[2] of module argv[1] sleeps once it has run), until it is killed.
_HELD_WRITE = """
import sys, time, django
django.setup()
from importlib import import_module
from django.db import connection
module, name, call = import_module(sys.argv[1]), sys.argv[2], sys.argv[3]
original = getattr(module, name)
def held(*args, **kwargs):
    result = original(*args, **kwargs)
    with connection.cursor() as cursor:
        cursor.execute("SET application_name = 'held_write'")
    time.sleep(600)
    return result
setattr(module, name, held)
from filings.workflow import unit_month_approve, unit_month_save
from units.models import Unit
from accounts.models import User
exec(call)
"""


def start_held_write(module, name, call):
    from tests.imports.test_job_kill import ROOT, database_url

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dvc_portal.settings.test", "DATABASE_URL": database_url()}
    env.pop("DATABASE_REPLICA_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", _HELD_WRITE, module, name, call], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )


def wait_until_held(process, timeout=60):
    """Until the process's write is done and waits inside its open transaction."""
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'held_write' "
                "AND state = 'idle in transaction'"
            )
            if cursor.fetchone()[0]:
                return
        if process.poll() is not None:
            raise AssertionError(f"the writing process ended first: {process.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the write")


@pytest.mark.parametrize("action", ["save", "approve"])
def test_a_process_killed_half_way_through_a_write_leaves_the_data_as_it_was(office, action):
    year, month = office.open_month
    unit_month_save(
        unit=office.commune, year=year, month=month, user=office.clerk, expected_version=0, submit=action == "approve",
        rows=[office.row(year, month, received_online=3, received_direct=1, resolved_on_time=4)],
    )  # fmt: skip
    version = UnitMonth.objects.get().version
    before = snapshot()
    commune, clerk, leader = office.commune.pk, office.clerk.pk, office.leader.pk
    if action == "save":
        module, name = "filings.services", "_written"
        call = (
            f"unit_month_save(unit=Unit.objects.get(pk={commune}), year={year}, month={month}, "
            f"user=User.objects.get(pk={clerk}), expected_version={version}, "
            f"rows=[{office.row(year, month, received_online=9)!r}])"
        )
    else:
        module, name = "filings.workflow", "_save"
        call = (
            f"unit_month_approve(unit=Unit.objects.get(pk={commune}), year={year}, month={month}, "
            f"user=User.objects.get(pk={leader}), expected_version={version})"
        )

    process = start_held_write(module, name, call)
    try:
        wait_until_held(process)
        assert snapshot() == before  # written, not committed: nobody else sees it
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
        process.stderr.close()
    # The server notices the lost client and rolls its transaction back; the month is as it was and free.
    assert snapshot() == before
    if action == "save":
        unit_month_save(
            unit=office.commune, year=year, month=month, user=office.clerk, expected_version=version,
            rows=[office.row(year, month, received_online=9)],
        )  # fmt: skip
        assert MonthlyFiling.objects.get().received_online == 9
    else:
        unit_month_approve(unit=office.commune, year=year, month=month, user=office.leader, expected_version=version)
        assert UnitMonth.objects.get().status == "approved"
