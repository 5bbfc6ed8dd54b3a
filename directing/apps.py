from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectingConfig(AppConfig):
    name = "directing"
    verbose_name = _("Directing and outreach")

    def ready(self):
        # Open and overdue tasks on the unit page and the home page (reports.panels).
        from reports.panels import register_panel

        from .views.directives import home_panel, unit_panel

        register_panel("unit", unit_panel)
        register_panel("home", home_panel)
