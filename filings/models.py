from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.periods import FIRST_YEAR, LAST_YEAR

from .audit import UnitMonthHistory

# The ten counts of report form 06 (Circular 01/2020/TT-VPCP) plus the postal return column, in the
# form's order. Every other module takes the list from here.
COUNT_FIELDS = (
    "carried_over",
    "received_online",
    "received_direct",
    "received_postal",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_on_time",
    "pending_overdue",
    "returned_postal",
)

# The counts the Decision 766 index needs beyond form 06 (docs/kpis.md, "Decision 766"), optional: None
# is "not reported" (no data), never 0. In the order of DOMAIN.md's list.
SCORE_FIELDS = (
    "synced",
    "fee_required",
    "paid_online",
    "digitised",
    "e_results",
    "ratings",
    "ratings_satisfied",
)
# Every figure of a row, in the tables' order.
FIGURE_FIELDS = (*COUNT_FIELDS, *SCORE_FIELDS)

# The most one unit can receive (or hold) for one procedure in one month. A busy province's centre gets
# tens of thousands; ten million leaves room for any real office while catching typing errors, and keeps
# sums of a row's counts far inside the database's 32-bit integers.
MAX_COUNT = 10_000_000


def count_field(verbose_name):
    return models.PositiveIntegerField(verbose_name, default=0, validators=[MaxValueValidator(MAX_COUNT)])


def optional_count_field(verbose_name):
    """A Decision 766 count: empty (None) when the unit did not report it."""
    return models.PositiveIntegerField(verbose_name, null=True, blank=True, validators=[MaxValueValidator(MAX_COUNT)])


def _constraints(prefix, item, duplicate_message):
    """The database rules of a table of figures keyed by unit, `item` (procedure or field) and month."""
    return (
        [
            models.UniqueConstraint(
                fields=["unit", item, "year", "month"],
                name=f"{prefix}_unique_unit_{item}_month",
                violation_error_message=duplicate_message,
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name=f"{prefix}_month_1_12",
                violation_error_message=_("The month must be between 1 and 12."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name=f"{prefix}_year_in_range",
                violation_error_message=_("The year is out of range."),
            ),
        ]
        + [
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 0, f"{name}__lte": MAX_COUNT}), name=f"{prefix}_{name}_in_range"
            )
            for name in COUNT_FIELDS
        ]
        + [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0, f"{name}__lte": MAX_COUNT}),
                name=f"{prefix}_{name}_in_range",
            )
            for name in SCORE_FIELDS
        ]
    )


class Figures(models.Model):
    """The counts of report form 06 for one unit and one month, per procedure or per field."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])

    carried_over = count_field(_("carried over from last month"))
    received_online = count_field(_("received online"))
    received_direct = count_field(_("received at the desk"))
    received_postal = count_field(_("received by post"))
    resolved_early = count_field(_("resolved early"))
    resolved_on_time = count_field(_("resolved on time"))
    resolved_late = count_field(_("resolved late"))
    pending_on_time = count_field(_("pending, within the deadline"))
    pending_overdue = count_field(_("pending, overdue"))
    returned_postal = count_field(_("results returned by post"))

    synced = optional_count_field(_("synchronised to the national portal"))
    fee_required = optional_count_field(_("with a fee"))
    paid_online = optional_count_field(_("fee paid online"))
    digitised = optional_count_field(_("digitised on receipt"))
    e_results = optional_count_field(_("results issued electronically"))
    ratings = optional_count_field(_("ratings received"))
    ratings_satisfied = optional_count_field(_("satisfied ratings"))

    class Meta:
        abstract = True


class MonthlyFiling(Figures):
    """A unit's figures of one procedure in one month."""

    # No index of its own: the unique (unit, procedure, year, month) starts with the unit and serves every
    # read by unit (and the check of a unit's deletion); a second index cost every import one more entry
    # per figure (issue 16).
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="filings", db_index=False
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="filings"
    )

    # Read by unit-month only (the history page, the four-eyes rule): no index on the figure's id either,
    # which the admin of figures per procedure (no history view of its own) would use; 0.08 s less per
    # 100,000 history rows that an import writes.
    history = UnitMonthHistory(no_db_index=["unit", "procedure", "id"])

    class Meta:
        verbose_name = _("monthly filing")
        verbose_name_plural = _("monthly filings")
        ordering = ["-year", "-month", "unit", "procedure"]
        constraints = _constraints(
            "filing", "procedure", _("Figures for this unit, procedure and month already exist.")
        )
        indexes = [models.Index(fields=["year", "month", "unit"], name="filing_period_unit")]

    def __str__(self):
        return f"{self.unit_id}/{self.procedure_id} {self.month:02d}/{self.year}"


