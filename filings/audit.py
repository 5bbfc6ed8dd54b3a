"""Where a change came from, for the history rows that simple-history writes from its signals.

Services set the change reason themselves (`form`, `import: <file>`, `admin`, ...). Edits made in the
Django admin through a model's own save() (offerings, targets, entry exceptions) only reach simple-history's
signal receivers; this fills in `admin` for them, so that every history row says where it came from.
"""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


def _request_source():
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    if request.path.startswith(reverse("admin:index")):
        return "admin"
    return "form"


def fill_change_reason(sender, history_instance, **kwargs):
    if getattr(history_instance, "history_change_reason", None):
        return
    source = _request_source()
    if source:
        history_instance.history_change_reason = source


def connect():
    pre_create_historical_record.connect(fill_change_reason, dispatch_uid="filings.audit.fill_change_reason")


class UnitMonthHistory(HistoricalRecords):
    """simple-history's records of a model keyed by unit and month (figures, unit-month status), indexed
    for how they are read: by (unit, year, month) for a unit-month's history page and the four-eyes rule,
    by id for one row's history in the admin (figures per field, unit-month statuses; the figures per
    procedure have no such view, and no index on id). simple-history's default single-column indexes on
    the foreign keys (and on history_date, which settings.SIMPLE_HISTORY_DATE_INDEX turns off for every
    history) serve no query here, and each costs an index entry (and its WAL) for every history row that a
    100,000-row import writes (the index on the user alone costs a fifth of the history insert).
    For the same reason the user column is a foreign key for Django but neither constrained nor indexed in
    the database: a deferred check would queue a trigger event per history row, and nothing reads the
    history by user. Deleting a user (rare: accounts are deactivated) still sets the column to NULL, with
    one scan of the history."""

    def __init__(self, **kwargs):
        kwargs.setdefault("no_db_index", ["unit", "procedure"])
        kwargs.setdefault("user_db_constraint", False)
        super().__init__(**kwargs)

    def _get_history_user_fields(self):
        fields = super()._get_history_user_fields()
        if isinstance(fields.get("history_user"), models.ForeignKey):
            fields["history_user"].db_index = False
        return fields

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        index = models.Index(fields=("unit", "year", "month"), name=f"hist_{model._meta.model_name}_unit_month")
        meta["indexes"] = (*meta.get("indexes", ()), index)
        return meta
