"""Large exports as background jobs: above EXPORT_INLINE_MAX_ROWS rows the page's export of monthly figures
answers a page whose button queues a job; the job (run by the tests' immediate backend inside the request,
or by django-tasks-db's worker) writes the very workbook of the inline export, for its user's scope only,
renamed into EXPORT_JOBS_DIR once complete; its page and JSON show its progress, then the download; a job
whose worker is gone is failed and runs again; files are kept a day."""

import datetime
import fcntl
import io
import os
import re
import time
from unittest import mock

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import xlsx
from core.periods import Period, year_to_date
from filings.exports import filings_export_rows, filings_workbook
from filings.services import Source, field_filings_upsert
from imports import export_jobs
from imports.export_jobs import _lock_path, clean_exports, export_dir, export_run, fail_stale_exports
from imports.models import ExportJob, JobStatus
from tests.factories import FieldFactory, FilingFactory, ProcedureFactory, UnitFactory, UserFactory
from tests.imports.test_jobs import DATABASE_BACKEND, run_the_worker
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

EXPORT = reverse("filings:export")
NEW = reverse("imports:export_new")


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    settings.EXPORT_JOBS_DIR = str(tmp_path / "exports")
    settings.EXPORT_INLINE_MAX_ROWS = 3
    return tmp_path / "exports"


@pytest.fixture
def district():
    """District D: communes A and B report per procedure (8 rows in 2024), C per field (2 rows); another
    province's commune X1 one row."""
    district = UnitFactory(code="D", name="Thành phố D", kind=UnitKind.DISTRICT)
    a = UnitFactory(code="A", name="Phường A", parent=district)
    b = UnitFactory(code="B", name="Phường B", parent=district)
    c = UnitFactory(code="C", name="Xã C", parent=district)
    procedures = [ProcedureFactory(code="1.001193"), ProcedureFactory(code="1.000894")]
    for unit in (a, b):
        for procedure in procedures:
            for month in (7, 8):
                FilingFactory(
                    unit=unit, procedure=procedure, year=2024, month=month, received_online=month, received_direct=3
                )
    field = FieldFactory()
    field_filings_upsert(
        [
            {"unit_id": c.pk, "field_id": field.pk, "year": 2024, "month": month, "received_online": 5}
            for month in (7, 8)
        ],
        source=Source.IMPORT,
    )
    FilingFactory(unit=UnitFactory(code="X1", parent=UnitFactory(code="X")), year=2024, month=7, received_online=9)
    return district


