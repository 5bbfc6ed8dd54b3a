from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person using the portal: a role, and the units whose subtrees they may see."""

    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.CLERK)
    units = models.ManyToManyField(
        "units.Unit",
        verbose_name=_("units"),
        blank=True,
        related_name="users",
        help_text=_("The user sees these units and everything below them. Administrators see every unit."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_portal_admin(self):
        return self.is_superuser or self.role == Role.ADMIN
