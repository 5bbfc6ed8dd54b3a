"""The import page (admins): upload -> preview of what would change -> confirm -> result; and the blank
file of each kind. Between preview and confirm the upload waits in imports.staging, which the admin's
import shares."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from core import xlsx

from . import tabular
from .forms import ConfirmForm, ImportUploadForm
from .models import ImportRecord, ImportSource
from .registry import kind_choices, kinds
from .staging import confirm_preview, preview_upload
from .workbooks import template_workbook

LISTED_ISSUES = 200


def admin_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_portal_admin:
            raise PermissionDenied(_("Only administrators may import files."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _page(request, **context):
    context.setdefault("form", ImportUploadForm())
    # Past imports: the real ones; previews (dry runs) only when asked for (?previews=1).
    with_previews = request.GET.get("previews") == "1"
    recent = ImportRecord.objects.select_related("user")
    if not with_previews:
        recent = recent.filter(dry_run=False)
    context["recent"] = recent[:20]
    context["with_previews"] = with_previews
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
        force=form.cleaned_data["force"],
        status=200 if report.ok else 422,
    )


@admin_required
@require_POST
def import_confirm(request, pk):
    """Re-run the previewed file for real."""
    preview = get_object_or_404(
        ImportRecord, pk=pk, dry_run=True, succeeded=True, user=request.user, source=ImportSource.PAGE
    )
    form = ConfirmForm(request.POST)
    force = form.is_valid() and form.cleaned_data["force"]
    report = confirm_preview(preview, user=request.user, force=force, source=ImportSource.PAGE)
    if report is None:
        return _page(request, gone=preview, status=410)
    if report.ok:
        return redirect("imports:result", pk=report.record.pk)
    # Something changed since the preview (a month was locked meanwhile): show why, keep nothing.
    return _page(request, report=report, preview=None, status=422)


@admin_required
def import_result(request, pk):
    record = get_object_or_404(ImportRecord, pk=pk)
    return _page(request, result=record)


@admin_required
def import_template(request, kind):
    if kind not in kinds():
        raise Http404(_("No such kind."))
    return xlsx.response(template_workbook(kind), f"mau_nhap_{kind}.xlsx")
