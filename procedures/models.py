import datetime

from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Offerings without a start date hold "from the beginning"; comparing through this date keeps the
# SQL the same for both cases.
BEGINNING = datetime.date(1, 1, 1)


class AuthorityLevel(models.TextChoices):
    PROVINCE = "province", _("Province level")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")


class ServiceLevel(models.TextChoices):
    """Online service level by Decree 42/2022/NĐ-CP (legacy level 4 = full, level 3 = partial)."""

    FULL = "full", _("Full process online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")

    @classmethod
    def online(cls):
        return [cls.FULL, cls.PARTIAL]


class Procedure(models.Model):
    code = models.CharField(_("procedure code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=500)
    field = models.CharField(_("field"), max_length=255, blank=True)
    level = models.CharField(_("authority level"), max_length=20, choices=AuthorityLevel, blank=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"


def first_day_after(year: int, month: int) -> datetime.date:
    return datetime.date(year + (month == 12), month % 12 + 1, 1)


class OfferingQuerySet(models.QuerySet):
    def in_force(self, year: int, month: int):
        """The offering of each (unit, procedure) in force in that month: the latest one that starts in
        or before the month (a start date mid-month counts for the whole month)."""
        bound = first_day_after(year, month)
        started = self.annotate(start=Coalesce("valid_from", Value(BEGINNING))).filter(start__lt=bound)
        later = Offering.objects.annotate(start=Coalesce("valid_from", Value(BEGINNING))).filter(
            unit_id=OuterRef("unit_id"),
            procedure_id=OuterRef("procedure_id"),
            start__gt=OuterRef("start"),
            start__lt=bound,
        )
        return started.filter(~Exists(later))


class Offering(models.Model):
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="offerings")
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="offerings"
    )
    service_level = models.CharField(_("online service level"), max_length=10, choices=ServiceLevel)
    valid_from = models.DateField(
        _("applies from"), null=True, blank=True, help_text=_("Empty: from the beginning.")
    )

    objects = OfferingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["unit", "procedure", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "procedure", "valid_from"],
                name="offering_unique_start",
                violation_error_message=_("This unit already has an offering of this procedure from that date."),
            ),
            models.UniqueConstraint(
                fields=["unit", "procedure"],
                condition=Q(valid_from__isnull=True),
                name="offering_unique_open_start",
                violation_error_message=_("This unit already has an offering of this procedure from the beginning."),
            ),
        ]

    def __str__(self):
        start = self.valid_from.isoformat() if self.valid_from else "…"
        return f"{self.unit.code} · {self.procedure.code} · {self.get_service_level_display()} ({start})"
