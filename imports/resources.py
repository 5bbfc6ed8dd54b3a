"""django-import-export, routed through the portal's own importer.

django-import-export's default import runs row by row (a query or more per row and per foreign key:
about 100 rows a second, half an hour for a year of figures) and reads a file's first row as its header.
The admin must not be a second, slow path with other rules, so here:

- `PortalResource.import_data` hands the dataset to `imports.runner.run_import` (same header
  matching, same validation, the same bulk writes, an ImportRecord) and reports back in import-export's
  `Result`, so that code calling a resource gets the portal's behaviour;
- `PortalImportMixin` replaces the admin's import views with the portal's upload -> preview -> confirm
  flow on the original file (title rows, two-row headers, .ods and .xls), in the admin's look. Export
  stays django-import-export's own, through the resources declared in each app's resources.py.
"""

import csv
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.results import Error, Result, RowResult

from core.xlsx import escape_text

from .forms import UploadForm
from .models import ImportRecord, ImportSource
from .runner import run_import
from .staging import confirm_preview, preview_upload


class PortalResource(resources.ModelResource):
    """A resource whose import is the portal's import of `import_kind`; its exports (CSV, TSV, .xlsx ...)
    escape text that a spreadsheet would run as a formula the way core.xlsx does (a leading apostrophe;
    django-import-export's own escaping only drops a leading "=", altering the data, and lets "+", "-"
    and "@" through: IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is off)."""

    import_kind = ""

    def export_field(self, field, instance, **kwargs):
        return escape_text(super().export_field(field, instance, **kwargs))

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        user = kwargs.get("user")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / (kwargs.get("file_name") or f"{self.import_kind}.csv")
            if path.suffix.lower() != ".csv":
                path = path.with_suffix(".csv")
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(dataset.headers or [])
                writer.writerows(["" if v is None else v for v in row] for row in dataset)
            report = run_import(
                self.import_kind,
                path,
                name=kwargs.get("file_name") or path.name,
                user=user,
                dry_run=dry_run,
                source=ImportSource.ADMIN,
            )
        return report_as_result(report, raise_errors=raise_errors)


def report_as_result(report, *, raise_errors=False):
    result = Result()
    result.total_rows = report.created + report.updated + report.unchanged
    result.totals[RowResult.IMPORT_TYPE_NEW] = report.created
    result.totals[RowResult.IMPORT_TYPE_UPDATE] = report.updated
    result.totals[RowResult.IMPORT_TYPE_SKIP] = report.unchanged
    result.totals[RowResult.IMPORT_TYPE_ERROR] = len(report.errors)
    for issue in report.errors:
        result.append_base_error(Error(ValidationError(str(issue)), number=issue.row))
    result.portal_report = report
    if raise_errors and report.errors:
        raise ValidationError([str(issue) for issue in report.errors])
    return result


class PortalImportMixin(ImportExportMixin):
    """Admin import through the portal's importer, with preview and confirm; export unchanged."""

    import_kind = ""
    import_template_name = "admin/imports/import.html"

    def has_import_permission(self, request):
        return bool(getattr(request.user, "is_portal_admin", False))

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "kind": self.import_kind,
            "listed": 200,
            "template_url": reverse("imports:template", args=[self.import_kind]),
            **extra,
        }

    def export_action(self, request):
        """django-import-export's export page, which takes the changelist's filters from its query string:
        one the changelist would not take (`?copy=1`) raised, a 500; the changelist itself answers such a
        filter with its error page."""
        try:
            return super().export_action(request)
        except IncorrectLookupParameters as exc:
            return HttpResponseBadRequest(
                _("The filters of this export are not valid: %(reason)s") % {"reason": exc},
                content_type="text/plain; charset=utf-8",
            )

    def import_action(self, request, **kwargs):
        """Upload -> a dry run of the portal's importer -> the preview with its error rows."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = preview_upload(
                self.import_kind,
                form.cleaned_data["file"],
                user=request.user,
                force=form.cleaned_data["force"],
                source=ImportSource.ADMIN,
                unit_code=form.cleaned_data["unit"],
            )
            return TemplateResponse(
                request,
                [self.import_template_name],
                self._context(
                    request, form=form, report=report, preview=report.record, force=form.cleaned_data["force"]
                ),
            )
        return TemplateResponse(request, [self.import_template_name], self._context(request, form=form))

    def process_import(self, request, **kwargs):
        """Confirm: re-run the previewed file (kept under its hash) for real."""
        if not self.has_import_permission(request) or request.method != "POST":
            raise PermissionDenied
        record = request.POST.get("record", "")
        preview = ImportRecord.objects.filter(
            pk=int(record) if record.isdigit() else None,
            dry_run=True,
            succeeded=True,
            user=request.user,
            kind=self.import_kind,
            source=ImportSource.ADMIN,
        ).first()
        info = self.model._meta.app_label, self.model._meta.model_name
        report = preview and confirm_preview(
            preview, user=request.user, force=request.POST.get("force") == "on", source=ImportSource.ADMIN
        )
        if report is None:
            messages.error(request, _("The previewed file is no longer waiting for confirmation; upload it again."))
            return redirect(f"admin:{info[0]}_{info[1]}_import")
        if not report.ok:
            return TemplateResponse(
                request,
                [self.import_template_name],
                self._context(request, form=UploadForm(), report=report),
            )
        messages.success(
            request,
            _("Imported %(file)s: %(summary)s.") % {"file": preview.file_name, "summary": report.summary()},
        )
        return redirect(f"admin:{info[0]}_{info[1]}_changelist")
