from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectingConfig(AppConfig):
    name = "directing"
    verbose_name = _("Directing and outreach")

    def ready(self):
        # Open and overdue tasks on the unit page (reports.dashboards.UNIT_PANELS).
        from reports.dashboards import register_unit_panel

        from .views import unit_panel

        register_unit_panel(unit_panel)
