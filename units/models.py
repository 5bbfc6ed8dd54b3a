import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

# The materialised path holds one fixed-width segment per level: the zero-padded id and a slash.
# Fixed width makes "the ancestor at depth d" a plain prefix of length d * PATH_STEP, which the
# KPI selectors group by to roll a whole subtree up in one query.
PATH_DIGITS = 9
PATH_STEP = PATH_DIGITS + 1

# A letter or digit first: a code never starts like a spreadsheet formula (=, +, -, @), so no export of it
# can run in Excel, and no escaping has to alter it.
code_validator = RegexValidator(
    r"^[0-9A-Za-z][^\s/]*$",
    _("A unit code starts with a letter or a digit and has no spaces or slashes."),
    code="invalid_unit_code",
)


def path_segment(pk):
    return f"{pk:0{PATH_DIGITS}d}/"


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    DEPARTMENT = "department", _("Department")
    CENTER = "center", _("Service centre")


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit):
        """The unit and every unit below it."""
        return self.filter(path__startswith=unit.path)

    def roots(self):
        return self.filter(parent__isnull=True)

    def valid_on(self, day):
        return self.active_between(day, day)

    def active_between(self, first_day, last_day):
        """Units that existed on at least one day from `first_day` to `last_day` (Unit.exists_between)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=last_day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=first_day),
        )

    def for_user(self, user):
        """Units a user may see: an admin sees all; others their assigned units and everything below."""
        if not user.is_authenticated:
            return self.none()
        if user.is_portal_admin:
            return self.all()
        scope = Q()
        for path in user.units.values_list("path", flat=True):
            scope |= Q(path__startswith=path)
        return self.filter(scope) if scope else self.none()

    def scope_roots_for(self, user):
        """The highest units of a user's scope: the top of the tree for an admin, else the assigned units
        that are not below another assigned unit."""
        if user.is_portal_admin:
            return self.roots()
        assigned = list(user.units.all())
        top = [u for u in assigned if not any(u.path != o.path and u.path.startswith(o.path) for o in assigned)]
        return self.filter(pk__in=[u.pk for u in top])


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        verbose_name=_("successors"),
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        help_text=_("The units that took over this one (e.g. the merged commune after the 2025 reform)."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
                violation_error_message=_("The end of validity must not be before its start."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="unit_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs):
        # The path is part of the tree's structure, so it is kept with every save; writers that bypass
        # save() (bulk_create, QuerySet.update) call units.services.units_rebuild_paths() afterwards.
        with transaction.atomic(using=kwargs.get("using")):
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs = {k: v for k, v in kwargs.items() if k == "using"}
            self._sync_path()
            super().save(*args, **kwargs)

    def _sync_path(self):
        new_path = (self.parent.path if self.parent_id else "") + path_segment(self.pk)
        old_path = self.path
        if old_path == new_path:
            return
        self.path = new_path
        if old_path:
            # Move the whole subtree in one statement.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1))
            )

    def clean(self):
        super().clean()
        if self.parent_id and self.pk:
            parent_path = Unit.objects.filter(pk=self.parent_id).values_list("path", flat=True).first() or ""
            if self.path and parent_path.startswith(self.path):
                raise ValidationError({"parent": _("A unit cannot be placed under itself or one of its own units.")})

    @property
    def depth(self):
        return len(self.path) // PATH_STEP

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.exists_between(day, day)

    def exists_between(self, first_day: datetime.date, last_day: datetime.date) -> bool:
        """Whether the unit existed on at least one day from `first_day` to `last_day` (a month in which a
        commune was merged on the 1st still has its figures)."""
        return (self.valid_from is None or self.valid_from <= last_day) and (
            self.valid_to is None or self.valid_to >= first_day
        )

    def ancestor_ids(self):
        """Ids of the units above this one, from the top, read off the path without a query."""
        return [int(self.path[i : i + PATH_DIGITS]) for i in range(0, len(self.path) - PATH_STEP, PATH_STEP)]
