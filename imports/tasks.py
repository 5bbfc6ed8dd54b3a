"""The background tasks of the import page and of large exports (Django's tasks framework, settings.TASKS):
the worker (`manage.py db_worker` with django-tasks-db's database backend) runs `run_import_job` for each
import confirmed on the page (`job_queue` and `job_retry` queue it), and `run_export_job` for each export
too large for its request (`export_queue`, `export_retry`; imports.export_jobs). With the immediate backend
(the tests) the job runs inside the request that queues it."""

import logging

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from . import export_jobs
from .jobs import PROGRESS_RESET, job_fail, job_run
from .models import ExportJob, ImportJob, JobStatus
from .staging import staged_file

logger = logging.getLogger(__name__)


@task()
def run_import_job(job_id: int):
    job_run(job_id)


def _enqueue(job):
    try:
        result = run_import_job.enqueue(job.pk)
    except Exception as exc:  # the queue's database or the backend refused it
        logger.exception("import job %s could not be queued", job.pk)
        job_fail(job.pk, _("The import could not be queued: %(error)s") % {"error": exc}, from_status=JobStatus.QUEUED)
    else:
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def job_queue(preview, *, user, force, language="") -> ImportJob | None:
    """Queue the import of a previewed file: its job, or the one already queued or running for it (a
    second click); None when the file is no longer staged (imported already, or expired)."""
    pending = preview.jobs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
    if pending is not None:
        return pending
    if staged_file(preview) is None:
        return None
    job = ImportJob.objects.create(preview=preview, user=user, force=force, language=language or "")
    return _enqueue(job)


def job_retry(job) -> ImportJob | None:
    """Queue a failed job again on its staged file: the job, or None when the file is gone."""
    if staged_file(job.preview) is None:
        return None
    requeued = ImportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        **{**PROGRESS_RESET, "status": JobStatus.QUEUED, "queued_at": timezone.now(), "task_id": ""}
    )
    if not requeued:
        job.refresh_from_db()
        return job  # queued or running again already (a second click)
    return _enqueue(job)


@task()
def run_export_job(job_id: int):
    export_jobs.export_run(job_id)


def _enqueue_export(job):
    try:
        result = run_export_job.enqueue(job.pk)
    except Exception as exc:  # the queue's database or the backend refused it
        logger.exception("export job %s could not be queued", job.pk)
        job_fail(
            job.pk,
            _("The export could not be queued: %(error)s") % {"error": exc},
            from_status=JobStatus.QUEUED,
            model=ExportJob,
        )
    else:
        ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def export_queue(*, user, kind, unit_code, period, language="") -> ExportJob:
    """Queue an export (the caller has checked the unit against the user's scope): its job, or the one of
    the same user and export already queued or running (a second click)."""
    export_jobs.clean_exports()
    wanted = {"user": user, "kind": kind, "unit_code": unit_code, "period": period}
    pending = ExportJob.objects.filter(**wanted, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
    if pending is not None:
        return pending
    return _enqueue_export(ExportJob.objects.create(**wanted, language=language or ""))


def export_retry(job) -> ExportJob:
    """Queue a failed export again, or a done one whose file has expired: the job."""
    statuses = [JobStatus.FAILED] if export_jobs.export_file(job) else [JobStatus.FAILED, JobStatus.DONE]
    requeued = ExportJob.objects.filter(pk=job.pk, status__in=statuses).update(
        **{**export_jobs.PROGRESS_RESET, "status": JobStatus.QUEUED, "queued_at": timezone.now(), "task_id": ""}
    )
    if not requeued:
        job.refresh_from_db()
        return job  # queued or running again already (a second click), or its file still there
    return _enqueue_export(job)