def sheets(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def inline_export(client, settings, **params):
    """The page's export written in the request (the threshold out of the way)."""
    limit = settings.EXPORT_INLINE_MAX_ROWS
    settings.EXPORT_INLINE_MAX_ROWS = 10**9
    try:
        response = client.get(EXPORT, params)
    finally:
        settings.EXPORT_INLINE_MAX_ROWS = limit
    assert response.status_code == 200 and response["Content-Type"] == xlsx.XLSX_TYPE
    return response


def downloaded(client, job):
    response = client.get(reverse("imports:export_download", args=[job.pk]))
    assert response.status_code == 200, response
    assert response["Content-Type"] == xlsx.XLSX_TYPE
    return response, b"".join(response.streaming_content)


@pytest.fixture
def leader(district):
    return UserFactory(username="lanhdao", role="leader", units=[district])


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def test_under_the_threshold_the_file_comes_as_before(leader_client, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 10
    response = leader_client.get(EXPORT, {"unit": "D", "period": "2024"})
    assert response.status_code == 200 and response["Content-Type"] == xlsx.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="so_lieu_D_2024.xlsx"'
    assert ExportJob.objects.count() == 0


def test_above_the_threshold_the_export_is_a_job_whose_file_equals_the_inline_one(leader_client, settings, folders):
    response = leader_client.get(EXPORT, {"unit": "D", "period": "2024"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    (said,) = re.findall(r'<p id="export-rows">([^<]*)</p>', html)
    assert re.findall(r"\d+", said) == ["10", "3"]  # 8 rows per procedure and 2 per field; the threshold
    assert f'action="{NEW}"' in html and 'name="unit" value="D"' in html and 'name="period" value="2024"' in html
    assert 'id="export-in-background"' in html
    assert ExportJob.objects.count() == 0  # nothing until the button

    response = leader_client.post(NEW, {"kind": "filings", "unit": "D", "period": "2024"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:export_job", args=[job.pk])
    # The tests' immediate backend has run it inside the request.
    assert (job.status, job.rows_total, job.rows_written, job.attempts) == (JobStatus.DONE, 10, 10, 1)
    assert (job.unit_code, job.period, job.kind, job.user.username) == ("D", "2024", "filings", "lanhdao")
    assert job.started_at <= job.finished_at and job.task_id
    # The folder holds the finished file alone: no half-written part, no lock.
    assert [p.name for p in folders.iterdir()] == [job.file_name]

    page = leader_client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'max="100" value="100"' in page and "js/import_progress.js" in page
    assert reverse("imports:export_download", args=[job.pk]) in page and 'id="export-download"' in page

    response, content = downloaded(leader_client, job)
    assert response["Content-Disposition"] == 'attachment; filename="so_lieu_D_2024.xlsx"'
    assert sheets(content) == sheets(inline_export(leader_client, settings, unit="D", period="2024").content)
    rows = sheets(content)
    assert len([r for r in next(iter(rows.values()))[4:] if r[0]]) == 8


def test_the_whole_scope_and_the_default_period(leader_client, settings):
    """No unit: the user's whole scope; no period: this year so far, as the page's export."""
    leader_client.post(NEW, {"kind": "filings", "unit": "", "period": "2024-07..2024-08"})
    job = ExportJob.objects.get()
    assert (job.unit_code, job.period, job.status) == ("", "2024-07..2024-08", JobStatus.DONE)
    _response, content = downloaded(leader_client, job)
    assert sheets(content) == sheets(inline_export(leader_client, settings, period="2024-07..2024-08").content)
    assert _response["Content-Disposition"] == 'attachment; filename="so_lieu_all_2024-07..2024-08.xlsx"'

    leader_client.post(NEW, {"kind": "filings"})
    assert ExportJob.objects.latest("pk").period == str(year_to_date(timezone.localdate()))


def test_a_clerks_job_holds_only_their_units_rows(client, district):
    clerk = UserFactory(username="canbo", role="clerk", units=[Unit.objects.get(code="A")])
    client.force_login(clerk)
    client.post(NEW, {"kind": "filings", "period": "2024"})
    job = ExportJob.objects.get()
    assert (job.status, job.rows_written) == (JobStatus.DONE, 4)
    _response, content = downloaded(client, job)
    first, by_field = sheets(content).values()
    assert {r[0] for r in first[4:] if r[0]} == {"A"}
    assert not [r for r in by_field[4:] if r[0]]
    # Another unit than their own: 404, as the page's export; no job.
    assert client.post(NEW, {"kind": "filings", "unit": "D", "period": "2024"}).status_code == 404
    assert client.post(NEW, {"kind": "filings", "unit": "X", "period": "2024"}).status_code == 404
    assert client.post(NEW, {"kind": "filings", "period": "2024-13"}).status_code == 400
    assert client.post(NEW, {"kind": "units", "period": "2024"}).status_code == 400
    assert client.get(NEW).status_code == 405
    assert ExportJob.objects.count() == 1


def test_a_job_is_its_users_alone(leader_client, district):
    leader_client.post(NEW, {"kind": "filings", "unit": "D", "period": "2024"})
    job = ExportJob.objects.get()
    urls = [
        reverse(name, args=[job.pk])
        for name in ("imports:export_job", "imports:export_status", "imports:export_download")
    ]
    for url in urls:
        assert leader_client.get(url).status_code == 200

    anonymous = Client()
    assert anonymous.get(urls[0]).status_code == 302  # to the login page
    assert anonymous.get(urls[1]).status_code == 404
    assert anonymous.get(urls[2]).status_code == 302
    assert anonymous.post(NEW, {"period": "2024"}).status_code == 302
    for other in (
        UserFactory(username="lanhdao2", role="leader", units=[district]),  # the same scope
        UserFactory(username="quantri", role="admin"),
    ):
        client = Client()
        client.force_login(other)
        for url in urls:
            assert client.get(url).status_code == 404, (other, url)
        assert client.post(reverse("imports:export_retry", args=[job.pk])).status_code == 404
    assert leader_client.get(reverse("imports:export_status", args=[job.pk + 1])).status_code == 404


@pytest.fixture
def on_the_database_backend(settings):
    settings.TASKS = DATABASE_BACKEND


@pytest.fixture
def queued(leader_client, on_the_database_backend, settings):
    """An export queued on the database backend that no worker has taken, by a user of the English pages."""
    leader_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    leader_client.post(NEW, {"kind": "filings", "unit": "D", "period": "2024"})
    return ExportJob.objects.get()


def status(client, job):
    response = client.get(reverse("imports:export_status", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def test_the_progress_json(leader_client, queued):
    job = queued
    assert job.status == JobStatus.QUEUED and job.language == "en"
    data = status(leader_client, job)
    assert (data["status"], data["phase"], data["percent"], data["seconds_left"], "html" in data) == (
        "queued",
        "queued",
        0,
        None,
        False,
    )
    assert data["text"]["title"] == "Waiting for the worker…" and data["text"]["waiting"] == ""
    html = leader_client.get(reverse("imports:export_job", args=[job.pk])).content.decode()
    assert 'data-status="queued"' in html and 'max="100" value="0"' in html and 'id="export-download"' not in html
    # Nobody has taken it for a while: the page says the worker may not be running.
    ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "is the worker running" in status(leader_client, job)["text"]["waiting"]

    # Running: 250 of 1,000 rows in 10 s, so 30 s left.
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        rows_total=1000,
        rows_written=250,
        started_at=timezone.now() - datetime.timedelta(seconds=10),
        heartbeat_at=timezone.now(),
    )
    with open(_lock_path(job.pk), "a+b") as held:  # its worker is alive
        fcntl.flock(held, fcntl.LOCK_EX)
        data = status(leader_client, job)
    assert (data["status"], data["phase"], data["percent"]) == ("running", "writing", 25)
    assert 29 <= data["seconds_left"] <= 31 and data["rows"] == {"total": 1000, "written": 250}
    assert (data["text"]["total"], data["text"]["written"], data["text"]["title"]) == (
        "1,000",
        "250",
        "Preparing the file…",
    )

    # Done: the bar full, and the section with the download in place of the bar.
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    export_run(job.pk)
    data = status(leader_client, job)
    assert (data["status"], data["phase"], data["percent"], data["seconds_left"]) == ("done", "finished", 100, 0)
    assert data["rows"] == {"total": 10, "written": 10} and data["text"]["title"] == "The file is ready"
    assert 'id="export-download"' in data["html"] and 'data-status="done"' in data["html"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_it(leader_client, queued, settings, monkeypatch):
    """django-tasks-db's worker, as `manage.py db_worker` runs it, in this process (it closes the database
    connections between tasks: no test transaction around it). In autocommit, as a worker runs, the rows
    written are stored between the fetches of the rows (a server-side cursor on PostgreSQL)."""
    settings.IMPORT_JOB_HEARTBEAT_SECONDS = 0
    monkeypatch.setattr("filings.exports.PROGRESS_EVERY", 1)
    monkeypatch.setattr("filings.exports.CHUNK", 2)
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert (str(task.id), task.task_path, task.status) == (queued.task_id, "imports.tasks.run_export_job", "READY")
    # A second click while it waits: the same job.
    response = leader_client.post(NEW, {"kind": "filings", "unit": "D", "period": "2024"})
    assert response["Location"] == reverse("imports:export_job", args=[queued.pk]) and ExportJob.objects.count() == 1
    run_the_worker()
    queued.refresh_from_db()
    task.refresh_from_db()
    assert (queued.status, queued.rows_written, task.status) == (JobStatus.DONE, 10, "SUCCESSFUL")
    # In the language of the page that queued it.
    _response, content = downloaded(leader_client, queued)
    assert list(sheets(content)) == ["Monthly figures", "By field"]


def test_the_rows_written_are_stored_as_they_go(queued, settings, monkeypatch):
    """The writing thread stores the rows written with a heartbeat (here: on every call)."""
    settings.IMPORT_JOB_HEARTBEAT_SECONDS = 0
    monkeypatch.setattr("filings.exports.PROGRESS_EVERY", 3)
    monkeypatch.setattr("filings.exports.CHUNK", 2)  # the stores between the fetches of a server-side cursor
    stored = []
    store = export_jobs.ExportProgress.store

    def spy(self, **fields):
        store(self, **fields)
        stored.append(ExportJob.objects.values_list("status", "rows_total", "rows_written").get(pk=self.job_id))

    monkeypatch.setattr(export_jobs.ExportProgress, "store", spy)
    export_run(queued.pk)
    # The total first, then 3, 6, 8 rows per procedure and 2 more per field.
    assert stored == [
        ("running", 10, 0),
        ("running", 10, 3),
        ("running", 10, 6),
        ("running", 10, 8),
        ("running", 10, 10),
    ]


def test_filings_workbook_counts_the_rows_it_writes(district):
    units = Unit.objects.all()
    period = Period.parse("2024")
    calls = []
    xlsx.to_bytes(filings_workbook(units, period, progress=calls.append))
    assert sum(calls) == filings_export_rows(units, period) == 11


def test_a_job_whose_worker_is_gone_is_failed_and_runs_again(leader_client, queued, folders):
    job = queued
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    with open(_lock_path(job.pk), "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert fail_stale_exports() == 0  # its worker holds the lock
    # Released (the worker's process ended): failed when looked at, with the reason in the job's language.
    data = status(leader_client, job)
    assert data["status"] == "failed" and data["reason"].startswith("The worker preparing the file stopped")
    assert 'id="retry-export"' in data["html"] and data["text"]["title"] == "The file could not be prepared"

    response = leader_client.post(reverse("imports:export_retry", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("imports:export_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.failure_reason, job.rows_written, job.file_name) == (JobStatus.QUEUED, "", 0, "")
    assert leader_client.post(reverse("imports:export_retry", args=[job.pk])).status_code == 404  # not failed
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.attempts) == (JobStatus.DONE, 10, 1)
    assert leader_client.post(reverse("imports:export_retry", args=[job.pk])).status_code == 404  # its file is there


def test_without_a_lock_file_a_job_is_dead_when_its_heartbeat_is_stale(queued, settings):
    settings.IMPORT_JOB_STALE_SECONDS = 60
    ExportJob.objects.filter(pk=queued.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert not _lock_path(queued.pk).exists()
    assert fail_stale_exports() == 0
    ExportJob.objects.filter(pk=queued.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=90))
    assert fail_stale_exports() == 1
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAILED


def test_an_error_while_writing_fails_the_job_and_leaves_no_file(leader_client, queued, folders):
    failing = mock.patch("imports.export_jobs.write_filings", side_effect=OSError("No space left on device"))
    with failing, pytest.raises(OSError):
        export_run(queued.pk)
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAILED and "No space left on device" in queued.failure_reason
    assert list(folders.iterdir()) == []
    assert leader_client.get(reverse("imports:export_download", args=[queued.pk])).status_code == 404


def test_a_unit_no_longer_in_the_users_scope_fails_the_job(leader, queued):
    leader.units.set([Unit.objects.get(code="X")])
    export_run(queued.pk)
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAILED and queued.failure_reason == "The unit D is no longer in your scope."


def test_files_are_kept_a_day(leader_client, folders):
    leader_client.post(NEW, {"kind": "filings", "unit": "D", "period": "2024"})
    job = ExportJob.objects.get()
    path = folders / job.file_name
    clean_exports()
    assert path.exists()
    old = time.time() - 25 * 3600
    os.utime(path, (old, old))
    clean_exports()
    assert not path.exists()
    # Expired: the download answers the job's page (410), which offers to prepare it again.
    response = leader_client.get(reverse("imports:export_download", args=[job.pk]))
    html = response.content.decode()
    assert response.status_code == 410 and 'data-status="done"' in html
    assert 'id="retry-export"' in html and 'id="export-download"' not in html
    leader_client.post(reverse("imports:export_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (folders / job.file_name).exists() and job.attempts == 2


def test_the_folder_defaults_beside_the_staging_directory(settings, tmp_path):
    settings.EXPORT_JOBS_DIR = None
    assert export_dir() == tmp_path / "dvc_portal_exports"
