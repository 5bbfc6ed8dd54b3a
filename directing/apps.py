from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectingConfig(AppConfig):
    name = "directing"
    verbose_name = _("Directing and outreach")

    def ready(self):
        # The sections are reused with the pages' figures: every write of what they show raises the versions
        # that key them (directing.versions).
        from reports.panels import register_panel

        from . import versions

        versions.connect()
        # Open and overdue tasks on the unit page and the home page (reports.panels).
        from .views.directives import home_panel, unit_panel

        register_panel("unit", unit_panel, reusable=True)
        register_panel("home", home_panel, reusable=True)
        # The periodic indicators beside the KPIs on the unit page.
        from .views.indicators import unit_panel as indicators_panel

        register_panel("unit", indicators_panel, reusable=True)
        # The outreach activities of the period, by kind, on the unit page.
        from .views.activities import unit_panel as activities_panel

        register_panel("unit", activities_panel, reusable=True)
