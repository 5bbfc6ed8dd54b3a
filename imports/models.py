from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
