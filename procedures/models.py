import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .rules import department_refusals

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


def fold_field_name(name: str) -> str:
    """A field's name as files write it, for matching: NFC, case and runs of white space folded, without
    a leading "Lĩnh vực " ("Lĩnh vực Hộ tịch" and "hộ  tịch" are the same field)."""
    text = " ".join(unicodedata.normalize("NFC", str(name or "")).split()).casefold()
    return text.removeprefix("lĩnh vực ").strip()


def field_code_for(name: str) -> str:
    """A code for a field known only by its name (the one-stop systems' domain codes, such as G09.HT, are
    used where known): the name in capitals without accents, words joined by "-" (Hộ tịch -> HO-TICH)."""
    text = fold_field_name(name).replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", text)).upper()[:40] or "LV"


class Field(models.Model):
    """A field (lĩnh vực) of procedures: Hộ tịch, Chứng thực, Đất đai ... The official report form 06
    counts filings per field, and so do the one-stop systems' statistics (their domain code)."""

    code = models.CharField(_("field code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Procedure(models.Model):
    code = models.CharField(_("procedure code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=500)
    field = models.ForeignKey(
        Field, verbose_name=_("field"), null=True, blank=True, on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("authority level"), max_length=20, choices=AuthorityLevel, blank=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"


def month_index(year, month):
    """Months counted from year 0 (year * 12 + month - 1), for values or for expressions."""
    return year * 12 + month - 1


def offering_start():
    """The month an offering starts, as a month index (-1: from the beginning). The rule of the level in
    force, spelt once for every query: an offering holds from the whole month of its start date, and the
    latest one started holds: of two that start in the same month, the one with the later date
    (procedures.selectors.LevelIndex says the same in Python)."""
    return Coalesce(
        month_index(ExtractYear("valid_from"), ExtractMonth("valid_from")),
        Value(-1),
        output_field=models.IntegerField(),
    )


def offering_rank(valid_from) -> tuple[int, datetime.date]:
    """offering_start's rule in Python, for code that holds the offerings (procedures.selectors.LevelIndex,
    reports.services.offering_spans): (the month index of the start, -1 from the beginning; the start
    date). Of the offerings of a (unit, procedure) started by a month, the highest rank holds."""
    if valid_from is None:
        return -1, datetime.date.min
    return month_index(valid_from.year, valid_from.month), valid_from


class OfferingQuerySet(models.QuerySet):
    def started_by(self, index):
        """Offerings that start in or before the month `index` (a month index, a value or an expression)."""
        return self.annotate(start=offering_start()).filter(start__lte=index)

    def in_force(self, year: int, month: int):
        """The offering of each (unit, procedure) in force in that month: the latest one started by then
        (one per pair: of two started in the same month, the later date's)."""
        index = month_index(year, month)
        later = Offering.objects.started_by(index).filter(
            Q(start__gt=OuterRef("start")) | Q(start=OuterRef("start"), valid_from__gt=OuterRef("valid_from")),
            unit_id=OuterRef("unit_id"),
            procedure_id=OuterRef("procedure_id"),
        )
        return self.started_by(index).filter(~Exists(later))

    def level_in_force(self, unit, procedure, index):
        """The service level in force of a (unit, procedure) in a month, as a subquery: `unit`,
        `procedure` and `index` (a month index) are typically OuterRef expressions of an outer query."""
        return self._in_force("service_level", unit, procedure, index)

    def department_in_force(self, unit, procedure, index):
        """The responsible department (its id, or None) of the offering in force of a (unit, procedure)
        in a month, as a subquery, like level_in_force."""
        return self._in_force("department_id", unit, procedure, index)

    def _in_force(self, column, unit, procedure, index):
        return Subquery(
            self.started_by(index)
            .filter(unit_id=unit, procedure_id=procedure)
            .order_by("-start", F("valid_from").desc(nulls_last=True))
            .values(column)[:1]
        )


class Offering(models.Model):
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="offerings")
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="offerings"
    )
    service_level = models.CharField(_("online service level"), max_length=10, choices=ServiceLevel)
    valid_from = models.DateField(_("applies from"), null=True, blank=True, help_text=_("Empty: from the beginning."))
    # The department (phòng, sở) that handles the procedure for this unit: a sibling of the unit under its
    # district or province (procedures.rules.department_refusals); the reports break filings down by it.
    department = models.ForeignKey(
        "units.Unit",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_offerings",
        help_text=_("A department under the same district or province as the unit."),
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

    def clean(self):
        super().clean()
        if self.unit_id is not None and self.department_id is not None:
            refused = department_refusals([(self.unit_id, self.department_id)])
            if refused:
                raise ValidationError({"department": refused[0]})

    def __str__(self):
        start = self.valid_from.isoformat() if self.valid_from else "…"
        return f"{self.unit.code} · {self.procedure.code} · {self.get_service_level_display()} ({start})"
