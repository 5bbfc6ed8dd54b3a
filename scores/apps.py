from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoresConfig(AppConfig):
    name = "scores"
    verbose_name = _("Decision 766 score")

    def ready(self):
        # `score_766` becomes a KPI key for the rankings (CLI, API, page) without reports importing this app
        # (docs/architecture.md, "Layers").
        from reports.kpis import register_computed_kpi

        from .selectors import SCORE_KPI, ranking_values

        register_computed_kpi(SCORE_KPI, ranking_values)

        # The score's section of the unit page (reports.panels).
        from reports.panels import register_panel

        from .views import unit_panel

        register_panel("unit", unit_panel)
