"""Versions of the Decision 766 score (docs/kpis.md, "Decision 766"): which KPIs it scores, against which
thresholds, for how many points, from which date. The version that applies to a period is the one in force
on the period's last day (scores.selectors.version_for)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .rules import indicator_kpi_choices, indicator_problems


class ScoreVersion(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("e.g. 766-2022"))
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(
        _("effective from"),
        unique=True,
        help_text=_("A period is scored by the version in force on its last day."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["effective_from"]
        verbose_name = _("score version")
        verbose_name_plural = _("score versions")

    def __str__(self):
        return f"{self.code} – {self.name}"


class ScoreIndicator(models.Model):
    version = models.ForeignKey(
        ScoreVersion, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("version")
    )
    group = models.CharField(_("group"), max_length=40, help_text=_("a key, e.g. transparency"))
    group_label = models.CharField(_("group label"), max_length=200)
    kpi = models.CharField(_("KPI"), max_length=40, choices=indicator_kpi_choices)
    threshold = models.DecimalField(
        _("threshold (%)"), max_digits=5, decimal_places=2, help_text=_("at or above it, the full points")
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "order", "pk"]
        verbose_name = _("score indicator")
        verbose_name_plural = _("score indicators")
        constraints = [
            models.UniqueConstraint(fields=["version", "kpi"], name="score_indicator_unique_version_kpi"),
            models.CheckConstraint(
                condition=Q(threshold__gt=0, threshold__lte=100), name="score_indicator_threshold_0_100"
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="score_indicator_points_positive"),
        ]

    def __str__(self):
        return f"{self.group} · {self.kpi}"

    def clean(self):
        problems = indicator_problems(self.kpi, self.threshold, self.points)
        if problems:
            errors = {}
            for field, reason in problems:
                errors.setdefault(field, []).append(reason)
            raise ValidationError(errors)
