from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")


class LoginThrottleConfig(axes_apps.AppConfig):
    """django-axes (the login throttle's records) under a name the admin shows in the user's language: its
    own is the package's ("Axes"). Named in INSTALLED_APPS; not the `accounts` app's own (`default = False`)."""

    default = False
    verbose_name = _("Login throttle")
