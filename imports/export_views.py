"""Large exports in the background (imports.export_jobs): the button of a page's export too large for its
request queues the job (POST /imports/exports/new/), whose page shows its progress bar (polling its JSON,
as an import job's page does: static/js/import_progress.js), then the link to download the file. A job is
its user's alone: anyone else gets 404. Any logged-in user may export what their scope holds, as the
page's export allows."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import xlsx
from core.periods import PeriodError, period_param
from filings.exports import export_units
from units.models import Unit

from .export_jobs import export_file, fail_stale_exports
from .models import ExportJob, ExportKind, JobStatus
from .progress import Phase
from .tasks import export_queue, export_retry
from .views import job_status_response, job_waiting, time_left


@login_required
@require_POST
def export_new(request):
    """Queue an export: kind (filings), unit (blank: the whole scope) and period, as the page's export reads
    them; a unit outside the user's scope answers 404, as there."""
    kind = request.POST.get("kind") or ExportKind.FILINGS
    if kind not in ExportKind.values:
        return HttpResponseBadRequest(_("Unknown kind of export: %(kind)s") % {"kind": kind})
    try:
        period = period_param(request.POST)
    except PeriodError as exc:
        return HttpResponseBadRequest(_("period: %(reason)s") % {"reason": exc})
    _units, unit = export_units(request.user, request.POST.get("unit", ""))
    job = export_queue(
        user=request.user,
        kind=kind,
        unit_code=unit.code if unit else "",
        period=str(period),
        language=translation.get_language() or "",
    )
    return redirect("imports:export_job", pk=job.pk)


def _export_or_404(request, pk):
    """The job, for its user; 404 for anyone else (as if there were none)."""
    user = request.user
    job = ExportJob.objects.filter(pk=pk).first() if user.is_authenticated else None
    if job is None or job.user_id != user.pk:
        raise Http404(_("No such export."))
    return job


def export_title(job, expired=False) -> str:
    if expired:
        return _("The file has expired")
    return {
        JobStatus.QUEUED: _("Waiting for the worker…"),
        JobStatus.RUNNING: _("Preparing the file…"),
        JobStatus.DONE: _("The file is ready"),
        JobStatus.FAILED: _("The file could not be prepared"),
    }[job.status]


def _phase(job):
    return {
        JobStatus.QUEUED: Phase.QUEUED,
        JobStatus.RUNNING: Phase.WRITING,
        JobStatus.DONE: Phase.FINISHED,
        JobStatus.FAILED: Phase.WRITING,
    }[job.status]


def _context(job):
    # A failed job's bar stays where it stopped.
    now = job.finished_at if job.status == JobStatus.FAILED and job.finished_at else timezone.now()
    seconds_left = job.seconds_left(now)
    expired = job.status == JobStatus.DONE and export_file(job) is None
    return {
        "job": job,
        "job_unit": Unit.objects.filter(code=job.unit_code).only("code", "name").first() if job.unit_code else None,
        "job_phase_key": _phase(job).value,
        "job_percent": job.percent(),
        "job_seconds_left": seconds_left,
        "job_left": time_left(job, seconds_left),
        "job_title": export_title(job, expired),
        "job_phase": job.get_status_display() if job.status == JobStatus.FAILED else _phase(job).label,
        "job_waiting": job_waiting(job),
        "job_section": "imports/_export_job.html",
        "job_expired": expired,
    }


def _page(request, job, status=200):
    return render(request, "imports/export_job.html", _context(job), status=status)


@never_cache
@login_required
def export_job(request, pk):
    """An export in the background: its progress while it runs (the page polls export_job_status), then
    the link to its file; failed or expired, why, and a button to prepare it again."""
    fail_stale_exports()
    return _page(request, _export_or_404(request, pk))


@never_cache
@require_GET
def export_job_status(request, pk):
    """The job's progress as JSON, in the shape of an import job's (import_progress.js reads both); once it
    has ended, the section that replaces the bar."""
    fail_stale_exports()
    job = _export_or_404(request, pk)
    context = _context(job)
    return job_status_response(
        request,
        job,
        context,
        phase=context["job_phase_key"],
        rows={"total": job.rows_total, "written": job.rows_written},
        waiting=_("No worker has taken the export yet: is the worker running?"),
    )


@never_cache
@login_required
def export_download(request, pk):
    """The finished file, as an attachment named as the page's export names it; expired, the job's page
    (410) with the button to prepare it again."""
    job = _export_or_404(request, pk)
    if job.status != JobStatus.DONE:
        raise Http404(_("The file is not ready."))
    path = export_file(job)
    if path is None:
        return _page(request, job, status=410)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=get_valid_filename(job.download_name),
        content_type=xlsx.XLSX_TYPE,
    )


@login_required
@require_POST
def export_job_retry(request, pk):
    """Prepare the file again: a failed job, or a done one whose file has expired."""
    job = _export_or_404(request, pk)
    if not (job.status == JobStatus.FAILED or (job.status == JobStatus.DONE and export_file(job) is None)):
        raise Http404(_("No such export to prepare again."))
    export_retry(job)
    return redirect("imports:export_job", pk=job.pk)
