"""Imports as background jobs: the confirm step queues a job, its page and JSON show its progress then its
result, to its owner or an administrator only; a job whose worker is gone is failed with the reason and
runs again; the database backend's worker runs it (django-tasks-db, in this process). The worker killed
in another process, on PostgreSQL: test_job_kill.py."""

import datetime
import fcntl
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from filings.models import MonthlyFiling
from imports.jobs import _lock_path, fail_stale_jobs, job_run
from imports.models import ImportJob, ImportRecord, JobStatus
from imports.progress import Phase, ProgressState
from imports.tasks import job_retry
from tests.factories import UserFactory
from tests.imports.bulk import write_filings_csv

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    return tmp_path / "staging"


@pytest.fixture
def admin(db):
    return UserFactory(username="quantri", role="admin")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def upload(client, path, kind="filings"):
    with open(path, "rb") as handle:
        response = client.post(reverse("imports:page"), {"kind": kind, "file": handle})
    assert response.status_code == 200, response.content.decode()[-2000:]
    return ImportRecord.objects.get(dry_run=True, file_name=path.name)


def status(client, job):
    return client.get(reverse("imports:job_status", args=[job.pk]))


def test_confirm_queues_a_job_whose_page_shows_the_result(admin_client, offered, tmp_path):
    """With the immediate backend (the tests') the job has run by the time the confirm step redirects."""
    path = write_filings_csv(tmp_path / "bao_cao.csv", months=[1, 2])
    preview = upload(admin_client, path)
    response = admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:job", args=[job.pk])
    assert (job.status, job.phase, job.user.username, job.attempts) == (JobStatus.DONE, Phase.FINISHED, "quantri", 1)
    assert (job.rows_total, job.rows_read, job.rows_checked, job.rows_written) == (40, 40, 40, 40)
    assert job.result.created == 40 and MonthlyFiling.objects.count() == 40
    assert job.started_at <= job.finished_at

    html = admin_client.get(response["Location"]).content.decode()
    assert 'max="100" value="100"' in html and 'id="import-result"' in html and 'id="count-created">40<' in html
    assert 'data-status="done"' in html and 'id="retry-import"' not in html

    data = status(admin_client, job).json()
    assert (data["status"], data["percent"], data["seconds_left"]) == ("done", 100, 0)
    assert data["rows"] == {"total": 40, "read": 40, "checked": 40, "written": 40}
    assert 'id="import-result"' in data["html"]


def test_a_second_click_shows_the_same_job_and_a_done_one_is_not_imported_twice(admin_client, offered, tmp_path):
    preview = upload(admin_client, write_filings_csv(tmp_path / "a.csv", months=[1]))
    admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    # Imported: the staged file is gone, as before jobs.
    assert admin_client.post(reverse("imports:confirm", args=[preview.pk])).status_code == 410
    assert ImportJob.objects.count() == 1 and MonthlyFiling.objects.count() == 20


def test_a_job_is_its_owners_or_an_administrators_and_404_for_anyone_else(admin_client, client, offered, tmp_path):
    preview = upload(admin_client, write_filings_csv(tmp_path / "a.csv", months=[1]))
    admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    job = ImportJob.objects.get()
    assert status(admin_client, job).status_code == 200

    client.logout()
    assert status(client, job).status_code == 404
    assert client.get(reverse("imports:job", args=[job.pk])).status_code == 302  # to the login page
    client.force_login(UserFactory(username="lanhdao", role="leader", units=[offered["881"]]))
    assert status(client, job).status_code == 404
    assert client.get(reverse("imports:job", args=[job.pk])).status_code == 404
    client.force_login(UserFactory(username="quantri2", role="admin"))
    assert status(client, job).status_code == 200
    assert client.get(reverse("imports:job", args=[job.pk])).status_code == 200
    assert status(client, ImportJob(pk=job.pk + 1)).status_code == 404


@pytest.fixture
def on_the_database_backend(settings):
    settings.TASKS = DATABASE_BACKEND


