"""The versions of reports.reuse follow the directing data that the unit page and the home page show (the
open and overdue tasks, the periodic indicators, the outreach activities), so that those sections are
reused with the pages' figures (reports.panels) and are never older than the data:

- a write of a unit's task assignment, task report, indicator value or activity raises the unit's counter
  (reports.services.versions_bump), in the write's transaction;
- a change of a directive, a task or an indicator (each shown for many units) draws a new shared token.

Saves and deletes one by one (the services, the admin, cascades) are followed through Django's signals;
the services' bulk writes call `units_written` themselves, and a service that saves row by row gathers
its units in `one_bump()`, so that its counters are raised once, not once per row.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save

from reports.services import shared_version_renew, versions_bump

from .models import Activity, Directive, Indicator, IndicatorValue, Task, TaskAssignment, TaskReport

_gathered = ContextVar("directing_versions_gathered", default=None)


def units_written(unit_ids):
    """Raise the counters of these units: their directing data changed (a bulk write); inside
    `one_bump()`, at its end."""
    gathered = _gathered.get()
    if gathered is None:
        versions_bump(unit_ids)
    else:
        gathered.update(unit_ids)


@contextmanager
def one_bump():
    """The writes inside raise their units' counters once, at the end (in the caller's transaction)."""
    gathered = set()
    token = _gathered.set(gathered)
    try:
        yield
    finally:
        _gathered.reset(token)
    versions_bump(gathered)


def _unit_row_changed(sender, instance, **kwargs):
    units_written([instance.unit_id])


def _report_changed(sender, instance, **kwargs):
    units_written(TaskAssignment.objects.filter(pk=instance.assignment_id).values_list("unit_id", flat=True))


def _definition_changed(sender, **kwargs):
    shared_version_renew()


def connect():
    """Connect the receivers (DirectingConfig.ready)."""
    receivers = [(model, _unit_row_changed) for model in (Activity, IndicatorValue, TaskAssignment)]
    receivers += [(TaskReport, _report_changed)]
    receivers += [(model, _definition_changed) for model in (Directive, Task, Indicator)]
    for model, receiver in receivers:
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(receiver, sender=model, dispatch_uid=f"directing.versions.{model.__name__}.{name}")
