"""The import page (admins): upload -> preview of what would change -> confirm -> the import runs as a
background job (imports.tasks), whose page shows its progress and then its result; and the blank file of
each kind. Between preview and the job the upload waits in imports.staging, which the admin's import
shares."""

import gzip
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from core import xlsx
from core.templatetags.portal import count

from . import tabular
from .forms import ConfirmForm, ImportUploadForm
from .issues import LISTED_ERRORS, csv_header, stored_errors, stored_groups, warning_groups
from .jobs import fail_stale_jobs
from .models import ImportIssues, ImportJob, ImportRecord, ImportSource, JobStatus
from .progress import Phase
from .registry import kind_choices, kinds
from .staging import preview_upload
from .tasks import job_queue, job_retry
from .workbooks import template_workbook

LISTED_ISSUES = LISTED_ERRORS
# A job no worker has taken after this many seconds: the page says the worker may not be running.
WORKER_HINT_SECONDS = 15


def admin_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_portal_admin:
            raise PermissionDenied(_("Only administrators may import files."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _history(request):
    """The past imports the page lists: the real ones; previews (dry runs) only when asked for
    (?previews=1)."""
    with_previews = request.GET.get("previews") == "1"
    recent = ImportRecord.objects.select_related("user")
    if not with_previews:
        recent = recent.filter(dry_run=False)
    return {"recent": recent[:20], "with_previews": with_previews}


def _page(request, **context):
    context.setdefault("form", ImportUploadForm())
    context.update(_history(request))
    # Imports in the background that have not ended well (queued, running, failed), so that whoever left
    # their page finds them again; done ones are in the list of past imports.
    fail_stale_jobs()
    jobs = ImportJob.objects.exclude(status=JobStatus.DONE).select_related("preview", "user").order_by("-queued_at")
    if context.get("job") is not None:
        jobs = jobs.exclude(pk=context["job"].pk)  # shown above
    context["jobs"] = jobs[:10]
    context["kinds"] = kind_choices()
    context["listed"] = LISTED_ISSUES
    return render(request, "imports/import.html", context, status=context.pop("status", 200))


class _SizeLimitedUpload(FileUploadHandler):
    """Stops reading an uploaded file once it passes IMPORT_MAX_BYTES, so that an oversized upload is never
    written out in full (Django would otherwise store all of it before the form sees its size)."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > tabular.max_bytes():
            self.request.import_upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # only to install the upload handler before the body is read; checked just below
def import_page(request):
    """GET: the upload form and the past imports. POST: stage the file, run it dry and show the preview."""
    request.upload_handlers.insert(0, _SizeLimitedUpload(request))
    return _import_page(request)


@csrf_protect
@admin_required
def _import_page(request):
    if request.method != "POST":
        return _page(request)
    form = ImportUploadForm(request.POST, request.FILES)
    if getattr(request, "import_upload_too_large", False):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The file is larger than %(limit)s bytes; such files are refused.")
            % {"limit": f"{tabular.max_bytes():,}".replace(",", ".")},
        )
        return _page(request, form=form, status=400)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    report = preview_upload(
        form.cleaned_data["kind"],
        form.cleaned_data["file"],
        user=request.user,
        force=form.cleaned_data["force"],
        source=ImportSource.PAGE,
        unit_code=form.cleaned_data["unit"],
    )
    return _page(
        request,
        form=form,
        report=report,
        preview=report.record,
        warning_groups=warning_groups(report.warnings),
        force=form.cleaned_data["force"],
        status=200 if report.ok else 422,
    )


@admin_required
@require_POST
def import_confirm(request, pk):
    """Queue the import of the previewed file (the stored file, never one sent again) and show its job."""
    preview = get_object_or_404(
        ImportRecord, pk=pk, dry_run=True, succeeded=True, user=request.user, source=ImportSource.PAGE
    )
    form = ConfirmForm(request.POST)
    force = form.is_valid() and form.cleaned_data["force"]
    job = job_queue(preview, user=request.user, force=force, language=translation.get_language())
    if job is None:
        return _page(request, gone=preview, status=410)
    return redirect("imports:job", pk=job.pk)


def _result_context(record):
    """What the pages show of a finished import: its record, its first errors, its warnings by kind."""
    issues = ImportIssues.objects.filter(record=record).first() if record else None
    return {"result": record, "result_errors": stored_errors(issues), "result_groups": stored_groups(issues)}


@admin_required
def import_result(request, pk):
    record = get_object_or_404(ImportRecord, pk=pk)
    return _page(request, **_result_context(record))


@admin_required
def import_issues(request, pk):
    """Every error and warning of an import, as CSV (UTF-8 with a BOM, which spreadsheets read as such)."""
    issues = get_object_or_404(ImportIssues, record_id=pk)

    def lines():
        yield ("\ufeff" + csv_header()).encode("utf-8")
        with gzip.GzipFile(fileobj=io.BytesIO(issues.content)) as content:
            while chunk := content.read(64 * 1024):
                yield chunk

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nhap_{pk}_loi_canh_bao.csv"'
    return response


def _job_or_404(request, pk):
    """The job, for its owner or an administrator; 404 for anyone else (as if there were none)."""
    user = request.user
    job = ImportJob.objects.select_related("preview", "user", "result").filter(pk=pk).first()
    if job is None or not user.is_authenticated or not (job.user_id == user.pk or user.is_portal_admin):
        raise Http404(_("No such import."))
    return job


def time_left(job, seconds) -> str:
    """The bar's "time left", in words."""
    if job.status == JobStatus.DONE:
        return _("done")
    if job.status == JobStatus.FAILED:
        return _("stopped")
    if job.status == JobStatus.QUEUED:
        return _("not started")
    if seconds is None:
        return _("estimating the time left…")
    if seconds < 60:
        return _("about %(seconds)s s left") % {"seconds": seconds}
    return _("about %(minutes)s min %(seconds)02d s left") % {"minutes": seconds // 60, "seconds": seconds % 60}


def job_title(job) -> str:
    return {
        JobStatus.QUEUED: _("Waiting for the worker…"),
        JobStatus.RUNNING: _("Importing…"),
        JobStatus.DONE: _("Import finished"),
        JobStatus.FAILED: _("The import did not finish"),
    }[job.status]


def job_waiting(job) -> bool:
    """Whether a job has waited long enough for a worker that the page should ask whether one runs."""
    return job.status == JobStatus.QUEUED and (timezone.now() - job.queued_at).total_seconds() > WORKER_HINT_SECONDS


def _job_context(job):
    # A failed job's bar stays where it stopped.
    now = job.finished_at if job.status == JobStatus.FAILED and job.finished_at else timezone.now()
    state = job.progress()
    seconds_left = state.seconds_left(now)
    context = {
        "job": job,
        "job_state": state,
        "job_percent": state.percent(now),
        "job_seconds_left": seconds_left,
        "job_left": time_left(job, seconds_left),
        "job_title": job_title(job),
        "job_phase": Phase(state.phase).label if job.status != JobStatus.FAILED else job.get_status_display(),
        "job_waiting": job_waiting(job),
        "job_section": "imports/_job.html",
        "listed": LISTED_ISSUES,
    }
    if job.status == JobStatus.DONE:
        context.update(_result_context(job.result))
    return context


@never_cache
@login_required
def import_job(request, pk):
    """A background import: its progress while it runs (the page polls import_job_status), then its
    result; failed, the reason and a button to run it again."""
    fail_stale_jobs()
    job = _job_or_404(request, pk)
    return _page(request, **_job_context(job))


@never_cache
@require_GET
def import_job_status(request, pk):
    """The job's progress as JSON, for its page's bar; once it has ended, the section that replaces it."""
    fail_stale_jobs()
    job = _job_or_404(request, pk)
    context = _job_context(job)
    rows = {"total": job.rows_total, "read": job.rows_read, "checked": job.rows_checked, "written": job.rows_written}
    waiting = _("No worker has taken the import yet: is the worker running?")
    return job_status_response(
        request,
        job,
        context,
        phase=context["job_state"].phase,
        rows=rows,
        waiting=waiting,
        # The page's list of past imports, with this one now.
        ended={"history": lambda: render_to_string("imports/_history.html", _history(request), request=request)},
    )


def job_status_response(request, job, context, *, phase, rows, waiting, ended=None):
    """A job's progress as JSON, import or export (static/js/import_progress.js reads both): its `rows`
    ({name: number}), with the page's texts in the user's language, `waiting` among them when no worker has
    taken it; once it has ended, the section that replaces the bar (context["job_section"]), and the other
    sections of the page that `ended` renders ({key: function returning their HTML})."""
    payload = {
        "id": job.pk,
        "status": job.status,
        "phase": phase,
        "rows": rows,
        "percent": context["job_percent"],
        "seconds_left": context["job_seconds_left"],
        "reason": job.failure_reason,
        # The same texts as the page, in the user's language.
        "text": {
            "status": job.get_status_display(),
            "title": context["job_title"],
            "phase": str(context["job_phase"]),
            **{name: count(value) for name, value in rows.items()},
            "left": context["job_left"],
            "waiting": waiting if context["job_waiting"] else "",
        },
    }
    if job.finished:
        payload["html"] = render_to_string(context["job_section"], context, request=request)
        payload.update({key: render() for key, render in (ended or {}).items()})
    return JsonResponse(payload)


@require_POST
def import_job_retry(request, pk):
    """Run a failed job again, on the same staged file (its owner only)."""
    job = _job_or_404(request, pk)
    if job.user_id != request.user.pk or job.status != JobStatus.FAILED:
        raise Http404(_("No such import to run again."))
    if job_retry(job) is None:
        return _page(request, gone=job.preview, status=410)
    return redirect("imports:job", pk=job.pk)


@admin_required
def import_template(request, kind):
    if kind not in kinds():
        raise Http404(_("No such kind."))
    return xlsx.response(template_workbook(kind), f"mau_nhap_{kind}.xlsx")
