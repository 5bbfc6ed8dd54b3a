import gzip

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .progress import Phase, ProgressState
from .registry import kind_choices


class ImportSource(models.TextChoices):
    CLI = "cli", _("Command line")
    PAGE = "page", _("Import page")
    ADMIN = "admin", _("Admin")


class ImportRecord(models.Model):
    """One run of an import, refused or not, dry or not: who brought which file (by name and hash) and
    what it did. The import page's confirm step re-runs the file a preview record names."""

    kind = models.CharField(_("kind"), max_length=20, choices=kind_choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_records",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=ImportSource, default=ImportSource.CLI)
    dry_run = models.BooleanField(_("preview only"), default=False)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    first_error = models.CharField(_("first error"), max_length=500, blank=True)
    # --unit: the unit of a file that names none (one unit's form 06), so that the confirm step re-runs
    # the very same import.
    unit_code = models.CharField(_("unit given"), max_length=40, blank=True)

    class Meta:
        # Moved from the project package, which held it until the imports app existed (migration 0001).
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportIssues(models.Model):
    """Every error and warning of one import, for download (a file of 100,000 rows may carry as many), and
    the short list the pages show: the first errors and the first warnings of each kind (imports.issues).
    Apart from ImportRecord so that listing records never reads them."""

    record = models.OneToOneField(
        ImportRecord, verbose_name=_("import"), primary_key=True, on_delete=models.CASCADE, related_name="issues"
    )
    # {"errors": [[row, column, message], ...], "groups": [{"kind", "count", "rows", "first": [...]}, ...]}
    summary = models.JSONField(_("summary"), default=dict)
    # The full list as CSV rows (row, column, error or warning, kind, message) without a header, gzipped.
    content = models.BinaryField(_("all errors and warnings (CSV, gzip)"))

    class Meta:
        verbose_name = _("errors and warnings of an import")
        verbose_name_plural = _("errors and warnings of imports")

    def __str__(self):
        return str(self.record)

    def csv_rows(self) -> bytes:
        return gzip.decompress(self.content)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """The import of a previewed upload, confirmed on the import page and run in the background by the
    tasks worker (imports.tasks, imports.jobs): its status, how far it got, and how it ended. The file is
    the one its preview names (kind, name, SHA-256, the unit given), staged under its hash until imported;
    a failed job runs again on the same file."""

    Status = JobStatus

    preview = models.ForeignKey(ImportRecord, verbose_name=_("preview"), on_delete=models.CASCADE, related_name="jobs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    force = models.BooleanField(_("overwrite locked months"), default=False)
    # The language of the page that queued it: the import's messages are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase, default=Phase.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    checking_since = models.DateTimeField(_("checking since"), null=True, blank=True)
    writing_since = models.DateTimeField(_("writing since"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("runs"), default=0)
    # The task result (django.tasks) of the latest run.
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    # The import's record once it has run to its end (imported, or refused by the rules).
    result = models.OneToOneField(
        ImportRecord,
        verbose_name=_("result"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="job",
    )

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status"], name="imports_job_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="imports_job_status_valid"),
            models.CheckConstraint(condition=Q(phase__in=Phase.values), name="imports_job_phase_valid"),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""), name="imports_job_failed_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(result__isnull=False), name="imports_job_done_has_result"
            ),
        ]

    def __str__(self):
        return f"{self.preview.kind} {self.preview.file_name} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def progress(self) -> ProgressState:
        return ProgressState(
            phase=Phase.FINISHED if self.status == self.Status.DONE else self.phase,
            rows_total=self.rows_total,
            rows_read=self.rows_read,
            rows_checked=self.rows_checked,
            rows_written=self.rows_written,
            started_at=self.started_at,
            checking_since=self.checking_since,
            writing_since=self.writing_since,
        )
