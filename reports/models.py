from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.periods import FIRST_YEAR, LAST_YEAR

from .kpis import COUNT_KPIS, KPI_CHOICES


class Target(models.Model):
    """What a unit is expected to reach on one KPI in one year (a percentage, or a count for count KPIs)."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    kpi = models.CharField(_("KPI"), max_length=40, choices=KPI_CHOICES)
    target = models.DecimalField(_("target"), max_digits=9, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-year", "unit", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "kpi"],
                name="target_unique_unit_year_kpi",
                violation_error_message=_("This unit already has a target for this KPI and year."),
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0) & (Q(kpi__in=COUNT_KPIS) | Q(target__lte=100)),
                name="target_percentage_0_100",
                violation_error_message=_("A target rate is a percentage between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="target_year_in_range",
                violation_error_message=_("The year is out of range."),
            ),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.year} {self.kpi} ≥ {self.target}"


class UnitMonthTotal(models.Model):
    """The sums of one unit's filings in one month that the filing KPIs are computed from.

    A derived table, so that a national ranking reads tens of thousands of rows rather than millions.
    It is kept by `reports.services.totals_refresh`, which every writer of filings and offerings calls in
    its own transaction before returning (filings_upsert does it for all figures); `manage.py
    rebuild_totals` recomputes it from scratch."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    received_online = models.PositiveBigIntegerField(default=0)
    received_new = models.PositiveBigIntegerField(default=0)
    # Filings of procedures the unit offered online (full or partial) in that month.
    eligible_online = models.PositiveBigIntegerField(default=0)
    eligible_new = models.PositiveBigIntegerField(default=0)
    resolved_in_time = models.PositiveBigIntegerField(default=0)
    resolved_all = models.PositiveBigIntegerField(default=0)
    returned_postal = models.PositiveBigIntegerField(default=0)
    received_postal = models.PositiveBigIntegerField(default=0)
    # The Decision 766 KPIs' numerators and denominators, each summed over the unit-month's rows that
    # report both counts of the KPI (reports.services.SCORE_SUMS); None when no row does (no data).
    synced = models.PositiveBigIntegerField(null=True)
    synced_base = models.PositiveBigIntegerField(null=True)
    paid_online = models.PositiveBigIntegerField(null=True)
    fee_required = models.PositiveBigIntegerField(null=True)
    digitised = models.PositiveBigIntegerField(null=True)
    digitised_base = models.PositiveBigIntegerField(null=True)
    e_results = models.PositiveBigIntegerField(null=True)
    e_results_base = models.PositiveBigIntegerField(null=True)
    ratings_satisfied = models.PositiveBigIntegerField(null=True)
    ratings = models.PositiveBigIntegerField(null=True)
    # Reported per field (form 06): no procedure, hence no level in force; the eligible sums stay 0 and
    # the KPIs that need the level say how many such unit-months they left out.
    by_field = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "month"], name="unit_month_total_unique"),
        ]
        indexes = [models.Index(fields=["year", "month"], name="unit_month_total_period")]

    def __str__(self):
        return f"{self.unit_id} {self.month:02d}/{self.year}"
