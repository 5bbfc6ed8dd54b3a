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


class OfferingTotal(models.Model):
    """The counts of one unit's offerings in force from the month `start` (a month index,
    procedures.models.month_index; -1: from the beginning) up to the month before `end` (None: from then
    on): every offering in force, those at an online level (full or partial) and those at the full level.

    A derived table like UnitMonthTotal, so that the procedure rates read one row per unit rather than
    every offering (498,150 of them nationally). A unit's rows follow the rule of the level in force
    (procedures.models.offering_start: of the offerings of a (unit, procedure), the one that started last
    by the month holds) and change only in the months in which one of its offerings starts; they are kept by
    `reports.services.offering_totals_refresh`, which the offerings' writes call in their own transaction
    (the `offerings_changed` signal), and recomputed by `manage.py rebuild_totals`."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    start = models.IntegerField()
    end = models.IntegerField(null=True)
    offerings = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    full = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "start"], name="offering_total_unique_start")]

    def __str__(self):
        return f"{self.unit_id} from {self.start}: {self.online}/{self.offerings}"


class UnitVersion(models.Model):
    """A counter per unit, raised in the writing transaction whenever something the reports read of the
    unit itself changes: its figures and their totals, its offerings, the status of its unit-months, its
    targets (reports.reuse). The sum of the counters of a subtree changes with every committed write in
    it, so that results reused between requests (keyed by that sum) are never those of older data."""

    # No constraint: the counter of a deleted unit stays and is harmless (deleting a unit draws a new shared
    # token, so no earlier key comes back).
    unit = models.OneToOneField(
        "units.Unit", on_delete=models.DO_NOTHING, primary_key=True, related_name="+", db_constraint=False
    )
    version = models.PositiveBigIntegerField(default=0)
    # The unit's path (units.Unit.path), kept here so that a subtree's counters are summed from one index
    # range of this table alone (reports.reuse): written with the counter, and brought up to date in the
    # transaction of every change of the unit tree (services.shared_version_renew).
    path = models.CharField(max_length=255, db_index=True, default="")

    def __str__(self):
        return f"{self.unit_id}: {self.version}"


class SharedVersion(models.Model):
    """One row: a random token, drawn again whenever what every page reads whatever its units changes:
    the unit tree (codes, names, kinds, parents, validity, successors), the catalogue of procedures and
    fields, and on `manage.py rebuild_totals` (after a restore, say). Part of every key of reused results
    (reports.reuse)."""

    token = models.CharField(max_length=32)

    def __str__(self):
        return self.token
