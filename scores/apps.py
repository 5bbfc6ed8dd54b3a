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

        # The score's section of the unit page (reports.panels), reused with the page's figures: a change of
        # a version or its indicators (the admin, one row at a time) renews reports' shared version.
        from django.db.models.signals import post_delete, post_save

        from reports.panels import register_panel
        from reports.services import versions_on_shared_change

        from .models import ScoreIndicator, ScoreVersion
        from .views import unit_panel

        register_panel("unit", unit_panel, reusable=True)
        for model in (ScoreVersion, ScoreIndicator):
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                uid = f"scores.versions.{model._meta.label}.{name}"
                signal.connect(versions_on_shared_change, sender=model, dispatch_uid=uid)
