"""Export jobs: a page's export too large to write inside its request (more than EXPORT_INLINE_MAX_ROWS
rows), written by the tasks worker (imports.tasks queues them) into EXPORT_JOBS_DIR, for its user to
download from the job's page.

- **Scope.** The job writes what its user may see, by the export's own rule (`filings.exports.export_units`:
  the user's scope, or a unit's subtree within it), read again when it runs: a unit no longer in the user's
  scope fails the job.
- **The file** is written under a name of its own ending `.part` and renamed once complete, so that the
  folder never holds a half-written export under a finished one's name; the job is done with that name.
  Files older than a day are removed (as staged uploads are), whereupon the job's file has *expired* and
  the job runs again on request.
- **Progress.** The writing thread counts the rows as it writes them (`filings_workbook`'s `progress`) and
  stores them with a heartbeat every IMPORT_JOB_HEARTBEAT_SECONDS: an export only reads, so it holds no
  write transaction and these plain updates go through on SQLite and PostgreSQL alike.
- **A worker that dies** leaves its job running: as for imports (imports.jobs), it is failed with the
  reason when next looked at or when a worker starts its next export: nobody holds its lock file
  (`export-N.lock` in EXPORT_JOBS_DIR), or, where that cannot be told, its heartbeat is older than
  IMPORT_JOB_STALE_SECONDS. A failed job runs again.
"""

import contextlib
import logging
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.periods import Period, PeriodError
from filings.exports import export_units, filings_export_rows, write_filings

from .jobs import fail_stale, job_claim, job_fail, worker_lock
from .models import ExportJob, ExportKind, JobStatus
from .staging import MAX_AGE_SECONDS, staging_dir

logger = logging.getLogger(__name__)

PROGRESS_RESET = {
    "rows_total": None,
    "rows_written": 0,
    "file_name": "",
    "started_at": None,
    "heartbeat_at": None,
    "finished_at": None,
    "failure_reason": "",
}
PART = ".part"


class ExportRefused(Exception):
    """What the job cannot write, said to its user (a unit no longer in their scope, a bad period)."""


def export_dir() -> Path:
    path = Path(getattr(settings, "EXPORT_JOBS_DIR", None) or staging_dir().parent / "dvc_portal_exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _lock_path(job_id):
    return export_dir() / f"export-{job_id}.lock"


def export_file(job) -> Path | None:
    """The finished file of a done job, while it is kept; None once removed (expired) or before it is done."""
    if job.status != JobStatus.DONE or not job.file_name:
        return None
    path = export_dir() / Path(job.file_name).name
    return path if path.is_file() else None


def clean_exports(max_age=MAX_AGE_SECONDS):
    """Remove the files (finished, half-written, locks) older than `max_age` seconds."""
    limit = time.time() - max_age
    for path in export_dir().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass  # removed by another process first


def export_lost_reason():
    return _(
        "The worker preparing the file stopped before it finished (it was stopped or killed, or its machine "
        "restarted). Prepare the file again."
    )


def fail_stale_exports(now=None) -> int:
    """Fail the running exports whose worker is gone (imports.jobs.fail_stale); how many."""
    return fail_stale(ExportJob, _lock_path, export_lost_reason, now)


class ExportProgress:
    """The rows written by a running export, stored with a heartbeat by the writing thread itself at most
    every IMPORT_JOB_HEARTBEAT_SECONDS (`filings_workbook` calls it with the rows written since its last
    call)."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.rows_written = 0
        self.interval = settings.IMPORT_JOB_HEARTBEAT_SECONDS
        self._stored_at = time.monotonic()

    def __call__(self, rows):
        self.rows_written += rows
        if time.monotonic() - self._stored_at >= self.interval:
            self.store()

    def store(self, **fields):
        """Progress is for people to watch: a database too busy to store it never stops the export."""
        self._stored_at = time.monotonic()
        try:
            ExportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                rows_written=self.rows_written, heartbeat_at=timezone.now(), **fields
            )
        except DatabaseError as exc:
            logger.warning("export job %s: progress not stored: %s", self.job_id, exc)


def _write(job, progress) -> Path:
    """Write the job's file (complete, renamed from its `.part`); its path."""
    try:
        period = Period.parse(job.period)
    except PeriodError as exc:
        raise ExportRefused(_("period: %(reason)s") % {"reason": exc}) from None
    if not job.user.is_active:
        raise ExportRefused(_("The user who asked for the file can no longer log in."))
    try:
        units, _unit = export_units(job.user, job.unit_code)
    except Http404:
        raise ExportRefused(_("The unit %(code)s is no longer in your scope.") % {"code": job.unit_code}) from None
    if job.kind != ExportKind.FILINGS:
        raise ExportRefused(_("Unknown kind of export: %(kind)s") % {"kind": job.kind})
    progress.store(rows_total=filings_export_rows(units, period))
    final = export_dir() / f"export-{job.pk}-{secrets.token_hex(8)}.xlsx"
    part = final.with_name(final.name + PART)
    try:
        with part.open("xb") as handle:
            write_filings(handle, units, period, progress=progress)
        part.replace(final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return final


def export_run(job_id):
    """Run a queued export job (the worker's task): its file written, its progress stored."""
    fail_stale_exports()
    clean_exports()
    with worker_lock(_lock_path(job_id)):
        if not job_claim(ExportJob, job_id, **PROGRESS_RESET):
            return  # run already, or no longer wanted
        job = ExportJob.objects.select_related("user").get(pk=job_id)
        progress = ExportProgress(job_id)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            try:
                path = _write(job, progress)
            except ExportRefused as exc:
                job_fail(job_id, exc, model=ExportJob)
                return
            except Exception as exc:
                logger.exception("export job %s failed", job_id)
                with contextlib.suppress(DatabaseError):  # a database gone: the job is failed once looked at
                    job_fail(
                        job_id,
                        _("The export stopped on an unexpected error: %(error)s") % {"error": exc},
                        model=ExportJob,
                    )
                raise
            except BaseException:  # the worker told to stop at once
                with contextlib.suppress(DatabaseError):
                    job_fail(job_id, export_lost_reason(), model=ExportJob)
                raise
            now = timezone.now()
            done = ExportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                status=JobStatus.DONE,
                file_name=path.name,
                rows_total=progress.rows_written,  # counted before: the figures may have changed since
                rows_written=progress.rows_written,
                heartbeat_at=now,
                finished_at=now,
            )
            if not done:  # failed meanwhile (taken for dead): nobody will download it
                path.unlink(missing_ok=True)
