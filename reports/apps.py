from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The unit-month KPI totals and the offering totals follow every write of figures and offerings, in
        # the writing transaction, without the lower apps importing this one (docs/architecture.md,
        # "Layers"); so do the versions that the results reused between requests are keyed by
        # (reports.reuse): the statuses of unit-months, the targets, the unit tree and the catalogue.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from filings.signals import figures_written, statuses_changed
        from procedures.models import Field, Procedure
        from procedures.signals import catalogue_changed, offerings_changed
        from units.models import Unit
        from units.signals import units_changed

        from .models import Target
        from .services import (
            totals_on_figures_written,
            totals_on_offerings_changed,
            versions_on_shared_change,
            versions_on_statuses_changed,
        )

        figures_written.connect(totals_on_figures_written, dispatch_uid="reports.totals.figures")
        offerings_changed.connect(totals_on_offerings_changed, dispatch_uid="reports.totals.offerings")
        statuses_changed.connect(versions_on_statuses_changed, dispatch_uid="reports.versions.statuses")
        units_changed.connect(versions_on_shared_change, dispatch_uid="reports.versions.units")
        catalogue_changed.connect(versions_on_shared_change, dispatch_uid="reports.versions.catalogue")
        # One unit, procedure, field or target saved or deleted on its own (the admin's delete, a test's
        # factory): Django's model signals; the services' bulk writes send the signals above.
        for model in (Unit, Procedure, Field):
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                uid = f"reports.versions.{model._meta.label}.{name}"
                signal.connect(versions_on_shared_change, sender=model, dispatch_uid=uid)
        m2m_changed.connect(
            versions_on_shared_change, sender=Unit.successors.through, dispatch_uid="reports.versions.successors"
        )
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(_target_written, sender=Target, dispatch_uid=f"reports.versions.target.{name}")


def _target_written(sender, instance, **kwargs):
    from .services import versions_bump

    versions_bump([instance.unit_id])
