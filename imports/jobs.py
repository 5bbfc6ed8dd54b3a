"""Import jobs: the import page's confirmed imports, run by the tasks worker (imports.tasks queues them).

A job runs the previewed file through the same `run_import` as every import, all or nothing. Its progress
reaches the page without touching the import's transaction:

- the phases (reading, checking, writing) are stored as they begin, outside the transaction, by the
  importing thread itself (reading and checking happen before the transaction; "writing" is stored just
  before it opens);
- the counts and a heartbeat are stored every IMPORT_JOB_HEARTBEAT_SECONDS by a thread of the worker with
  its own database connection, so in its own transactions: on PostgreSQL they go on during the write
  (the job's row is not one the write touches). SQLite lets one connection write at a time, so there the
  heartbeat pauses while the import writes;
- the end is written in the import's own transaction, just before it commits: the job done, with the
  import's record. The rows, their record and "done" commit together, or none of them does.

A worker that dies (killed, out of memory, its machine restarted) leaves its job "running": its
transaction, never committed, leaves the data as it was. Such a job is failed with the reason when it is
next looked at (the job's page, its JSON, the import page) or when the worker runs its next job:
`fail_stale_jobs`. While it runs, the worker holds an exclusive lock (flock) on a file of the job in the
staging directory, which the system releases when the process ends, however it ends: a running job whose
lock is free has lost its worker. Where the lock cannot be seen (no such file: a worker on another machine
without the shared staging directory, or a system without flock), a job whose heartbeat is older than
IMPORT_JOB_STALE_SECONDS is taken for dead. A failed job runs again on the same staged file.
"""

import contextlib
import logging
import threading
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ImportJob, ImportSource, JobStatus
from .progress import Phase, Progress
from .staging import confirm_preview, staging_dir

try:
    import fcntl
except ImportError:  # not on Windows: the heartbeat alone tells a dead worker
    fcntl = None

logger = logging.getLogger(__name__)

PROGRESS_RESET = {
    "phase": Phase.QUEUED,
    "rows_total": None,
    "rows_read": 0,
    "rows_checked": 0,
    "rows_written": 0,
    "started_at": None,
    "checking_since": None,
    "writing_since": None,
    "heartbeat_at": None,
    "finished_at": None,
    "failure_reason": "",
}


def worker_lost_reason():
    return _(
        "The worker running the import stopped before it finished (it was stopped or killed, or its machine "
        "restarted). Nothing was written: the data is as it was before. Run the import again."
    )


class JobProgress(Progress):
    """A running job's progress, stored on its ImportJob as the module's docstring says."""

    def __init__(self, job):
        super().__init__()
        self.job_id = job.pk
        self.started_at = job.started_at
        self._stop = threading.Event()
        # The two threads' writes of the job's row, one at a time: on SQLite, which has one writer at a
        # time, the heartbeat never holds the write lock when the import's transaction begins.
        self._storing = threading.Lock()

    # Phases: stored at once, by the importing thread, outside the import's transaction.

    def reading(self):
        super().reading()
        self._store(phase=self.phase)

    def read(self, rows):
        super().read(rows)
        self._store(phase=self.phase, rows_total=rows, rows_read=rows, checking_since=self.checking_since)

    def checked(self):
        super().checked()
        self._store(rows_checked=self.rows_checked)

    def writing(self):
        with self._storing:
            super().writing()
        self._store(phase=self.phase, writing_since=self.writing_since)

    def committing(self, report):
        """In the import's transaction: the job is done with the rows, or not at all."""
        now = timezone.now()
        ImportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE,
            phase=Phase.FINISHED,
            result=report.record,
            rows_written=self.rows_written,
            heartbeat_at=now,
            finished_at=now,
        )

    def _store(self, **fields):
        """Progress is for people to watch: a database too busy to store it never stops the import."""
        fields["heartbeat_at"] = timezone.now()
        with self._storing:
            try:
                with transaction.atomic():
                    ImportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields)
            except DatabaseError as exc:
                logger.warning("import job %s: progress not stored: %s", self.job_id, exc)

    # The heartbeat: a thread with its own connection.

    def beat(self):
        """Store the counts and the heartbeat (from the heartbeat's thread; never the phase, which the
        importing thread stores, nor counts smaller than those stored)."""
        with self._storing:
            if connection.vendor == "sqlite" and self.phase == Phase.WRITING:
                return  # the import's transaction holds SQLite's one write lock
            try:
                ImportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                    rows_checked=Greatest(F("rows_checked"), self.rows_checked),
                    rows_written=Greatest(F("rows_written"), self.rows_written),
                    heartbeat_at=timezone.now(),
                )
            except DatabaseError as exc:  # a busy database: the next beat will do
                logger.debug("import job %s: heartbeat skipped: %s", self.job_id, exc)

    def _beating(self, interval):
        try:
            if connection.vendor == "sqlite":
                # Never wait for the write lock: skip the beat instead (the import's writes come first).
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 100")
            while not self._stop.wait(interval):
                self.beat()
        except Exception:
            logger.exception("import job %s: the heartbeat stopped", self.job_id)
        finally:
            connection.close()  # this thread's own connection

    @contextlib.contextmanager
    def heartbeat(self):
        thread = threading.Thread(
            target=self._beating,
            args=(settings.IMPORT_JOB_HEARTBEAT_SECONDS,),
            name=f"import-job-{self.job_id}-heartbeat",
            daemon=True,
        )
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(timeout=10)


