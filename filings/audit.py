"""Where a change came from, for the history rows that simple-history writes from its signals.

Services set the change reason themselves (`form`, `import: <file>`, `admin`, ...). Edits made in the
Django admin through a model's own save() (offerings, targets, entry exceptions) only reach simple-history's
signal receivers; this fills in `admin` for them, so that every history row says where it came from.
"""

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
