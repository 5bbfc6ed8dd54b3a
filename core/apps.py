from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Primitives every app may use: months and periods, exact rates, command-line helpers, .xlsx tables,
    the number filters of the templates. Imports no app of the project (docs/architecture.md)."""

    name = "core"
    verbose_name = _("Shared primitives")
