import gzip

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
        # The admin's lists and links: the kind as the import page names it, the time where the users are.
        when = f" ({timezone.localtime(self.created_at):%d/%m/%Y %H:%M})" if self.created_at else ""
        return f"{self.get_kind_display()}: {self.file_name}{when}"


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


class BackgroundJob(models.Model):
    """What every job that the tasks worker runs keeps (imports.jobs): its status, when it was queued,
    started, last seen alive and finished, why it failed, how many runs it took, its latest task."""

    Status = JobStatus

    status = models.CharField(_("status"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("runs"), default=0)
    # The task result (django.tasks) of the latest run.
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        abstract = True


class ImportJob(BackgroundJob):
    """The import of a previewed upload, confirmed on the import page and run in the background by the
    tasks worker (imports.tasks, imports.jobs): its status, how far it got, and how it ended. The file is
    the one its preview names (kind, name, SHA-256, the unit given), staged under its hash until imported;
    a failed job runs again on the same file."""

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
    phase = models.CharField(_("phase"), max_length=10, choices=Phase, default=Phase.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    checking_since = models.DateTimeField(_("checking since"), null=True, blank=True)
    writing_since = models.DateTimeField(_("writing since"), null=True, blank=True)
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
        return f"{self.preview.get_kind_display()}: {self.preview.file_name} ({self.get_status_display()})"

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


class ExportKind(models.TextChoices):
    FILINGS = "filings", _("monthly figures")


class ExportJob(BackgroundJob):
    """A large export written in the background by the tasks worker (imports.export_jobs), for a page's
    export that holds more than EXPORT_INLINE_MAX_ROWS rows: what to write (the kind, the unit's subtree or
    the whole scope of its user, the period), how far it got, and the finished file, kept a day in
    EXPORT_JOBS_DIR for its user to download. A failed job, or one whose file has expired, runs again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExportKind, default=ExportKind.FILINGS)
    # Blank: the user's whole scope; else the unit's subtree, within that scope.
    unit_code = models.CharField(_("unit"), max_length=40, blank=True)
    # As core.periods reads it (2024, 2024-Q3, 2024-01..2024-07 ...).
    period = models.CharField(_("period"), max_length=40)
    # The language of the page that queued it: the file's titles and the job's messages are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    # The finished file's name in EXPORT_JOBS_DIR (set when it is complete).
    file_name = models.CharField(_("file name"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status"], name="imports_export_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="imports_export_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ExportKind.values), name="imports_export_kind_valid"),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""), name="imports_export_failed_has_reason"
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file_name=""), name="imports_export_done_has_file"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.unit_code or '*'} {self.period} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def download_name(self):
        """The name the file is downloaded under: the page's export's own."""
        from filings.exports import filings_export_name

        return filings_export_name(self.unit_code, self.period)

    def percent(self) -> int:
        """The share written, 0 to 100: 100 once done; while running, short of the end until the file is
        complete (the rows written, then the file zipped and renamed)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_written / self.rows_total))

    def seconds_left(self, now) -> int | None:
        """About how many seconds are left, at the speed of the rows written so far; None before there is
        anything to go by."""
        if self.status == self.Status.DONE:
            return 0
        if self.status != self.Status.RUNNING or not self.rows_total or not self.rows_written or not self.started_at:
            return None
        elapsed = (now - self.started_at).total_seconds()
        if elapsed <= 0:
            return None
        return max(1, round((self.rows_total - self.rows_written) * elapsed / self.rows_written))
