from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (`seed_demo`) and the synthetic national dataset (`generate_dataset`). Built on the
    domain apps and writing only through their services; nothing below imports it (docs/architecture.md)."""

    name = "demo"
    verbose_name = _("Demo data")
