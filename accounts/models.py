from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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

    @property
    def is_leader(self):
        return self.role == Role.LEADER

    @property
    def can_decide(self):
        """Leaders and administrators approve and return months (filings.workflow says on which)."""
        return self.is_leader or self.is_portal_admin

    @property
    def can_use_api_tokens(self):
        """Leaders and administrators read the portal from scripts with API tokens; a clerk enters figures
        on the entry page and has no tokens (a token of a user who becomes a clerk stops working)."""
        return self.is_active and self.can_decide


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A key for scripts calling the JSON API on a user's behalf, with that user's scope.

    Only the SHA-256 hash of the key is stored: the key is shown once, when it is created, and a
    leaked database does not leak working keys. A short prefix of the key is kept to tell tokens apart.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “monthly report script”.")
    )
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="api_token_revoked_after_created",
                violation_error_message=_("A token cannot be revoked before it was created."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class PasswordResetRequest(models.Model):
    """One request for a password-reset mail, by the address it came from and the e-mail address asked
    for (hashed), so that accounts.throttle limits them across processes (the database is the one store
    every worker shares)."""

    key = models.CharField(max_length=80, db_index=True)  # "ip:203.0.113.9" or "email:<sha256>"
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")

    def __str__(self):
        return f"{self.key} · {self.created_at:%Y-%m-%d %H:%M}"