def _lock_path(job_id):
    return staging_dir() / f"job-{job_id}.lock"


@contextlib.contextmanager
def worker_lock(path):
    """Hold the lock file `path` while running a job; the system releases it when the process ends. Shared
    with the export jobs (imports.export_jobs), whose lock files have names of their own."""
    if fcntl is None:
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)  # before the lock is released with the file: see worker_alive


def worker_alive(path) -> bool | None:
    """True while a process holds the lock file `path`, False when nobody does, None when it cannot be
    told."""
    if fcntl is None:
        return None
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below, after the lock test)
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return None
        return False


def job_fail(job_id, reason, *, from_status=JobStatus.RUNNING, model=ImportJob) -> bool:
    """Mark a job (an ImportJob, or another `model` of jobs: ExportJob) failed with `reason` (if it still
    has `from_status`); its task result too, when the database backend holds one that still says
    running."""
    now = timezone.now()
    failed = model.objects.filter(pk=job_id, status=from_status).update(
        status=JobStatus.FAILED, failure_reason=str(reason)[:500], finished_at=now
    )  # the phase and counts stay where it stopped
    if failed and apps.is_installed("django_tasks_db"):
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        task_id = model.objects.filter(pk=job_id).values_list("task_id", flat=True).first()
        if task_id:
            with contextlib.suppress(DatabaseError, ValueError):
                DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path="imports.jobs.WorkerLost",
                    traceback=str(reason),
                )
    return bool(failed)


def fail_stale(model, lock_path, reason, now=None) -> int:
    """Fail the running jobs of `model` whose worker is gone (the module's docstring): nobody holds the
    lock file `lock_path(job_id)`, or, where that cannot be told, no heartbeat for IMPORT_JOB_STALE_SECONDS;
    `reason()` says why, in each job's language. How many."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)
    failed = 0
    for job_id, heartbeat_at, language in model.objects.filter(status=JobStatus.RUNNING).values_list(
        "pk", "heartbeat_at", "language"
    ):
        alive = worker_alive(lock_path(job_id))
        if alive is None:
            alive = heartbeat_at is not None and heartbeat_at >= stale_before
        if not alive:
            with translation.override(language or settings.LANGUAGE_CODE):
                failed += job_fail(job_id, reason(), model=model)
    return failed


def fail_stale_jobs(now=None) -> int:
    """Fail the running imports whose worker is gone; how many."""
    return fail_stale(ImportJob, _lock_path, worker_lost_reason, now)


def job_claim(model, job_id, **fields) -> bool:
    """Take a queued job of `model` (an import or an export job) for this worker: running, started and
    beating now, one run more, with `fields` (its progress reset). False when it is no longer queued."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            **{
                **fields,
                "status": JobStatus.RUNNING,
                "started_at": now,
                "heartbeat_at": now,
                "attempts": F("attempts") + 1,
            }
        )
    )


def job_run(job_id):
    """Run a queued job (the worker's task): its import, all or nothing, with its progress stored."""
    fail_stale_jobs()
    with worker_lock(_lock_path(job_id)):
        if not job_claim(ImportJob, job_id, **{**PROGRESS_RESET, "phase": Phase.READING}):
            return  # run already, or no longer wanted
        job = ImportJob.objects.select_related("preview", "user").get(pk=job_id)
        progress = JobProgress(job)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            try:
                with progress.heartbeat():
                    report = confirm_preview(
                        job.preview, user=job.user, force=job.force, source=ImportSource.PAGE, progress=progress
                    )
            except Exception as exc:
                logger.exception("import job %s failed", job_id)
                with contextlib.suppress(DatabaseError):  # a database gone: the job is failed once looked at
                    job_fail(job_id, _("The import stopped on an unexpected error: %(error)s") % {"error": exc})
                raise
            except BaseException:  # the worker told to stop at once (a second Ctrl+C, SIGTERM twice)
                with contextlib.suppress(DatabaseError):
                    job_fail(job_id, worker_lost_reason())
                raise
            if report is None:
                job_fail(
                    job_id,
                    _(
                        "The uploaded file is no longer waiting for the import (it was imported already, or it "
                        "expired after a day). Upload it again."
                    ),
                )
                return
            # An import the rules refused (a month locked since the preview) ends here with its record; one
            # that wrote was marked done in its own transaction.
            now = timezone.now()
            ImportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                status=JobStatus.DONE,
                phase=Phase.FINISHED,
                result=report.record,
                rows_checked=progress.rows_checked,
                heartbeat_at=now,
                finished_at=now,
            )