class FieldFiling(Figures):
    """A unit's figures of one field (lĩnh vực) in one month, for a unit-month reported per field as the
    official form 06 and the one-stop systems' statistics count them. A unit-month is reported per
    procedure or per field, never both (filings.services)."""

    # No index of its own, as MonthlyFiling's: the unique (unit, field, year, month) starts with it.
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="field_filings", db_index=False
    )
    field = models.ForeignKey(
        "procedures.Field", verbose_name=_("field"), on_delete=models.PROTECT, related_name="filings"
    )

    history = UnitMonthHistory(no_db_index=["unit", "field"])

    class Meta:
        verbose_name = _("monthly figures of a field")
        verbose_name_plural = _("monthly figures of fields")
        ordering = ["-year", "-month", "unit", "field"]
        constraints = _constraints("field_filing", "field", _("Figures for this unit, field and month already exist."))
        indexes = [models.Index(fields=["year", "month", "unit"], name="field_filing_period_unit")]

    def __str__(self):
        return f"{self.unit_id}/{self.field_id} {self.month:02d}/{self.year}"


class UnitMonthStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class UnitMonth(models.Model):
    """The state of one unit's report for one month: its status in the workflow and the version that
    guards its figures against lost updates. Created by the first write of figures or by a submission;
    no row means the month is missing. See docs/workflow.md."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="unit_months")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    status = models.CharField(_("status"), max_length=10, choices=UnitMonthStatus, default=UnitMonthStatus.DRAFT)
    return_reason = models.TextField(_("reason for return"), blank=True)
    # The optimistic lock: bumped by every save that changes a figure and by every status change.
    version = models.PositiveIntegerField(_("version"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The data-quality warnings (filings.quality) the submitter confirmed, one per line, for the leader.
    submitted_warnings = models.TextField(_("warnings confirmed at submission"), blank=True)
    # Timeliness is judged on the first submission: a return and a new submission do not make it late.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = UnitMonthHistory()

    class Meta:
        verbose_name = _("unit-month")
        verbose_name_plural = _("unit-months")
        ordering = ["-year", "-month", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month"],
                name="unit_month_unique",
                violation_error_message=_("This unit already has a record for this month."),
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name="unit_month_month_1_12",
                violation_error_message=_("The month must be between 1 and 12."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=UnitMonthStatus.values),
                name="unit_month_status_valid",
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(
                condition=~Q(status=UnitMonthStatus.RETURNED) | ~Q(return_reason=""),
                name="unit_month_returned_has_reason",
                violation_error_message=_("A returned month needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["year", "month", "status"], name="unit_month_period_status")]

    def __str__(self):
        return f"{self.unit} {self.month:02d}/{self.year}"

    @property
    def key(self):
        return (self.unit_id, self.year, self.month)


class EntryException(models.Model):
    """An admin's extension of the entry deadline for one unit and month."""

    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="entry_exceptions"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    open_until = models.DateField(_("open for entry until"), help_text=_("Entry stays open through this day."))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("entry deadline exception")
        verbose_name_plural = _("entry deadline exceptions")
        ordering = ["-year", "-month", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month"],
                name="entry_exception_unique",
                violation_error_message=_("This unit already has an exception for this month; change it instead."),
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name="entry_exception_month_1_12",
                violation_error_message=_("The month must be between 1 and 12."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.month:02d}/{self.year} → {self.open_until.isoformat()}"


class Grain(models.TextChoices):
    """How a unit reports its figures: per procedure, or per field as the official form 06 counts them."""

    PROCEDURE = "procedure", _("per procedure")
    FIELD = "field", _("per field (form 06)")


class ReportingMode(models.Model):
    """From which month on a unit reports per procedure or per field, until its next mode. A unit without
    one reports per procedure. It decides the entry grid of a unit-month that has no figures yet; figures
    already stored decide for their month (filings.kinds.unit_month_kind)."""

    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reporting_modes"
    )
    year = models.PositiveSmallIntegerField(
        _("from year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    month = models.PositiveSmallIntegerField(_("from month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    grain = models.CharField(_("reports"), max_length=10, choices=Grain)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting mode")
        verbose_name_plural = _("reporting modes")
        ordering = ["unit", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month"],
                name="reporting_mode_unique",
                violation_error_message=_("This unit already has a reporting mode from this month; change it."),
            ),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="reporting_mode_month_1_12"),
        ]

    def __str__(self):
        return f"{self.unit} {self.month:02d}/{self.year}: {self.get_grain_display()}"
