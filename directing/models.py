"""The models of directing, each written only through its module of `directing.services`: outreach
activities (one row per unit, day and kind); directives with tasks assigned to units and the units'
reports; inspections (topics, visited units, findings; recommendations are tasks of the conclusion);
periodic indicators defined by admins and their values per unit and period."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from units.models import Unit

from .documents import validate_document


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
    file = models.FileField(_("file"), upload_to="directives/%Y/", blank=True, validators=[validate_document])

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
    # Set: the task recurs (e.g. broadcasting 3 times a week) from the day of issue to the deadline, and is
    # reported week by week (directing.rules.directives).
    times_per_week = models.PositiveSmallIntegerField(_("times per week"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["directive", "deadline", "id"]
        constraints = [models.UniqueConstraint(fields=["directive", "title"], name="task_directive_title")]

    def __str__(self):
        return self.title

    @property
    def recurring(self):
        return self.times_per_week is not None


class TaskStatus(models.TextChoices):
    DONE = "done", _("Done")
    DONE_LATE = "done_late", _("Done late")
    NOT_DONE = "not_done", _("Not done")
    OPEN = "open", pgettext_lazy("task status", "Open")


class TaskAssignment(models.Model):
    """A task assigned to one unit. Its status is computed (directing.rules.directives.assignment_status) from the
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
    # A recurring task (Task.times_per_week) is reported week by week: how many times in done_on's week.
    times = models.PositiveSmallIntegerField(_("times that week"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/", blank=True, validators=[validate_document])
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


# --- inspections --------------------------------------------------------------------------------------


class Inspection(models.Model):
    """An inspection plan (kế hoạch kiểm tra) of a unit: a team visits units between two days and checks
    them against the plan's topics; the report is due by a day. The recommendations of the conclusion are
    tasks of the directive `conclusion` (created with the first recommendation), assigned to the units
    visited, so that their follow-up is tracked like any task."""

    number = models.CharField(_("number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=500)
    inspector = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="inspections_led", verbose_name=_("inspecting unit")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    team = models.TextField(_("team"), blank=True, help_text=_("One member per line: name, position."))
    report_due = models.DateField(_("report due on"), null=True, blank=True)
    report = models.TextField(_("report"), blank=True)
    report_file = models.FileField(
        _("report file"), upload_to="inspections/%Y/", blank=True, validators=[validate_document]
    )
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    conclusion = models.OneToOneField(
        Directive,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection",
        verbose_name=_("conclusion"),
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-start", "number"]

    def __str__(self):
        return f"{self.number} · {self.title}"


class InspectionTopic(models.Model):
    """One line of an inspection's checklist (infrastructure, staff, outreach, the one-stop system ...)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="topics", verbose_name=_("inspection")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("checklist topic")
        verbose_name_plural = _("checklist topics")
        ordering = ["inspection", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "title"], name="topic_inspection_title")]

    def __str__(self):
        return self.title


class InspectionVisit(models.Model):
    """A unit an inspection visits, on a planned day (None: not fixed yet)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="visits", verbose_name=_("inspection")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="inspection_visits", verbose_name=_("unit"))
    date = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspected unit")
        verbose_name_plural = _("inspected units")
        ordering = ["inspection", "date", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["inspection", "unit"], name="visit_inspection_unit")]

    def __str__(self):
        return f"{self.inspection.number} · {self.unit.code}"


class FindingResult(models.TextChoices):
    MEETS = "meets", _("Meets")
    PARTLY = "partly", _("Partly meets")
    FAILS = "fails", _("Does not meet")


class Finding(models.Model):
    """What the team found at one visited unit on one checklist topic."""

    visit = models.ForeignKey(
        InspectionVisit, on_delete=models.CASCADE, related_name="findings", verbose_name=_("visit")
    )
    topic = models.ForeignKey(
        InspectionTopic, on_delete=models.CASCADE, related_name="findings", verbose_name=_("topic")
    )
    result = models.CharField(_("result"), max_length=10, choices=FindingResult.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["visit", "topic__position", "topic_id"]
        constraints = [models.UniqueConstraint(fields=["visit", "topic"], name="finding_visit_topic")]

    def __str__(self):
        return f"{self.visit} · {self.topic}"


# --- other periodic indicators ------------------------------------------------------------------------


class Periodicity(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


class Indicator(models.Model):
    """An indicator an admin defines beside the KPIs (official mail accounts in use, broadband lines ...):
    a unit of measure and, optionally, a denominator (accounts in use / accounts issued), reported by
    units once per month, quarter or year."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=300)
    measure = models.CharField(_("unit of measure"), max_length=60)
    denominator = models.CharField(
        _("denominator"), max_length=300, blank=True, help_text=_("Empty: the indicator is a plain value.")
    )
    periodicity = models.CharField(_("periodicity"), max_length=10, choices=Periodicity.choices)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("periodic indicator")
        verbose_name_plural = _("periodic indicators")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class IndicatorValue(models.Model):
    """A unit's value of an indicator for one period, named by its first day (the first of the month, of
    the quarter's first month, or 1 January) and the indicator's periodicity."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="indicator_values", verbose_name=_("unit"))
    period_start = models.DateField(_("period"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # None: written by the demo or the CLI.
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "unit__code", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period_start"], name="indicator_value_key"),
        ]

    def __str__(self):
        return f"{self.indicator.code} · {self.unit.code} · {self.period_start:%m/%Y}"


# --- reminders ----------------------------------------------------------------------------------------


class Reminder(models.Model):
    """The daily reminder mailed to a user (manage.py send_reminders): one per person and day, written
    before the mail is sent (and deleted again if sending fails), so that a second run on the same day
    sends nothing twice."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("items"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-day", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_user_day")]

    def __str__(self):
        return f"{self.user} · {self.day:%d/%m/%Y}"