def run_the_worker(max_tasks=1):
    """django-tasks-db's worker, as `manage.py db_worker --batch` runs it, in this process."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db(transaction=True)
def test_on_the_database_backend_the_job_waits_for_the_worker(
    admin_client, offered, tmp_path, on_the_database_backend, settings
):
    from django_tasks_db.models import DBTaskResult

    preview = upload(admin_client, write_filings_csv(tmp_path / "a.csv", months=[1, 2, 3]))
    response = admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.QUEUED and MonthlyFiling.objects.count() == 0
    task = DBTaskResult.objects.get()
    assert (str(task.id), task.task_path, task.status) == (job.task_id, "imports.tasks.run_import_job", "READY")

    html = admin_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in html and 'max="100" value="0"' in html and "js/import_progress.js" in html
    data = status(admin_client, job).json()
    assert (data["status"], data["percent"], data["seconds_left"], "html" in data) == ("queued", 0, None, False)
    assert data["text"]["waiting"] == ""
    # Nobody has taken it for a while: the page says the worker may not be running.
    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=1))
    assert status(admin_client, job).json()["text"]["waiting"]
    # The list of the import page links it.
    assert reverse("imports:job", args=[job.pk]) in admin_client.get(reverse("imports:page")).content.decode()

    run_the_worker()
    job.refresh_from_db()
    task.refresh_from_db()
    assert (job.status, job.rows_written, task.status) == (JobStatus.DONE, 60, "SUCCESSFUL")
    assert MonthlyFiling.objects.count() == 60 and job.result.created == 60
    assert status(admin_client, job).json()["percent"] == 100


def running(job, **fields):
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, phase=Phase.WRITING, started_at=timezone.now(), **fields
    )


@pytest.fixture
def queued_job(admin_client, offered, tmp_path, on_the_database_backend, settings):
    """A job queued on the database backend, which no worker has taken, by a user of the English pages
    (its reasons for failing are in the job's language)."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    preview = upload(admin_client, write_filings_csv(tmp_path / "a.csv", months=[1]))
    admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    return ImportJob.objects.get()


def test_a_running_job_whose_lock_is_free_has_lost_its_worker(admin_client, queued_job, settings):
    """The worker holds the job's lock file while it runs; the system drops the lock when the process
    ends, however it ends. A lock nobody holds: the worker is gone, at once."""
    job = queued_job
    running(job, heartbeat_at=timezone.now())
    path = _lock_path(job.pk)
    with open(path, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert fail_stale_jobs() == 0  # held: alive, however old its heartbeat
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
        assert fail_stale_jobs() == 0
    # Released (the process ended): failed, with the reason, as the page and its JSON say.
    data = status(admin_client, job).json()
    assert data["status"] == "failed" and "Nothing was written" in data["reason"]
    assert 'id="retry-import"' in data["html"] and "Nothing was written" in data["html"]
    assert MonthlyFiling.objects.count() == 0


def test_without_a_lock_file_a_job_is_dead_when_its_heartbeat_is_stale(queued_job, settings):
    job = queued_job
    settings.IMPORT_JOB_STALE_SECONDS = 60
    running(job, heartbeat_at=timezone.now() - datetime.timedelta(seconds=30))
    assert not _lock_path(job.pk).exists()
    assert fail_stale_jobs() == 0
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=90))
    assert fail_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.failure_reason.startswith("The worker running the import stopped")


def test_a_failed_job_runs_again_on_the_same_file(admin_client, queued_job):
    from django.test import Client

    job = queued_job
    running(job)
    fail_stale_jobs()
    # Another administrator sees it but may not run it again; nor may anyone run a job that has not failed.
    other = Client()
    other.force_login(UserFactory(username="quantri2", role="admin"))
    assert other.get(reverse("imports:job", args=[job.pk])).status_code == 200
    assert other.post(reverse("imports:job_retry", args=[job.pk])).status_code == 404

    response = admin_client.post(reverse("imports:job_retry", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("imports:job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.phase, job.failure_reason, job.rows_checked) == (JobStatus.QUEUED, Phase.QUEUED, "", 0)
    assert admin_client.post(reverse("imports:job_retry", args=[job.pk])).status_code == 404  # queued, not failed

    job_run(job.pk)  # the worker's task
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.created) == (JobStatus.DONE, 1, 20)
    assert MonthlyFiling.objects.count() == 20


def test_a_failed_job_whose_file_has_expired_cannot_run_again(admin_client, queued_job, staging):
    job = queued_job
    running(job)
    fail_stale_jobs()
    for path in staging.iterdir():
        path.unlink()
    assert job_retry(job) is None
    response = admin_client.post(reverse("imports:job_retry", args=[job.pk]))
    assert response.status_code == 410 and 'id="import-gone"' in response.content.decode()


def test_only_a_queued_job_runs(queued_job):
    """A task left over for a job that has ended, or that another worker has taken, does nothing."""
    job = queued_job
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, failure_reason="stopped")
    job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 0) and MonthlyFiling.objects.count() == 0


