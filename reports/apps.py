from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The unit-month KPI totals follow every write of figures and offerings, in the writing transaction,
        # without the lower apps importing this one (docs/architecture.md, "Layers").
        from filings.signals import figures_written
        from procedures.signals import offerings_changed

        from .services import totals_on_figures_written, totals_on_offerings_changed

        figures_written.connect(totals_on_figures_written, dispatch_uid="reports.totals.figures")
        offerings_changed.connect(totals_on_offerings_changed, dispatch_uid="reports.totals.offerings")
