"""Outreach activities: what a unit did to make online public services known (conferences, trainings,
broadcasts, panels and slogans, guidance teams), one row per unit, day and kind. Written only through
`directing.services.activities_upsert`."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from units.models import Unit


class ActivityKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    TRAINING = "training", _("Training")
    BROADCAST = "broadcast", _("Broadcast")
    PANEL = "panel", _("Panels and slogans")
    GUIDE_TEAM = "guide_team", _("Guidance team")
    OTHER = "other", _("Other activity")


class Activity(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="activities", verbose_name=_("unit"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("outreach activity")
        verbose_name_plural = _("outreach activities")
        ordering = ["-date", "unit__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date", "kind"], name="activity_unit_date_kind"),
        ]
        indexes = [models.Index(fields=["date"], name="activity_date")]

    def __str__(self):
        return f"{self.unit.code} · {self.date:%d/%m/%Y} · {self.get_kind_display()}"


class Directive(models.Model):
    """A directing document (công văn, kế hoạch, chỉ thị) of a unit, by its number."""

    number = models.CharField(_("number"), max_length=60, unique=True)
    issued = models.DateField(_("issued on"))
    issuer = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="directives_issued", verbose_name=_("issuing unit")
    )
    title = models.CharField(_("title"), max_length=500)
    file = models.FileField(_("file"), upload_to="directives/%Y/", blank=True)

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-issued", "number"]

    def __str__(self):
        return self.number


class Task(models.Model):
    """What a directive asks of the units it is assigned to, by a deadline."""

    directive = models.ForeignKey(
        Directive, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("directive")
    )
    title = models.CharField(_("title"), max_length=500)
    deadline = models.DateField(_("deadline"))
    recurrence = models.CharField(_("recurrence"), max_length=200, blank=True)
    times_per_week = models.PositiveSmallIntegerField(_("times per week"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["directive", "deadline", "id"]
        constraints = [models.UniqueConstraint(fields=["directive", "title"], name="task_directive_title")]

    def __str__(self):
        return self.title


class TaskStatus(models.TextChoices):
    DONE = "done", _("Done")
    DONE_LATE = "done_late", _("Done late")
    NOT_DONE = "not_done", _("Not done")
    OPEN = "open", pgettext_lazy("task status", "Open")


class TaskAssignment(models.Model):
    """A task assigned to one unit. Its status is computed (directing.rules.assignment_status) from the
    day its latest report not returned says the task was done."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("task"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="task_assignments", verbose_name=_("unit"))

    class Meta:
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        ordering = ["task", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="assignment_task_unit")]

    def __str__(self):
        return f"{self.task} · {self.unit.code}"


class TaskReport(models.Model):
    """A unit's report that it did a task; a leader of the issuing unit confirms it or returns it with a
    reason (a returned report no longer counts: the unit reports again)."""

    assignment = models.ForeignKey(
        TaskAssignment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("assignment")
    )
    done_on = models.DateField(_("done on"))
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/", blank=True)
    # None: written by the demo (seed_demo), not by a user.
    reported_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    class Meta:
        verbose_name = _("task report")
        verbose_name_plural = _("task reports")
        ordering = ["assignment", "-id"]

    def __str__(self):
        return f"{self.assignment} · {self.done_on:%d/%m/%Y}"

    @property
    def state(self):
        if self.returned_at:
            return "returned"
        return "confirmed" if self.confirmed_at else "pending"