def test_a_job_whose_file_is_gone_fails_with_the_reason(queued_job, staging):
    for path in staging.iterdir():
        path.unlink()
    job_run(queued_job.pk)
    queued_job.refresh_from_db()
    assert queued_job.status == JobStatus.FAILED and "Upload it again" in queued_job.failure_reason


def test_an_import_the_rules_refuse_when_it_runs_ends_done_with_its_errors(admin_client, queued_job):
    """What the preview let through may be refused when the job runs (a month approved in between): the job
    has run to its end, and its page lists the errors; nothing is written."""
    from core.errors import RowsRefused

    refusal = RowsRefused({0: [("unit", "approved in the meantime")]})
    with mock.patch("filings.importers.filings_upsert", side_effect=refusal):
        job_run(queued_job.pk)
    queued_job.refresh_from_db()
    assert queued_job.status == JobStatus.DONE and not queued_job.result.succeeded
    assert MonthlyFiling.objects.count() == 0
    html = admin_client.get(reverse("imports:job", args=[queued_job.pk])).content.decode()
    assert 'id="import-errors"' in html and "approved in the meantime" in html
    assert 'id="import-issues-download"' in html


def test_an_unexpected_error_fails_the_job_with_the_reason(queued_job):
    failing = mock.patch("filings.importers.filings_upsert", side_effect=RuntimeError("the disk is full"))
    with failing, pytest.raises(RuntimeError):
        job_run(queued_job.pk)
    queued_job.refresh_from_db()
    assert queued_job.status == JobStatus.FAILED and "the disk is full" in queued_job.failure_reason
    assert MonthlyFiling.objects.count() == 0


@pytest.mark.parametrize("language, words", [("vi", "không cân đối: 8 ≠ 9"), ("en", "does not balance: 8 ≠ 9")])
def test_the_job_runs_in_the_language_of_the_page_that_queued_it(
    admin_client, offered, tmp_path, settings, language, words
):
    """The worker has no request: the job's messages are written in the language of the confirming page."""
    from imports.issues import stored_groups

    settings.TASKS = DATABASE_BACKEND
    preview = upload(admin_client, write_filings_csv(tmp_path / "a.csv", months=[1], unbalanced=3))
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    job = ImportJob.objects.get()
    assert job.language == language
    job_run(job.pk)
    job.refresh_from_db()
    (group,) = stored_groups(job.result.issues)
    assert job.status == JobStatus.DONE and group.count == 3 and words in group.first[0].message


@pytest.mark.parametrize(
    "state, percent, seconds_left",
    [
        (ProgressState(phase=Phase.QUEUED), 0, None),
        (ProgressState(phase=Phase.READING), 0, None),
        # Checking: 100 of 1,000 rows in 1 s; 9 s to check the rest, and a write of 4 x 10 s.
        (ProgressState(phase=Phase.CHECKING, rows_total=1000, rows_checked=100, checking_since=-1), 26, 49),
        # Writing: checking took 10 s, so the write should take 40 s; 20 s are gone.
        (ProgressState(phase=Phase.WRITING, rows_total=1000, checking_since=-30, writing_since=-20), 70, 20),
        # The write has returned: committing.
        (
            ProgressState(
                phase=Phase.WRITING, rows_total=1000, rows_written=1000, checking_since=-30, writing_since=-20
            ),
            97,
            20,
        ),
        (ProgressState(phase=Phase.FINISHED, rows_total=1000), 100, 0),
    ],
)
def test_the_share_done_and_the_time_left(state, percent, seconds_left):
    now = timezone.now()
    for name in ("checking_since", "writing_since"):
        if getattr(state, name) is not None:
            setattr(state, name, now + datetime.timedelta(seconds=getattr(state, name)))
    assert (state.percent(now), state.seconds_left(now)) == (percent, seconds_left)
