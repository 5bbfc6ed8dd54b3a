"""A worker killed in the middle of an import (kill -9 while its transaction has written every row but not
committed): the data is as it was, the job is failed with the reason, and it runs again to the end.

The worker is a real `manage.py db_worker` process on the test database, which must therefore be one that
another process can reach: PostgreSQL (the SQLite of the tests lives in this process's memory; CI runs the
suite on both). IMPORT_TEST_WRITE_DELAY holds its write's transaction open long enough to kill it there."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from filings.models import MonthlyFiling
from imports.jobs import fail_stale_jobs
from imports.models import ImportJob, ImportRecord, ImportSource, JobStatus
from imports.progress import Phase
from imports.runner import run_import
from imports.staging import preview_upload
from imports.tasks import job_retry
from reports.models import UnitMonthTotal
from tests.factories import UserFactory
from tests.imports.bulk import write_filings_csv

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a worker in another process needs a database it can reach: run on PostgreSQL")


def database_url():
    """The test database, for the worker's DATABASE_URL."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(staging, *args, write_delay=0):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dvc_portal.settings.test",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "IMPORT_STAGING_DIR": str(staging),
        "IMPORT_JOB_HEARTBEAT_SECONDS": "0.2",
        "IMPORT_TEST_WRITE_DELAY": str(write_delay),
    }
    env.pop("DATABASE_REPLICA_URL", None)
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
    return subprocess.Popen(
        [*command, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def wait_for(condition, timeout=60, what="the worker"):
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stored():
    """Everything the import writes: the figures, their history and the KPI totals."""
    return (
        sorted(MonthlyFiling.objects.values_list("unit_id", "procedure_id", "year", "month", "received_online")),
        MonthlyFiling.history.count(),
        sorted(UnitMonthTotal.objects.values_list("unit_id", "year", "month", "received_online")),
        ImportRecord.objects.filter(dry_run=False).count(),
    )


def test_a_killed_worker_leaves_the_data_as_it_was_and_the_job_failed_then_it_runs_again(offered, tmp_path, settings):
    staging = tmp_path / "staging"
    settings.IMPORT_STAGING_DIR = str(staging)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    admin = UserFactory(username="quantri", role="admin")
    # What is there before: January to June, 5 received online each.
    run_import("filings", write_filings_csv(tmp_path / "first.csv", months=range(1, 7)), user=admin)
    before = stored()
    assert len(before[0]) == 120

    # The new file changes those 120 rows (7 online) and adds July to December: 240 rows.
    path = write_filings_csv(tmp_path / "second.csv", months=range(1, 13), online=7)
    upload = SimpleUploadedFile("second.csv", path.read_bytes(), content_type="text/csv")
    preview = preview_upload("filings", upload, user=admin, force=False, source=ImportSource.PAGE)
    assert preview.ok and (preview.created, preview.updated) == (120, 120)
    client = Client()
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the job's reasons in English, as asserted below
    assert client.post(reverse("imports:confirm", args=[preview.record.pk])).status_code == 302
    job = ImportJob.objects.get()
    assert job.status == JobStatus.QUEUED

    worker = start_worker(staging, write_delay=120)
    try:
        # Written, not committed: the heartbeat (its own connection) says so; nobody else sees the rows.
        wait_for(
            lambda: ImportJob.objects.filter(pk=job.pk, phase=Phase.WRITING, rows_written=240).exists(),
            what="the import's write",
        )
        assert stored() == before
        page = client.get(reverse("imports:job_status", args=[job.pk])).json()
        assert page["status"] == "running" and page["rows"]["written"] == 240 and 40 <= page["percent"] < 100
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        output = worker.stdout.read()
    assert worker.returncode == -signal.SIGKILL, output

    # The transaction died with the worker: the data is as it was.
    assert stored() == before
    # Its page, looked at, fails the job with the reason; its task result too.
    page = client.get(reverse("imports:job_status", args=[job.pk])).json()
    assert page["status"] == "failed" and "stopped before it finished" in page["reason"]
    assert "Nothing was written" in page["reason"] and 'id="retry-import"' in page["html"]
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    assert fail_stale_jobs() == 0

    # Run again (the page's button), by a worker that runs what is queued and stops.
    assert client.post(reverse("imports:job_retry", args=[job.pk])).status_code == 302
    worker = start_worker(staging, "--batch")
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_written) == (JobStatus.DONE, 2, 240), job.failure_reason
    assert (job.result.created, job.result.updated) == (120, 120)
    figures = stored()
    assert len(figures[0]) == 240 and {row[4] for row in figures[0]} == {7}
    assert not list(staging.glob("*.lock")) and not list(staging.glob("*.csv"))  # imported: nothing left
    assert job_retry(job) is None  # the file is gone once imported
